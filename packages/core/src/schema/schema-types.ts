/** The data types a column can have. Destinations map each to a native type (see their type mappers). */
export type DataType =
  | 'text'
  | 'bigint'
  | 'double'
  | 'bool'
  | 'timestamp'
  | 'date'
  | 'time'
  | 'decimal'
  | 'json'
  | 'binary'

/** Every {@link DataType}, in a stable order. */
export const DATA_TYPES: readonly DataType[] = [
  'text',
  'bigint',
  'double',
  'bool',
  'timestamp',
  'date',
  'time',
  'decimal',
  'json',
  'binary',
]

/** How rows reach a table. Default `append`. */
export type WriteDisposition = 'append' | 'replace' | 'merge'

/**
 * How `merge` works. Default `delete-insert`. `insert-only` inserts rows whose primary key the table lacks and
 * never changes a row that is there.
 */
export type MergeStrategy = 'delete-insert' | 'upsert' | 'insert-only' | 'scd2'

/**
 * How an `scd2` table keeps its history (dlt's scd2 options). In a resource's write disposition names are in
 * source naming; in a schema's {@link Table} they are normalized.
 */
export interface Scd2Options {
  /** Names of the validity columns `[valid from, valid to]`. Default `['_sluice_valid_from', '_sluice_valid_to']`. */
  validityColumnNames?: readonly [string, string]
  /**
   * The valid-to value of active rows (an ISO timestamp, e.g. `9999-12-31T00:00:00Z`). Default none: active rows
   * hold NULL.
   */
  activeRecordTimestamp?: string
  /**
   * The valid-from of new versions and valid-to of retired ones (an ISO timestamp). Default: the time the package
   * is published.
   */
  boundaryTimestamp?: string
  /**
   * A column of the rows that holds their version (e.g. a hash the source computes), used instead of the row hash
   * to tell versions apart; `_sluice_id` is then random. Default none: `_sluice_id` is a hash of the row.
   */
  rowVersionColumnName?: string
}

/** How `replace` works. Default `insert-from-staging` (atomic where the destination has transactions). */
export type ReplaceStrategy = 'truncate-and-insert' | 'insert-from-staging' | 'staging-optimized'

/** A half-open range `[from, to)` of a column whose destination rows a run replaces (see `ResourceContext.replaceRange`). */
export interface ReplaceRange {
  /** Column in source naming, e.g. `time_since`. */
  column: string
  /** Inclusive lower bound (ISO string or number). */
  from: string | number
  /** Exclusive upper bound. */
  to: string | number
}

/** What a schema contract does when data does not fit. Default `evolve`. */
export type ContractMode = 'evolve' | 'freeze' | 'discard_row' | 'discard_value'

/** Contract per entity; a single mode applies to all three. */
export type SchemaContract =
  | ContractMode
  | { tables?: ContractMode; columns?: ContractMode; data_type?: ContractMode }

/** Hints a user (or a source) gives for a column; everything is optional and merged with inference. */
export interface ColumnHint {
  dataType?: DataType
  nullable?: boolean
  primaryKey?: boolean
  mergeKey?: boolean
  unique?: boolean
  /** Rows whose value is `true` (bool) or not null (other types) delete the matching row under merge. */
  hardDelete?: boolean
  /** Under merge delete-insert, which duplicate of a key wins: the largest (`desc`) or smallest (`asc`). */
  dedupSort?: 'asc' | 'desc'
  /** For `decimal`: precision and scale. Default (38, 9). For `timestamp`/`time`: fractional digits. */
  precision?: number
  scale?: number
}

/** Column hints keyed by the column's name as it appears in the source data (before naming). */
export type ColumnHints = Record<string, ColumnHint>

/** A column as stored in the schema. `name` is already normalized by the naming convention. */
export interface Column extends ColumnHint {
  name: string
  dataType: DataType
  /** Set on `col__v_<type>` columns that hold values that did not fit `col`. */
  variantOf?: string
  /**
   * The source keys the column's values come from, from the table's row down, as in the data (before naming),
   * e.g. `['Customer', 'userId']` for `customer__user_id`. Recorded for columns made from data and hints: when two
   * keys of one object normalize to the same name, the one recorded keeps it and the other gets the name with a
   * tag (`user_id_k3x9qa`), in every run.
   */
  sourcePath?: string[]
}

/** A table in the schema. Child tables (from lists) name their `parent`. */
export interface Table {
  /** Normalized table name, e.g. `projects__service_assignments`. */
  name: string
  /** Columns in load order. System columns (`_sluice_*`) included. */
  columns: Column[]
  /** The parent table for child tables created from lists. */
  parent?: string
  /** Child tables: the source keys of the list within a parent row (see `Column.sourcePath`). */
  sourcePath?: string[]
  /** The resource that produced the table (root tables). */
  resource?: string
  writeDisposition: WriteDisposition
  mergeStrategy?: MergeStrategy
  /** Options of an `scd2` root table. Default none (see {@link Scd2Options} for each default). */
  scd2?: Scd2Options
  replaceStrategy?: ReplaceStrategy
  /** Contract for this table (inherits the schema's when unset). */
  contract?: SchemaContract
}

/** A schema: the tables of one source. Versioned by a content hash of `tables`. */
export interface Schema {
  name: string
  /** Increments on each change. */
  version: number
  /** Content hash (base64url of sha256 over the canonical JSON of `tables`). */
  versionHash: string
  /** The last 10 hashes, newest first. */
  previousHashes: string[]
  tables: Record<string, Table>
  contract?: SchemaContract
}

/** An additive change computed by schema evolution; destinations migrate by applying these in order. */
export type SchemaChange =
  | { kind: 'add-table'; table: Table }
  | { kind: 'add-column'; table: string; column: Column }
