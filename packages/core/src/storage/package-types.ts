import type {
  MergeStrategy,
  ReplaceStrategy,
  SchemaChange,
  WriteDisposition,
} from '../schema/schema-types.ts'
import type { ReplaceRange } from '../source/source-types.ts'
import type { JobFileFormat } from './job-writer.ts'

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
  rows: number
  bytes: number
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
