import type { Column, DataType } from '../../schema/schema-types.ts'
import type { DestinationCapabilities, DestinationContext, FileFormat } from '../destination-types.ts'
import type { RenamePublish } from './sql-rename-publish.ts'

/**
 * What differs between SQL engines. Core builds all DDL, merge and replace SQL from this; a destination
 * supplies one object. Optional members have defaults noted on each.
 */
export interface SqlDialect {
  readonly name: string
  /** Quotes an identifier (applies the engine's case rule). MUST escape embedded quotes. */
  quoteIdentifier(name: string): string
  /** Native column type for a column, e.g. `timestamp with time zone`. */
  columnType(column: Column): string
  /** Positional parameter placeholder for the 1-based index `i`. Default `$i`. */
  param?(i: number): string
  /** How `merge` + `upsert` is written: `on-conflict` (PostgreSQL, DuckDB) or `merge` (MERGE INTO). Default `on-conflict`. */
  readonly upsertSyntax?: 'on-conflict' | 'merge'
  /** Casts a JSON-encoded job-file value to the type, when the engine needs it. Default none. */
  readonly jsonType?: DataType
  /**
   * Quoted, qualified name of a table in a schema (both given unquoted). Default `"schema"."table"`.
   * Engines where a schema can be mistaken for a catalog of the same name (DuckDB) add the catalog.
   */
  qualify?(schema: string, table: string): string
  /**
   * Before a merge (delete-insert, upsert) on a primary key, core runs one query that reads the staging keys
   * (`GROUP BY key HAVING COUNT(*) > 1 LIMIT 1`); when no key is there twice, the merge leaves out its
   * de-duplicating `ROW_NUMBER()` window, which costs far more than the check. Engines where every query is a
   * costly round trip may set `false` to always de-duplicate with the window. Default true.
   */
  readonly stagingDuplicateCheck?: boolean
}

/** Runs SQL. Shared by a connection and a transaction. */
export interface SqlExecutor {
  /** Runs one or more statements without results. */
  execute(sql: string, params?: readonly unknown[]): Promise<void>
  /** Runs a query and returns its rows as plain objects keyed by column name. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]>
}

/** A job file to bulk-load into one (staging) table. */
export interface BulkLoad {
  file: string
  format: FileFormat
  /** Already-quoted, qualified table name, e.g. `"ds_staging"."entries"`. */
  qualifiedTable: string
  /** Columns of the file in order, normalized names. */
  columns: readonly Column[]
  rows: number
  /** See `LoadJob.duringExtraction`. Default false. */
  duringExtraction?: boolean
}

/**
 * What a SQL destination package implements: a connection plus its fastest load path.
 * Errors MUST be {@link SluiceError}s with a hint (see the package's `*-errors.ts`), transient where a retry helps.
 */
export interface SqlClient extends SqlExecutor, AsyncDisposable {
  readonly dialect: SqlDialect
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /** Loads a job file into a table through the engine's bulk path (COPY, read_json ...), never row by row. */
  bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number>
  /** True when a schema (dataset) exists. */
  schemaExists(schema: string): Promise<boolean>
  /**
   * Lists the columns of every table in these schemas (names as given, unquoted). Optional: by default core
   * queries `information_schema.columns` with `table_schema IN (...)`. Engines whose catalog differs (BigQuery's
   * per-dataset INFORMATION_SCHEMA, Snowflake's upper-cased names) implement it. MUST return nothing (not throw)
   * for a schema that does not exist.
   */
  listColumns?(schemas: readonly string[]): Promise<SqlColumnRef[]>
  /**
   * Runs statements (without parameters) in order, in as few round trips as the engine allows, not atomically.
   * Optional: by default core runs them one by one with `execute`. Core uses it for DDL outside transactions
   * (initialize, migrate without `ddlInTransactions`) and for emptying staging tables in `startLoad`. Engines
   * where every statement is a costly job (BigQuery) implement it as one script.
   */
  executeBatch?(statements: readonly string[]): Promise<void>
  /**
   * Runs a read of staging tables before the publish, outside any transaction: the duplicate-key check of a
   * merge. An engine may trade speed for memory here (DuckDB runs it at its load memory limit, and again at the
   * full one when that runs out). Optional: without it core runs the check inside the publish transaction with
   * `query`.
   */
  stagingQuery?<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]>
}

/** One column of one table, as {@link SqlClient.listColumns} returns it. */
export interface SqlColumnRef {
  schema: string
  table: string
  column: string
}

/** Options for core's generic SQL destination. */
export interface SqlDestinationOptions {
  name: string
  capabilities: DestinationCapabilities
  /** Opens a client. Called once per pipeline run (per `createClient`), with the run's context. */
  connect(ctx: DestinationContext): Promise<SqlClient>
  /** Where the data lives, without secrets; a function when it depends on the run (e.g. a default file path). */
  location: string | ((ctx: DestinationContext) => string)
  /** Jobs loaded at once. Default 1. */
  maxParallelJobs?: number
  /**
   * Publish tables that are replaced, or whose target is empty (a first load), by dropping the target and renaming
   * their staging table into place, instead of copying every row. Needs transactional DDL and `ALTER TABLE ...
   * RENAME TO`. Default off: every publish copies from `<dataset>_staging`.
   */
  renamePublish?: RenamePublish
}
