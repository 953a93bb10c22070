// Types the CLI's commands share (a leaf: it imports no command).
import type { RefreshMode } from '@sluice/core'
import type { ProgressMode } from './cli-progress.ts'

/** What the CLI touches of its process, injectable for tests. */
export interface CliIO {
  cwd: string
  env: Record<string, string | undefined>
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  /** Where `drop` asks for confirmation; without it (or when it is not a terminal) `--yes` is required. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean }
  /** Subscribes to a process signal; returns the unsubscribe function. */
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): () => void
  /**
   * Tunes the process's V8 heap for a batch run (`limitHeapGrowth` of `cli-heap.ts`); the bin passes it,
   * tests leave it out. `run` calls it with `heapGrowthFromEnv`'s percent (unset: 100 without page workers,
   * V8's own sizing with them).
   */
  limitHeapGrowth?(percent: number): void
  /**
   * Keeps the main thread's V8 young generation small while page workers parse the pages
   * (`holdYoungGeneration` of `cli-heap.ts`); the bin passes it, tests leave it out. `run` calls it when
   * page workers run.
   */
  holdYoungGeneration?(): void
}

/** Parsed and validated flags of `sluice run`. */
export interface RunFlags {
  source: string
  /** `--destination`; undefined: the recorded one, else duckdb. */
  destination?: string
  pipelineName: string
  /** `--dataset`; undefined: the recorded one, else clockodo_data. */
  dataset?: string
  pipelinesDir?: string
  resources?: string[]
  since?: string
  until?: string
  lookbackDays?: number
  fullRefresh: boolean
  /** `--refresh`: a refresh mode (see `refreshOf`). */
  refresh?: RefreshMode
  /** `--dev-mode`: a new dataset named with the time, from a fresh state. */
  devMode: boolean
  demo: boolean
  strict: boolean
  /** Page worker threads; 0 for none. */
  pageWorkers: number
  progress: ProgressMode
  json: boolean
}
