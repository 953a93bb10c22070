import type { ConfigTable } from '../../config/config-resolve.ts'
import type { Column, ReplaceStrategy } from '../../schema/schema-types.ts'
import type { Stage, StageCredentials, StagedFile } from '../destination-stage.ts'
import type { DestinationCapabilities, DestinationContext, FileFormat } from '../destination-types.ts'

/**
 * What differs between SQL engines. Core builds all DDL, merge and replace SQL from this; a destination
 * supplies one object. Optional members have defaults noted on each.
 */
export interface SqlDialect {
  readonly name: string
  /**
   * Quotes an identifier. MUST escape embedded quotes and keep the name's case: core applies the engine's
   * case rule (`capabilities.identifierCase`) before it calls this.
   */
  quoteIdentifier(name: string): string
  /** Native column type for a column, e.g. `timestamp with time zone`. */
  columnType(column: Column): string
  /** Positional parameter placeholder for the 1-based index `i`. Default `$i`. */
  param?(i: number): string
  /** How `merge` + `upsert` is written: `on-conflict` (PostgreSQL, DuckDB) or `merge` (MERGE INTO). Default `on-conflict`. */
  readonly upsertSyntax?: 'on-conflict' | 'merge'
  /**
   * How a merge deletes the rows whose key is in a subquery: `subquery` writes `DELETE FROM t WHERE k IN
   * (SELECT ...)`; `merge` writes `MERGE INTO t USING (SELECT DISTINCT ...) ON ... WHEN MATCHED THEN DELETE`, for
   * engines whose DELETE takes no nested subqueries (Databricks). Default `subquery`.
   */
  readonly deleteSyntax?: 'subquery' | 'merge'
  /**
   * Quoted, qualified name of a table in a schema (both given unquoted, case rule applied). Default
   * `"schema"."table"`. Engines where a schema can be mistaken for a catalog of the same name (DuckDB) add the
   * catalog.
   */
  qualify?(schema: string, table: string): string
  /**
   * Before a merge (delete-insert, upsert) on a primary key, core runs one query that reads the staging keys
   * (`GROUP BY key HAVING COUNT(*) > 1 LIMIT 1`); when no key is there twice, the merge leaves out its
   * de-duplicating `ROW_NUMBER()` window, which costs far more than the check. `false` skips the check and always
   * de-duplicates with the window, for engines where one more query costs more. `'count-distinct'` checks a
   * one-column key with `COUNT(*)` against `COUNT(DISTINCT key)`: PostgreSQL sorts for that, about twice as fast
   * over a million keys as the grouping's hash table, which spills past `work_mem` (DuckDB groups faster, in less
   * memory). Default true. A speed knob (see `DestinationClient`).
   */
  readonly checkDuplicateKeys?: boolean | 'count-distinct'
  /**
   * `staging-optimized` replace by cloning: the statement that replaces the table `target` by a copy of `source`
   * (both qualified), e.g. `CREATE OR REPLACE TABLE target CLONE source` (BigQuery, Snowflake). Without
   * transactional DDL core runs the clones before the publish transaction (not atomic with it, as in dlt).
   * Default none: without this or {@link moveTableSql}, `staging-optimized` copies like `insert-from-staging`.
   */
  cloneTableSql?(target: string, source: string): string
  /**
   * `staging-optimized` replace by moving: the statement that moves the table `source` (qualified) into the
   * schema `schema` (quoted), keeping its name, e.g. `ALTER TABLE source SET SCHEMA schema` (PostgreSQL). Core
   * drops the targets first and recreates empty staging tables after, all in the publish transaction; used only
   * with transactional DDL. Views, grants and indexes on the targets are lost (dlt's semantics). Default none.
   */
  moveTableSql?(source: string, schema: string): string
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
  /** See `LoadJob.duringExtraction` (a speed knob). Default false. */
  duringExtraction?: boolean
}

/** A job file uploaded to a stage, to load into one (staging) table (see {@link SqlClient.loadStaged}). */
export interface StagedLoad {
  /** The staged file: `url` is what the engine reads, `key` its path relative to the stage root. */
  file: StagedFile
  /** The stage's keys for the bucket, when it has them (secret). */
  credentials?: StageCredentials | undefined
  /** Already-quoted, qualified table name. */
  qualifiedTable: string
  /** Columns of the table to fill, normalized names. */
  columns: readonly Column[]
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
  /** True when a schema (dataset) exists. The name comes with the engine's case rule applied. */
  schemaExists(schema: string): Promise<boolean>
  /**
   * Lists the columns of every table in these schemas (names as the catalog holds them, unquoted). Optional: by
   * default core queries `information_schema.columns` with `table_schema IN (...)`. Engines whose catalog differs
   * (BigQuery's per-dataset INFORMATION_SCHEMA) implement it. MUST return nothing (not throw) for a schema that
   * does not exist.
   */
  listColumns?(schemas: readonly string[]): Promise<SqlColumnRef[]>
  /**
   * Runs statements (without parameters) in order, in as few round trips as the engine allows, not atomically.
   * Optional: by default core runs them one by one with `execute`. Core uses it for DDL outside transactions
   * (initialize, migrate without `ddlInTransactions`, clones before the publish) and for emptying staging tables
   * in `startLoad`. Engines where every statement is a costly job (BigQuery) implement it as one script.
   */
  executeBatch?(statements: readonly string[]): Promise<void>
  /**
   * Runs a read of staging tables before the publish, outside any transaction: the duplicate-key check of a
   * merge. An engine may trade speed for memory here (DuckDB runs it at its load memory limit, and again at the
   * full one when that runs out). Optional: without it core runs the check inside the publish transaction with
   * `query`. A speed knob (see `DestinationClient`).
   */
  readStaging?<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]>
  /**
   * Optional: takes a lock on the dataset that other loads into it wait for, so two pipelines loading into one
   * dataset take turns instead of sharing staging tables. Core takes it before the first `migrate`,
   * `startLoad`, `prepareTables` or `dropTables` of a package and releases it once `complete` succeeded (a failed
   * publish keeps it, so a retry still owns the staging tables) or the client is disposed. When the lock is
   * held elsewhere, call `onWait` once (core emits a warning event) and wait; when `signal` aborts meanwhile,
   * reject with its reason. Resolves to the function that releases the lock. A lock that ends with the
   * connection (PostgreSQL's advisory locks) never outlives a crashed run.
   */
  lockDataset?(dataset: string, onWait: () => void, signal?: AbortSignal): Promise<() => Promise<void>>
  /**
   * The staged bulk path: loads a job file that was uploaded to a stage (a bucket) into a table, e.g. a load job
   * from `gs://` (BigQuery) or `COPY INTO ... FROM 's3://...'` (Snowflake). Returns the rows loaded. Required
   * when the capabilities have `loadsFromStage`.
   */
  loadStaged?(load: StagedLoad, signal: AbortSignal): Promise<number>
}

/** One column of one table, as {@link SqlClient.listColumns} returns it. */
export interface SqlColumnRef {
  schema: string
  table: string
  column: string
}

/**
 * Publishing by rename (`SqlDestinationOptions.publishByRename`, a speed knob): a table that is replaced, or
 * whose target is empty, is staged in a dataset table of its own (`_sluice_swap__<table>`), and the publish drops
 * the target and renames that table into its place instead of copying every row.
 */
export interface PublishByRename {
  /**
   * True when dropping these dataset tables would lose something the rename cannot bring back (indexes,
   * constraints, grants, views): their family is then copied as usual. `dataset` and `tables` come with the
   * engine's case rule applied. Default: nothing is lost.
   */
  hasExtras?(db: SqlExecutor, dataset: string, tables: readonly string[]): Promise<boolean>
}

/** Options of `sqlDestination()`: what a SQL destination package hands to core. */
export interface SqlDestinationOptions {
  /** Short name used by the CLI flag and config sections, e.g. `postgres`. */
  name: string
  capabilities: DestinationCapabilities
  /** Opens a client. Called once per pipeline run (per `createClient`), with the run's context. */
  connect(ctx: DestinationContext): Promise<SqlClient>
  /** Where the data lives, without secrets; a function when it depends on the run (e.g. a default file path). */
  location: string | ((ctx: DestinationContext) => string)
  /** The destination's settings without secrets (see `Destination.publicConfig`). Default none. */
  publicConfig?(ctx: { readonly pipelineName: string }): ConfigTable | undefined
  /** Jobs loaded at once. Default 1. A speed knob (see `DestinationClient`). */
  maxParallelJobs?: number
  /**
   * Publish tables that are replaced, or whose target is empty (a first load), by dropping the target and renaming
   * their staging table into place, instead of copying every row. Needs transactional DDL (`capabilities.
   * transactions` and `ddlInTransactions`; ignored otherwise) and `ALTER TABLE ... RENAME TO`. Default off: every
   * publish copies from `<dataset>_staging`. A speed knob (see `DestinationClient`).
   */
  publishByRename?: PublishByRename
  /**
   * Replace strategy for tables that set none. Default `insert-from-staging`: empty the target and insert from
   * staging in the publish transaction (`truncate-and-insert` does the same). `staging-optimized` clones or moves
   * the staging tables into place where the dialect says how (`cloneTableSql`, `moveTableSql`), else copies.
   */
  replaceStrategy?: ReplaceStrategy
  /**
   * A stage to load job files from (see `Stage`): each job file is uploaded there and loaded by
   * `SqlClient.loadStaged`. Needs `capabilities.loadsFromStage`. Default none: job files load through `bulkLoad`.
   */
  staging?: Stage
  /** Keep staged files after they loaded (dlt's `keep_staged_files`). Default false. */
  keepStagedFiles?: boolean
  /**
   * Throws a `SluiceError('CONFIG_INVALID')` saying what to do when the engine cannot load from this stage (e.g.
   * BigQuery's load jobs read only `gs://`). Called once, when the destination is created. Default: any stage.
   */
  checkStage?(stage: Stage): void
}
