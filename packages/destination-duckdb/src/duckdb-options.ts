import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBInstance } from '@duckdb/node-api'
import { SluiceError } from '@sluice/core/destination'
import type { DuckDBSettings, LoadSettings } from './duckdb-client.ts'

/** Options of `duckdb()` (the destination, `duckdb-destination.ts`). */
export interface DuckDBDestinationOptions {
  /**
   * Database file. Default `<pipelineName>.duckdb` in the working directory. `:memory:` keeps everything in
   * memory, in one database per `duckdb()` destination object (shared by its clients, gone with the object).
   */
  path?: string
  /**
   * An open instance to use instead of `path` (it is not closed by sluice). The options below do not apply to it:
   * set them when you create it.
   */
  instance?: DuckDBInstance
  /**
   * DuckDB's `memory_limit` (its buffer manager: loads, merges, caches), e.g. `'1GB'`. Default
   * {@link DEFAULT_MEMORY_LIMIT} (`'256MB'`) instead of DuckDB's 80% of RAM, so a big load spills to
   * `tempDirectory` rather than growing with the row count. Raise it when the machine has memory to spare and
   * loads of many millions of rows should go faster.
   */
  memoryLimit?: string
  /** DuckDB's `threads`: worker threads of the instance. Default DuckDB's (the number of CPU cores). */
  threads?: number
  /**
   * DuckDB's threads while a job file loads into staging during extraction (`BulkLoad.duringExtraction`): sluice
   * extracts and normalizes on its own thread meanwhile, so by default such a load leaves that thread a core:
   * `threads` minus one, at least 1, through the load's COMMIT. Loads after extraction and the merge into the
   * target tables run with `threads`. (2 cores, 1M Clockodo entries: 12.2 s instead of 13.5 s
   * end to end, peak RSS 528 MB instead of 609 MB.)
   */
  loadThreads?: number
  /**
   * DuckDB's `memory_limit` while a job file loads into staging (during extraction or after it). Default
   * {@link DEFAULT_LOAD_MEMORY_LIMIT} (`'96MB'`) when `memoryLimit` is left at its default, else `memoryLimit`. Such
   * loads only append, so blocks DuckDB keeps cached after writing them are of no use to them; at `'256MB'` that
   * cache grew with the row count (5M Clockodo entries peaked at 527 MB while extracting, 354 MB at `'96MB'`;
   * normalize + load of 1M as fast; `'64MB'` was 10-15% slower and no leaner: loads on two threads ran out of
   * memory there and ran again). Loads during extraction on one thread had `'48MB'` until fix 47 in
   * apps/bench/README.md: they spilled to the temp directory there, and at `'96MB'` 1M Clockodo entries took about
   * 0.5 CPU s less (5M 45 against 49 CPU s, peak RSS 321 against 285 MB). With both left at their defaults, the
   * files of the extraction's final flush (closed after the last page, when the page workers are gone) load at
   * {@link DEFAULT_FINAL_LOAD_MEMORY_LIMIT} (`'128MB'`), where two threads do not spill (fix 48). A load that runs
   * out of memory at its limit runs again at `memoryLimit`.
   */
  loadMemoryLimit?: string
  /**
   * DuckDB's `temp_directory`, where it spills what does not fit in `memoryLimit`. Default `<path>.tmp` next to
   * the database file, or a directory of its own in the OS temp directory for `:memory:`. DuckDB creates it when it
   * first spills and removes its files when the instance closes.
   */
  tempDirectory?: string
  /**
   * DuckDB's `preserve_insertion_order`. Default false: a job file's `read_csv` / `read_json` insert runs on all threads
   * without keeping the file's row order (rows of a table have no order in SQL; queries that need one use
   * ORDER BY). `true` reads in file order; with a low `memoryLimit` (256MB) that used less memory but took
   * about twice as long per file.
   */
  preserveInsertionOrder?: boolean
  /**
   * Any other DuckDB settings for the instance, applied last (they win over the options above), e.g.
   * `{ allocator_flush_threshold: '64MB' }`. Default {@link DEFAULT_ALLOCATOR_SETTINGS}.
   */
  settings?: DuckDBSettings
}

/**
 * Allocator settings applied by default: DuckDB keeps freed memory in its allocator's caches (not counted by
 * `memory_limit`), and these hand it back to the OS sooner, which keeps the process's resident memory near the
 * limit during long loads (5M rows in 200k-row job files at `'256MB'`: 439-465 MB peak RSS with them, 574-653 MB without).
 */
export const DEFAULT_ALLOCATOR_SETTINGS: DuckDBSettings = {
  allocator_flush_threshold: '16MB',
  allocator_bulk_deallocation_flush_threshold: '16MB',
  allocator_background_threads: 'true',
}

function checkThreads(threads: number | undefined, name = 'threads'): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new SluiceError('CONFIG_INVALID', `[duckdb] ${name} must be a positive integer, got ${threads}`, {
      hint: `pass ${name}: 1 or more, or leave it out for ${name === 'threads' ? 'one per CPU core' : 'threads minus one'}`,
    })
  }
}

/**
 * The settings a client switches around job-file loads, for an instance the destination opens: `threads`
 * ({@link DuckDBDestinationOptions.loadThreads}) and `memory_limit` ({@link DuckDBDestinationOptions.loadMemoryLimit}),
 * each only where the load's value differs. Not `memory_limit` for `:memory:`, whose tables live in DuckDB's
 * buffers: a lower limit would push them out to the temp directory.
 */
export function loadSettings(options: DuckDBDestinationOptions, path?: string): LoadSettings {
  checkThreads(options.threads)
  checkThreads(options.loadThreads, 'loadThreads')
  const settings: LoadSettings = {}
  const threads = options.threads ?? availableParallelism()
  const loadThreads = options.loadThreads ?? Math.max(1, threads - 1)
  if (options.settings?.['threads'] === undefined && loadThreads !== threads)
    settings.threads = { load: loadThreads, all: threads }
  const memoryLimit = options.settings?.['memory_limit'] ?? options.memoryLimit
  const all = memoryLimit ?? DEFAULT_MEMORY_LIMIT
  const load = options.loadMemoryLimit ?? (memoryLimit === undefined ? DEFAULT_LOAD_MEMORY_LIMIT : all)
  const final =
    options.loadMemoryLimit === undefined && memoryLimit === undefined
      ? DEFAULT_FINAL_LOAD_MEMORY_LIMIT
      : load
  if ((load !== all || final !== all) && path !== ':memory:')
    settings.memoryLimit = { load, ...(final !== load ? { final } : {}), all }
  return settings
}

/** The default {@link DuckDBDestinationOptions.memoryLimit}. */
export const DEFAULT_MEMORY_LIMIT = '256MB'

/** The default {@link DuckDBDestinationOptions.loadMemoryLimit} (with the default `memoryLimit`). */
export const DEFAULT_LOAD_MEMORY_LIMIT = '96MB'

/**
 * The memory limit of the loads after extraction (the files of its final flush) when `memoryLimit` and
 * `loadMemoryLimit` are left at their defaults: `'128MB'`. At `'96MB'` the last job file of 240,000 Clockodo entries
 * (131,000 rows) spilled to the temp directory on two threads and loaded in 0.58-0.60 s, at `'128MB'` in 0.49-0.51
 * s; 0.05-0.06 s less after the last page in the whole `sluice run` (medians of 2.49 against 2.65 s and 2.62
 * against 2.675 s in two sets of runs in turns), and 5M entries still peaked at 321-326 MB (324 at `'96MB'`; 350 at
 * `'160MB'`, 405 at `'256MB'`). Fix 48 in apps/bench/README.md.
 */
export const DEFAULT_FINAL_LOAD_MEMORY_LIMIT = '128MB'

let memoryDirs = 0

/** The DuckDB settings of an instance the destination opens (not of a given `instance`). */
export function duckdbSettings(options: DuckDBDestinationOptions, path: string): DuckDBSettings {
  const { threads } = options
  checkThreads(threads)
  const tempDirectory =
    options.tempDirectory ??
    (path === ':memory:' ? join(tmpdir(), `sluice-duckdb-${process.pid}-${++memoryDirs}`) : `${path}.tmp`)
  const settings: DuckDBSettings = {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: tempDirectory,
    preserve_insertion_order: String(options.preserveInsertionOrder ?? false),
  }
  if (threads !== undefined) settings['threads'] = String(threads)
  return { ...settings, ...DEFAULT_ALLOCATOR_SETTINGS, ...options.settings }
}
