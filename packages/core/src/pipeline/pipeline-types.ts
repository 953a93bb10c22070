import type { Dataset } from '../dataset/dataset-types.ts'
import type { Destination } from '../destination/destination-types.ts'
import type { PipelineEvent } from '../events.ts'
import type { PageWorkers } from '../page-workers/page-types.ts'
import type { Schema, SchemaChange, SchemaContract } from '../schema/schema-types.ts'
import type { Source } from '../source/source-types.ts'
import type { FileSystem } from '../storage/file-system.ts'
import type {
  DestinationRecord,
  PackageManifest,
  PipelineState,
  RefreshMode,
  RunTrace,
} from '../storage/package-types.ts'

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  pipelineName: string
  /**
   * Where the pipeline loads. Default: the destination the pipeline recorded at its last run (see
   * {@link Pipeline.destinationRecord}), rebuilt by `destinationFromRecord`; a pipeline that recorded none fails with
   * `PIPELINE_UNKNOWN` (listing the pipelines there are) or `CONFIG_MISSING`.
   */
  destination?: Destination
  /**
   * Rebuilds the recorded destination when `destination` is not given. `pipeline` from `@sluice/core/node` sets it:
   * the destination's package by name, its recorded settings, and its secrets resolved again from the environment
   * and `.sluice/*.toml`. Default none.
   */
  destinationFromRecord?: (record: DestinationRecord) => Promise<Destination>
  /**
   * Normalized by the naming convention. Default: with `destination` given, `${pipelineName}_dataset`; without it,
   * the dataset the pipeline recorded (else that default).
   */
  datasetName?: string
  /**
   * The directory of local state and load packages (a folder per pipeline). Required: core takes no default
   * from the runtime; `pipeline` from `@sluice/core/node` defaults it to `~/.sluice/pipelines`.
   */
  pipelinesDir: string
  /**
   * The file system the load packages are written to. Required: core takes no default from the runtime;
   * `pipeline` from `@sluice/core/node` defaults it to `nodeFileSystem()` (Node.js and Deno).
   */
  fs: FileSystem
  /** Progress events (runner, resources, destination). MUST NOT throw. */
  onEvent?: (e: PipelineEvent) => void
  /**
   * Job files rotate at this size (bytes, at least 1); while they load during extraction (`loadWhileExtracting`),
   * the first file of each table at half of it. Default: the destination's `capabilities.jobFileMaxBytes`, else
   * 64 MiB.
   */
  fileMaxBytes?: number
  /**
   * Load each job file into the destination's staging tables as soon as it is closed, while extraction goes on,
   * where the destination can (`DestinationClient.prepareTables`). Publishing still waits for the whole
   * package. Default true; false loads only after extraction.
   */
  loadWhileExtracting?: boolean
  /**
   * Resources extracted at once (their pages interleave through one normalizer); the resources of one
   * `Resource.group` run together and count as one. Default 3. Sources share their HTTP client's rate limits
   * across resources.
   */
  resourceConcurrency?: number
  /**
   * Threads that parse, normalize and encode the pages of resources that yield parsed pages (see
   * `ctx.pageReader`), so that this thread only fetches and writes: `nodePageWorkers()` from `@sluice/core/node`.
   * Started per run on its first page. Default none: every page is parsed and normalized on this thread.
   */
  pageWorkers?: PageWorkers
  /** Retries of a job (and of `complete()`) that fails with a transient error. Default 5. */
  loadRetries?: number
  /** Waits between retries (tests inject a fake). Default: a timer honouring the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Backoff before retry `attempt` (1-based). Default 1 s · 2^(attempt-1), at most 30 s. */
  retryDelayMs?: (attempt: number) => number
}

/** Options of {@link Pipeline.run}. */
export interface RunOptions {
  /** Runs only these resources (by name). Default: all. */
  resources?: string[]
  /**
   * Resets before loading, applied only after extract and normalize succeed: `drop_sources` drops the tables
   * and state (and schema) of the source, `drop_resources` those of the selected resources, `drop_data`
   * empties the selected resources' tables and resets their state, keeping the schema. Tables are dropped or
   * emptied when the package is published (in its transaction where the destination has transactional DDL):
   * until then they keep their old rows, also when the run is killed. Default none.
   */
  refresh?: RefreshMode
  /** Schema contract for this run (overrides the source's). */
  contract?: SchemaContract
  /** Cancels the run: extraction stops promptly; the interrupted package is discarded, a pending one kept. */
  signal?: AbortSignal
  /**
   * Fail on a skipped resource (`RESOURCE_SKIPPED`) instead of skipping it, and tell sources to fail where they
   * would warn (`ResourceContext.strict`: e.g. a response body that is not valid UTF-8). Default false.
   */
  strict?: boolean
}

/** A failed load job. */
export interface FailedJob {
  loadId: string
  jobId: string
  table: string
  error: string
}

/** What a run did. */
export interface LoadInfo {
  pipelineName: string
  destinationName: string
  destinationLocation: string
  datasetName: string
  /** Packages loaded by this run (resumed ones first), in load order. */
  loadIds: string[]
  /** Rows loaded per table over all packages of the run. */
  tables: Record<string, { rows: number }>
  schemaChanges: SchemaChange[]
  skippedResources: { resource: string; reason: string }[]
  warnings: string[]
  failedJobs: FailedJob[]
  /** ISO timestamps. */
  startedAt: string
  finishedAt: string
  /**
   * Milliseconds per step: `extract` is the wall-clock time of the streaming extract pass (normalization runs
   * inside it), `normalize` the time inside the normalizer summed over resources (the trace's normalize step),
   * `load` the time loading packages. Never negative.
   */
  durations: { extract: number; normalize: number; load: number }
  /** Pending packages this run finished before extracting. */
  resumedPackages: string[]
  /** The refresh the run applied (`RunOptions.refresh`): the tables it dropped or emptied. */
  refresh?: { mode: RefreshMode; droppedTables: string[]; emptiedTables: string[] }
  /** True when a job of the run failed (dlt's `has_failed_jobs`); not part of the JSON. */
  readonly hasFailedJobs: boolean
  /** Throws a `LOAD_JOB_FAILED` SluiceError naming the first failed job when a job failed (dlt's `raise_on_failed_jobs`). */
  raiseOnFailedJobs(): void
  /**
   * The summary as text, like dlt's load info: time per step, destination and dataset, one line per load package
   * ("Load package ... is LOADED and contains no failed jobs"), rows per table, the number of schema changes,
   * skipped resources, warnings and failed jobs. `console.log(info)` prints the same.
   */
  toString(): string
}

/** A load package as shown by `sluice pipeline load-package`. */
export type PackageInfo = PackageManifest

/** A pipeline: runs sources into a destination, keeping packages, state and schemas in its directory. */
export interface Pipeline {
  readonly pipelineName: string
  /**
   * The dataset given in the options (normalized), or `${pipelineName}_dataset`. A pipeline created without a
   * destination and without a dataset uses the one it recorded instead (see {@link Pipeline.destinationRecord}).
   */
  readonly datasetName: string
  /** The pipelines directory (see {@link PipelineOptions.pipelinesDir}). */
  readonly pipelinesDir: string
  /**
   * Takes the destination's state (and schema) when it is newer than the local one (another machine loaded
   * since) or there is no local state; finishes pending packages (without fetching), then extracts and normalizes the source in one streaming
   * pass into a new package, then loads it. Rejects with a SluiceError naming table, job and cause when a job
   * fails terminally (the package is aborted and kept on disk).
   */
  run(source: Source, options?: RunOptions): Promise<LoadInfo>
  /** The local pipeline state. */
  state(): Promise<PipelineState | undefined>
  /** A local schema (default: the first stored one). */
  schema(name?: string): Promise<Schema | undefined>
  lastTrace(): Promise<RunTrace | undefined>
  /** Every package on disk, oldest first. */
  packages(): Promise<PackageInfo[]>
  package(loadId: string): Promise<PackageInfo | undefined>
  /** Jobs that failed, over all packages on disk. */
  failedJobs(): Promise<FailedJob[]>
  /**
   * Deletes packages that are not loaded (pending, interrupted, aborted), and those whose manifest is missing or
   * cannot be read. Nothing of them was committed: the next run extracts their data again. Returns the load ids
   * it deleted.
   */
  dropPendingPackages(): Promise<string[]>
  /** Replaces local state and schemas with the ones stored in the destination. */
  sync(): Promise<void>
  /**
   * Drops the resources' tables (with child tables) in the destination and resets their state; returns what it
   * dropped. An item of `selection` is a resource name or `re:` and a regular expression; an empty selection
   * drops every resource. A name that matches no resource is `RESOURCE_UNKNOWN` (its hint lists the known ones).
   * `stateOnly` resets the state and keeps the tables.
   */
  drop(selection: readonly string[], options?: DropOptions): Promise<DropPlan>
  /** What `drop` with the same arguments would remove, read from the local schemas and state; changes nothing. */
  dropPlan(selection: readonly string[], options?: DropOptions): Promise<DropPlan>
  /**
   * Where the pipeline loaded at its last run (or sync): destination name, location, settings without secrets,
   * dataset. Undefined before its first run.
   */
  destinationRecord(): Promise<DestinationRecord | undefined>
  /**
   * The pipeline's dataset, read through the destination's read-only reader; names resolve against the
   * pipeline's local schemas (else the ones stored in the dataset). Nothing is opened until the first query.
   *
   * @example const rows = await pipeline({ pipelineName: 'clockodo_pipeline' }).dataset().table('entries').limit(5).rows()
   */
  dataset(): Dataset
}

/** What `Pipeline.drop` removes, per schema: the selected resources and their tables (with child tables). */
export interface DropPlan {
  schemas: { schema: string; resources: string[]; tables: string[] }[]
  /** Every selected resource, each once. */
  resources: string[]
  /** Every table that is dropped (none with `stateOnly` or `statePaths`). */
  tables: string[]
  /** The state paths removed from each resource's state; undefined: the whole state. */
  statePaths?: readonly string[]
}

/** Options of `Pipeline.drop` and `Pipeline.dropPlan`. */
export interface DropOptions {
  /** Reset the resources' state only and keep their tables (dlt's `--state-only`). Default: false. */
  stateOnly?: boolean
  /**
   * Remove only these keys of each selected resource's state (dotted paths, `until` or `window.end`) and keep
   * the tables, as dlt's `--state-paths`. Default: the whole state of each resource.
   */
  statePaths?: readonly string[]
}
