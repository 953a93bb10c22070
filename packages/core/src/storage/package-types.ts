import type { JobFileFormat } from '../job-files/encoded-rows.ts'
import type { JsonObject, JsonValue } from '../json.ts'
import type {
  MergeStrategy,
  ReplaceRange,
  ReplaceStrategy,
  SchemaChange,
  WriteDisposition,
} from '../schema/schema-types.ts'

/**
 * Where a load package is in its life: `extracted` while extract+normalize still write it (a package left in
 * this state was interrupted and is discarded by the next run), `normalized` when complete and waiting to
 * load (pending), `loaded` after the destination's `complete()`, `aborted` after a terminal job failure
 * (never retried; its state never counts).
 */
export type PackageState = 'extracted' | 'normalized' | 'loaded' | 'aborted'

/** How a refresh run resets data; see `RunOptions.refresh`. */
export type RefreshMode = 'drop_sources' | 'drop_resources' | 'drop_data'

/** One job file of a package. Files live in `jobs/` (new), `completed/` or `failed/`. */
export interface PackageJob {
  jobId: string
  table: string
  resource: string
  format: JobFileFormat
  /** Rows in the file; the destination must report taking exactly these. */
  rows: number
  /** Size of the file. */
  bytes: number
  /**
   * Checksum of the file, computed while it was written: `crc32:<hex>` (the file system's CRC-32, see
   * `FileSystem.crc32`) or `xxh32:<hex>`. A pending package is checked against size and checksum before it loads.
   * Absent in packages written before sluice recorded it.
   */
  checksum?: string
  state: 'new' | 'completed' | 'failed'
  /** Transient failures retried in the last load attempt. */
  retries: number
  /** The error message of a failed job. */
  error?: string
}

/** One table of a package and how it is published. */
export interface PackageTable {
  /** The resource that produced it. */
  resource: string
  disposition: WriteDisposition
  mergeStrategy?: MergeStrategy
  replaceStrategy?: ReplaceStrategy
  rows: number
  /** Ranges (column normalized) replaced under merge; root tables only. */
  replaceRanges?: ReplaceRange[]
}

/** `package.json` of a load package. */
export interface PackageManifest {
  loadId: string
  pipelineName: string
  /** The source's schema name. */
  schemaName: string
  state: PackageState
  format: JobFileFormat
  createdAt: string
  updatedAt: string
  /** Normalized table name → how it loads. */
  tables: Record<string, PackageTable>
  jobs: PackageJob[]
  /** Schema changes made while normalizing this package, in order. */
  schemaChanges: SchemaChange[]
  /** A refresh applied when the package loads: tables to drop first (drop_sources, drop_resources). */
  refresh?: { mode: RefreshMode; dropTables: string[]; truncateTables: string[] }
  skippedResources: { resource: string; reason: string }[]
  warnings: string[]
  /** True when the package's pipeline state differs from the one before it. */
  stateChanged: boolean
  /** Load attempts so far. */
  attempts: number
  /** Why the package was aborted or why its last load attempt failed (message only). */
  error?: string
}

/** A JSON-serializable state object a resource reads at the start of a run and mutates as it goes. */
export type ResourceState = { [key: string]: JsonValue }

/**
 * The pipeline state: per source and resource, what each resource keeps between runs (incremental cursors).
 * Stored locally in `state.json` and, compressed, with each load in the destination.
 */
export interface PipelineState {
  pipelineName: string
  /** Increments whenever the state changes. */
  version: number
  /** The load that committed this state. */
  lastLoadId?: string
  sources: Record<string, { resources: Record<string, ResourceState> }>
}

/** One step of a run in the trace. */
export interface TraceStep {
  step: 'restore' | 'extract' | 'normalize' | 'load'
  loadId?: string
  startedAt: string
  finishedAt?: string
  ms?: number
  rows?: Record<string, number>
  /** Error message (no stack, no secrets). */
  error?: string
}

/** The trace of the last run (`trace.json`). */
export interface RunTrace {
  pipelineName: string
  datasetName: string
  destinationName: string
  startedAt: string
  finishedAt?: string
  steps: TraceStep[]
  loadIds: string[]
  resumedPackages: string[]
  skippedResources: { resource: string; reason: string }[]
  warnings: string[]
  /** Error message of a failed run. */
  error?: string
  /** The `SluiceError` code of a failed run's error (absent for other errors). */
  errorCode?: string
  /** What to do next about a failed run's error (a `SluiceError` hint; already part of `error`). */
  errorHint?: string
  /**
   * The stack of a failed run's error: its first line is built from `error` (never from the original stack
   * text, which may still hold a secret the message had before redaction), then the call frames. Causes are
   * left out.
   */
  errorStack?: string
  /**
   * Retries and rate-limit waits of the run, one entry per resource that had any (absent when none, and in
   * traces written before these were recorded).
   */
  waits?: TraceWaits[]
}

/** What one resource spent waiting in a run: retries (backoff or Retry-After) and rate-limit waits. */
export interface TraceWaits {
  /** The resource; absent for waits outside any resource (e.g. retries of the destination's commit). */
  resource?: string
  /** Retries made. */
  retries: number
  /** Total time waited before those retries, in milliseconds. */
  retryWaitMs: number
  /** Times a request waited for the rate limiter. */
  rateLimitWaits: number
  /** Total time waited for the rate limiter, in milliseconds. */
  rateLimitWaitMs: number
}

/**
 * Where a pipeline loaded at its last run (`destination.json` in its folder), written at every run: commands and
 * `pipeline.dataset()` find the data from it without flags, from any directory. Holds no secret: those are
 * resolved again from the environment and config files.
 */
export interface DestinationRecord {
  /** The destination's name, which names its package (`duckdb`, `postgres` ...). */
  name: string
  /** Where the data lives, for people (the client's `location`, without secrets). */
  location: string
  /**
   * The destination's settings without secrets (`Destination.publicConfig`), to rebuild it (`{}` for a destination
   * without settings); absent when settings cannot rebuild it (it was given an open instance).
   */
  config?: JsonObject
  /** The dataset it loaded into (normalized). */
  datasetName: string
  /** ISO timestamp of the run (or sync) that wrote it. */
  updatedAt: string
}
