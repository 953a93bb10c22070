import type { Destination } from '../destination/destination-types.ts'
import type { DataType, Schema } from '../schema/schema-types.ts'

/**
 * A row of a result: column name → value. Values by the column's sluice type: `text` string; `bigint` number, or
 * a JS `bigint` when beyond ±2^53 (every integer result, `count(*)` too, follows this rule); `double` number;
 * `bool` boolean; `timestamp` Date; `date` string `YYYY-MM-DD`; `time` string `HH:MM:SS[.ffffff]`; `decimal`
 * string (exact); `json` the parsed JSON value; `binary` Uint8Array; SQL NULL null.
 */
export type Row = Record<string, unknown>

/** A column of a relation's result. */
export interface RelationColumn {
  /** The column's name in the result (joined columns are `<table>__<column>`). */
  name: string
  /** Its sluice type; undefined where the engine's type maps to none (e.g. a list in a query's result). */
  dataType: DataType | undefined
}

/** Operators of {@link Relation.where}. `in` and `notIn` take an array; `isNull` and `isNotNull` no value. */
export type WhereOp = 'eq' | 'ne' | 'gt' | 'lt' | 'gte' | 'lte' | 'in' | 'notIn' | 'isNull' | 'isNotNull'

/** Options of {@link Relation.iterRows}. */
export interface IterRowsOptions {
  /** Rows per chunk. Default 1000. */
  chunkSize?: number
  /** Stops the query. */
  signal?: AbortSignal
}

/** A chunk of {@link Relation.iterTuples}: the result's columns (the same in every chunk) and rows as tuples. */
export interface TupleChunk {
  readonly columns: readonly RelationColumn[]
  readonly rows: readonly unknown[][]
}

/** Options of {@link Relation.join}. */
export interface JoinOptions {
  /** `inner` keeps rows with a match only; `left` keeps every row of the relation. Default `inner`. */
  kind?: 'inner' | 'left'
}

/** The SQL a relation runs, in the destination's dialect, with its positional parameters. */
export interface RelationSql {
  sql: string
  params: unknown[]
}

/**
 * A query over a dataset: lazy (nothing runs until a fetch method is called) and immutable (every method that
 * builds returns a new relation). Names are resolved like the loader makes them (`users.name` → `users__name`);
 * an unknown name fails the fetch with `TABLE_UNKNOWN` or `COLUMN_UNKNOWN` listing the close ones. Values are
 * bound as parameters, typed from the schema. In Deno's Jupyter kernel a relation displays its first rows.
 */
export interface Relation {
  /** Only these columns, in this order. */
  select(...columns: string[]): Relation
  /**
   * Rows where the column compares to `value` (`eq`, `ne`, `gt`, `lt`, `gte`, `lte`), is in (or not in) an array
   * (`in`, `notIn`), or is (not) null (`isNull`, `isNotNull`). `eq null` means `isNull`, `ne null` `isNotNull`.
   */
  where(column: string, op: WhereOp, value?: unknown): Relation
  /** Rows where a SQL condition holds, written in the destination's dialect, e.g. `where("duration > 3600")`. */
  where(sql: string): Relation
  /** Sorts by a column (several calls: several keys, first call first). Default direction `asc`. */
  orderBy(column: string, direction?: 'asc' | 'desc'): Relation
  /** At most `n` rows. */
  limit(n: number): Relation
  /** The first `n` rows (default 5): `limit(n)`. */
  head(n?: number): Relation
  /** The smallest value of a column, as a relation of one row and one column (fetch it with `scalar()`). */
  min(column: string): Relation
  /** The largest value of a column, as a relation of one row and one column (fetch it with `scalar()`). */
  max(column: string): Relation
  /**
   * Joins a child or parent table along the keys sluice writes (`_sluice_parent_id` → `_sluice_id`, and
   * `_sluice_root_id` for the root table of a merged table). Its columns come as `<table>__<column>`; name them
   * as `<table>.<column>` in `select`, `where` and `orderBy`. Only relations of a table can join.
   */
  join(table: string, options?: JoinOptions): Relation
  /** Only rows of these loads (`_sluice_load_id`). */
  fromLoads(loadIds: readonly string[]): Relation
  /** The SQL this relation runs, in the destination's dialect, with its parameters. */
  toSql(): Promise<RelationSql>
  /** The result's columns: from the schema for relations of a table, from the engine for `query()`. */
  columns(): Promise<RelationColumn[]>
  /** Every row as an object (see {@link Row}). */
  rows(): Promise<Row[]>
  /** Every row as a tuple in the order of `columns()`. */
  fetchall(): Promise<unknown[][]>
  /** The first row as a tuple, or undefined when there is none. */
  fetchone(): Promise<unknown[] | undefined>
  /** The value of a result of one column and at most one row (undefined for none); `QUERY_INVALID` otherwise. */
  scalar(): Promise<unknown>
  /** The rows in chunks as the destination streams them, without holding the result in memory. */
  iterRows(options?: IterRowsOptions): AsyncIterable<Row[]>
  /**
   * The rows as tuples in chunks, as the destination streams them, with the columns: the first chunk comes even
   * when there are no rows. For output that keeps the column order (and names that repeat).
   */
  iterTuples(options?: IterRowsOptions): AsyncIterable<TupleChunk>
  /**
   * The result as an Apache Arrow table, built column by column from the streamed chunks. Needs the optional
   * package `apache-arrow` (`DEPENDENCY_MISSING` otherwise). Types: `bigint` Int64, `double` Float64, `bool` Bool,
   * `timestamp` Timestamp (ms, UTC), `date` DateDay, `binary` Binary, `json` (as JSON text) and the rest Utf8.
   */
  arrow<T = ArrowTable>(): Promise<T>
}

/**
 * What {@link Relation.arrow} returns: a `Table` of the apache-arrow package, described here by what most code
 * needs. For its whole API name the type: `rel.arrow<Table>()` with `import type { Table } from 'apache-arrow'`.
 */
export interface ArrowTable {
  readonly numRows: number
  readonly numCols: number
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: unknown }[] }
  /** A column by name. */
  getChild(name: string): { get(index: number): unknown; toArray(): unknown; readonly length: number } | null
  /** The rows; `toJSON()` gives each as an object. */
  toArray(): { toJSON(): Record<string, unknown> }[]
}

/** A table's row count, from {@link Dataset.rowCounts}. */
export interface RowCount {
  table: string
  rows: number
}

/** Options of {@link Dataset.tables}. */
export interface TablesOptions {
  /** Child tables (from lists) too, each after its parent. Default false. */
  children?: boolean
  /** The system tables (`_sluice_loads`, `_sluice_version`, `_sluice_pipeline_state`) too. Default false. */
  system?: boolean
}

/** Options of {@link Dataset.rowCounts}. */
export interface RowCountsOptions {
  /** These tables. Default every data table, child tables included. */
  tables?: readonly string[]
  /** Only rows of this load (system tables are counted whole). */
  loadId?: string
  /** The system tables too. Default false. */
  system?: boolean
}

/**
 * The tables a pipeline loaded, read through the destination's read-only reader (`Destination.openReader`),
 * which it opens at the first query and keeps until `close()` (a later query opens it again). `await using`
 * closes it.
 */
export interface Dataset extends AsyncDisposable {
  /** Table names: the data tables, child tables and system tables on request. */
  tables(options?: TablesOptions): Promise<string[]>
  /** A relation of a table (the name resolved like the loader names tables). */
  table(name: string): Relation
  /**
   * A relation of one SQL statement in the destination's dialect; unqualified table names are the dataset's.
   * The reader refuses anything that writes (`READ_ONLY`). Building on it (`where`, `limit` ...) wraps it as a
   * subquery.
   */
  query(sql: string): Relation
  /** Rows per table in one query (`UNION ALL` of counts). In Deno's Jupyter kernel it displays as a table. */
  rowCounts(options?: RowCountsOptions): Promise<RowCount[]>
  /** Ids of the completed loads of the dataset's schemas (`_sluice_loads`), oldest first. */
  loadIds(): Promise<string[]>
  /** The newest completed load, if any. */
  latestLoadId(): Promise<string | undefined>
  /** A schema of the dataset by name; default the first (a pipeline's source schema). */
  schema(name?: string): Promise<Schema>
  /** Closes the reader. Idempotent. */
  close(): Promise<void>
}

/** Options of {@link dataset}. */
export interface DatasetOptions {
  /** The destination to read; it must offer a reader (`openReader`). */
  destination: Destination
  /** The dataset (schema, folder) to read; normalized like the loader does. */
  datasetName: string
  /**
   * The schemas whose tables the dataset knows. Default: the newest version of each schema stored in the dataset
   * (`_sluice_version`), read through the reader.
   */
  schemas?: readonly Schema[]
}
