import type { ConfigTable } from '../config/config-resolve.ts'
import type { PipelineEvent } from '../events.ts'
import type { ValueLimits } from '../normalize/normalize-types.ts'
import type {
  MergeStrategy,
  ReplaceRange,
  ReplaceStrategy,
  Schema,
  SchemaChange,
  Table,
  WriteDisposition,
} from '../schema/schema-types.ts'
import type { ReaderContext, SqlReader } from './destination-reader.ts'

/** Job file formats. `jsonl` and `csv` are written by core; a destination may convert (e.g. to parquet). */
export type FileFormat = 'jsonl' | 'csv' | 'parquet'

/** What a destination can do; core adapts (fallbacks, naming limits) from these. */
export interface DestinationCapabilities {
  /** Formats the destination loads; the first is the one core writes. */
  fileFormats: readonly FileFormat[]
  writeDispositions: readonly WriteDisposition[]
  /** Merge strategies; empty when merge is not offered. */
  mergeStrategies: readonly MergeStrategy[]
  replaceStrategies: readonly ReplaceStrategy[]
  /** True when `complete()` commits data, state and `_sluice_loads` atomically. */
  transactions: boolean
  ddlInTransactions: boolean
  /** Identifier limit in bytes; longer names are shortened by the naming convention's hash rule. */
  maxIdentifierLength: number
  /**
   * How the engine folds unquoted identifiers. Core's SQL kit reads it: with `upper` (Snowflake) it upper-cases
   * every identifier before the dialect quotes it, and the schema names it passes to the client (`schemaExists`,
   * `listColumns`), so that unquoted SQL written by users finds the tables. With `lower` and `preserve` it quotes
   * names as given: the naming convention makes them lower-case already, and lower-casing names a source chose on
   * purpose (tests do) would change them. Core compares names read back from the catalog case-insensitively in
   * every case.
   */
  identifierCase: 'lower' | 'upper' | 'preserve'
  /**
   * Whether `LoadJobResult.rows` is the number of rows the destination took from the job file (counted by the
   * engine: COPY's row count, DuckDB's changed rows, a load job's output rows). Core compares it with the rows
   * the job file holds and fails the job (`LOAD_ROWS_MISMATCH`, its package aborted) when they differ, so a
   * silently dropped row never passes as loaded. `false` for a destination that cannot tell: core skips the
   * check. Default true.
   */
  countsLoadedRows?: boolean
  /**
   * Whether the destination loads job files from a stage (a bucket the filesystem destination writes, see
   * `Stage`): `optional` = it can, when one is configured (`sqlDestination({ staging })`); `required` = it
   * cannot load without one. Absent: it never loads from a stage, and configuring one is an error.
   */
  loadsFromStage?: 'optional' | 'required'
  /**
   * The size (UTF-8 bytes) job files rotate at for this destination, where the pipeline sets no `fileMaxBytes`.
   * A destination whose loads stream and cost the same per row whatever the file size (PostgreSQL's COPY) takes
   * smaller files: while files load during extraction, less is left to load after the last page. Default 64 MiB
   * (`DEFAULT_FILE_MAX_BYTES`).
   */
  jobFileMaxBytes?: number
  /**
   * Values the destination cannot store, beyond the limits core applies for every destination (see
   * `ValueLimits`): core cleans them (or moves them to a variant column) while it normalizes, and counts them in
   * the run's warnings. Default: none beyond core's.
   */
  values?: ValueLimits
}

/** A table's schema as stored with a load (`_sluice_version`). */
export interface StoredSchema {
  name: string
  version: number
  versionHash: string
  schema: Schema
  insertedAt: string
}

/** The pipeline state as stored with a load (`_sluice_pipeline_state`). */
export interface StoredState {
  pipelineName: string
  version: number
  /** Hash of `state` (the compressed form), to skip unchanged writes. */
  versionHash: string
  /** Compressed state: base64 of gzip of the JSON. Opaque to destinations. */
  state: string
  loadId: string
  createdAt: string
}

/** Everything a destination client needs to know about the run. */
export interface DestinationContext {
  /** Dataset (schema/folder) the tables live in, already normalized. */
  datasetName: string
  pipelineName: string
  emit(event: PipelineEvent): void
  signal?: AbortSignal
}

/** One job file to load into one table. */
export interface LoadJob {
  loadId: string
  /** Unique within the package, e.g. `entries.3.jsonl`. */
  jobId: string
  table: Table
  /** Absolute path of the job file on the local disk. */
  file: string
  format: FileFormat
  /** Rows in the job file. The destination MUST return the rows it took in {@link LoadJobResult.rows}. */
  rows: number
  /**
   * True when the job loads while the package is still being extracted, so the runner's own thread is busy: a
   * destination may use fewer threads for it (DuckDB does). The files of the extraction's final flush (closed after
   * the last page was read) load without it. Default false. A speed knob: see {@link DestinationClient}.
   */
  duringExtraction?: boolean
}

/** The outcome of a load job. */
export interface LoadJobResult {
  /**
   * Rows the destination took, as the engine counted them (not `LoadJob.rows` echoed back): core fails the job
   * when they differ from the job file's rows, unless `capabilities.countsLoadedRows` is false.
   */
  rows: number
  /** Where the data went (a table name or file URL), for the load info. */
  location?: string
}

/** How one table of a package is published in `complete()`. */
export interface TableLoad {
  table: Table
  disposition: WriteDisposition
  mergeStrategy?: MergeStrategy
  replaceStrategy?: ReplaceStrategy
  /** Merge: destination rows in these ranges (column already normalized) are deleted before insert. */
  replaceRanges?: readonly ReplaceRange[]
  /** Rows loaded for this table in the package (0 for a replace with no rows = empty the table). */
  rows: number
  /**
   * A refresh dropped this table (`RunOptions.refresh`: `drop_sources`, `drop_resources`): `complete()` MUST drop
   * it and create it anew from `PackageLoad.schema` (old columns and types gone) with the package's rows, when it
   * publishes the package. Until that commits, readers MUST see the old table and its rows: a run killed before
   * it leaves the old data. With transactional DDL the drop is part of the publish transaction; without it, as
   * late as possible (e.g. a clone that replaces the table in one statement). `disposition` is `replace`.
   * `startLoad` sees it too (staging tables must get the new columns). Only for clients with `dropTables`.
   */
  recreate?: boolean
}

/** The package being loaded: opened by `startLoad`, published by `complete`. */
export interface PackageLoad {
  loadId: string
  /** The schema after this package (what `_sluice_version` must hold). */
  schema: Schema
  tables: readonly TableLoad[]
  /**
   * Tables (and their child tables) a refresh dropped that the package does not load again: `complete()` MUST
   * drop them when it publishes the package, like {@link TableLoad.recreate}, not before.
   */
  dropTables?: readonly string[]
  /** State to store with the data; absent when unchanged. */
  state?: StoredState
}

/**
 * A connected destination. Lifecycle per package: `initialize` → `migrate` → `startLoad` → `load`* → `complete`.
 * MUST be idempotent per package: after a crash the runner repeats the whole sequence for the same `loadId`,
 * and the result MUST equal a single clean run (no duplicates, nothing lost).
 *
 * A SQL engine does not implement this interface: it hands a `SqlClient` and a `SqlDialect` to `sqlDestination()`,
 * which implements it with core's SQL.
 *
 * ## Speed knobs
 * All optional; leaving every one out is always correct, only slower. They are the only places where a
 * destination trades generality for speed:
 * - `DestinationClient.maxParallelJobs`: job files loaded at once (`sqlDestination({ maxParallelJobs })`).
 *   Default 1. Raise it when the engine loads files in parallel without contention (PostgreSQL: one per pooled
 *   connection; warehouses: load jobs run remotely).
 * - `DestinationCapabilities.jobFileMaxBytes`: the size job files rotate at (default 64 MiB); smaller where a
 *   load streams at the same cost per row whatever the file size (PostgreSQL's COPY).
 * - `LoadJob.duringExtraction` (and `BulkLoad.duringExtraction`): the job loads while the runner still extracts
 *   on its own thread; an engine that uses every core may use one fewer then (DuckDB's `loadThreads`).
 * - `SqlDestinationOptions.publishByRename`: replaced tables and first loads are staged in the dataset and renamed
 *   into place on publish instead of copied. Needs transactional DDL and `ALTER TABLE ... RENAME TO`; its
 *   `hasExtras` MUST return true for tables a `DROP TABLE` would take something with (indexes, grants, views).
 * - `SqlClient.readStaging`: the merge's duplicate-key check on staging runs through it before the publish
 *   transaction instead of inside it, so the engine may run it with less memory (DuckDB does).
 * - `SqlDialect.checkDuplicateKeys`: `false` skips that check and always de-duplicates staging with a
 *   `ROW_NUMBER()` window. For engines where one more query costs more than the window. Default true.
 */
export interface DestinationClient extends AsyncDisposable {
  /** Creates the dataset and the system tables if missing. Idempotent. */
  initialize(): Promise<void>
  /** The newest stored schema of that name, if any. */
  getStoredSchema(schemaName: string): Promise<StoredSchema | undefined>
  /** The newest state stored for the pipeline with a completed load, if any. */
  getStoredState(pipelineName: string): Promise<StoredState | undefined>
  /** Applies additive changes (new tables, new columns). MUST tolerate changes already applied. */
  migrate(schema: Schema, changes: readonly SchemaChange[]): Promise<void>
  /** Prepares a package (e.g. empties staging tables for these tables and their child tables). */
  startLoad(load: PackageLoad): Promise<void>
  /**
   * Optional: prepares exactly these tables of a package (e.g. empties their staging tables, and nothing else).
   * A client that has it loads while the package is still being extracted: the runner then calls `migrate` with
   * the schema so far (again when it grows), `prepareTables` once per table before that table's first `load`,
   * `load` for each job file as soon as it is closed, and, once extraction is done, `migrate` with the final
   * schema and `prepareTables` for the package's remaining tables (child tables included) instead of
   * `startLoad`. Should anything go wrong on the way, the runner falls back to the whole sequence with
   * `startLoad`. The package is on disk before `complete`, as always.
   */
  prepareTables?(loadId: string, tables: readonly Table[]): Promise<void>
  /** Loads one job file. Jobs of a package may run in parallel (see `maxParallelJobs`). */
  load(job: LoadJob, signal: AbortSignal): Promise<LoadJobResult>
  /** Publishes the package: replace/merge follow-ups, state, schema version, and `_sluice_loads` last. */
  complete(load: PackageLoad): Promise<void>
  /**
   * Drops tables (and their child tables) from the dataset at once (`Pipeline.drop`). A client that has it also
   * drops and recreates tables at publish for a refresh (see {@link TableLoad.recreate}); without it a refresh
   * empties the tables instead.
   */
  dropTables?(tables: readonly string[]): Promise<void>
  /** Where the data lives, for the load info (e.g. a file path or `postgres://host/db`), without secrets. */
  readonly location: string
  /** Jobs that may run at once. Default 1. A speed knob (see above). */
  readonly maxParallelJobs?: number
}

/** What a destination package's factory returns, e.g. `duckdb({ path })`. */
export interface Destination {
  /** Short name used by the CLI flag and config sections, e.g. `duckdb`. */
  readonly name: string
  readonly capabilities: DestinationCapabilities
  createClient(ctx: DestinationContext): Promise<DestinationClient>
  /**
   * Optional: opens a read-only connection to a dataset (see {@link SqlReader}), for `pipeline.dataset()` and
   * everything built on it. Without it the destination's data cannot be queried through sluice.
   */
  openReader?(ctx: ReaderContext): Promise<SqlReader>
  /**
   * Optional: this destination's settings as its package's config keys (`[destination.<name>]`) WITHOUT the
   * secret ones, e.g. `{ credentials: '/data/clockodo.duckdb' }` or a PostgreSQL `credentials` table of host, port,
   * database and username. A pipeline records them at every run, so that commands and `dataset()` find the data
   * later from any directory: the package's `fromConfig` rebuilds the destination from them, with the secrets
   * resolved again from the environment and config files. Every key the package lists (`DestinationPackage.keys`)
   * that was given, except the secret ones and `staging` (it names `[destination.filesystem]`, whose bucket is not
   * recorded: reading never needs it, and a run elsewhere that loads through a bucket sets that section there).
   * MUST NOT contain secrets; paths MUST be absolute.
   * Undefined when settings cannot rebuild it (e.g. an open database instance was given). Without the method a
   * pipeline records no settings: the destination is rebuilt from the configuration alone.
   */
  publicConfig?(ctx: { readonly pipelineName: string }): ConfigTable | undefined
}
