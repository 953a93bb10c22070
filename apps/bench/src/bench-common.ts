import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock, PageWorkers } from '@sluice/core'
import { systemClock } from '@sluice/core'
import { nodePageWorkers } from '@sluice/core/node'
import type { DuckDBDestinationOptions } from '@sluice/destination-duckdb'
import { clockodoSource } from '@sluice/source-clockodo'

/** Credentials the simulated account accepts (the mock's defaults). */
export const BENCH_USER = 'demo@sluice.dev'
/** API key of {@link BENCH_USER}. */
export const BENCH_KEY = 'demo-api-key-0000'

/** Headers a hand-written client sends (the same ones the source sends). */
export const CLOCKODO_HEADERS: Record<string, string> = {
  'X-ClockodoApiUser': BENCH_USER,
  'X-ClockodoApiKey': BENCH_KEY,
  'X-Clockodo-External-Application': `sluice;${BENCH_USER}`,
  'X-ClockodoEnableIsoUtcDateTimes': '1',
  'Accept-Language': 'en',
  Accept: 'application/json',
}

/** Requests in flight: the source's default, used by the floor too. */
export const CONCURRENCY = 6

/**
 * A clock whose rate-limit windows pass a million times faster than real time (sleeps stay real, so timeouts keep
 * their length). Clockodo's enhanced-list limit of 300 pages per 15 minutes would otherwise turn a 1M-entry
 * load into 50 minutes of waiting; the limiter still runs, it just does not bind. At 1000 times (before
 * 2026-12-06) it did bind once a run read more than 300 pages in 0.9 s, and then slept its waits in real
 * milliseconds, 1000 times too long: e2e runs into the filesystem stalled for 5-120 s.
 */
export function fastLimiterClock(scale = 1_000_000): Clock {
  const base = Date.now()
  return { now: () => base + (Date.now() - base) * scale, sleep: systemClock.sleep }
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sluice-bench-${prefix}-`))
}

/** Removes a directory tree, ignoring errors. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => {})
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

/**
 * CPU seconds (user + system, all threads) another process has used so far, from Linux's `/proc/<pid>/stat`
 * (in clock ticks of 1/100 s); undefined where that file is missing (other systems, the process is gone).
 */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuSeconds(`/proc/${pid}/stat`)
}

/** User + system CPU seconds from a `/proc` stat file (a process's, or a thread's under `task/`). */
export function statCpuSeconds(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8')
    // the fields after the command name in parentheses (which may hold spaces): utime and stime are 14th and 15th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

/** Seconds since `start` (a `performance.now()` value). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000
}

/** A page of template rows copied with fresh ids (shallow copies: nested lists are shared, not mutated). */
export function copyPage(template: readonly Record<string, unknown>[], firstId: number): object[] {
  const out: object[] = new Array(template.length)
  for (let i = 0; i < template.length; i++) out[i] = { ...template[i], id: firstId + i }
  return out
}

/**
 * Extra DuckDB destination options for every DuckDB run, as JSON in `BENCH_DUCKDB` (e.g.
 * `{"memoryLimit":"256MB","threads":1,"settings":{"allocator_flush_threshold":"4MB"}}`); default none.
 */
export function benchDuckdbOptions(): DuckDBDestinationOptions {
  const raw = process.env['BENCH_DUCKDB']
  return raw ? (JSON.parse(raw) as DuckDBDestinationOptions) : {}
}

/**
 * `BENCH_FILE_MB`: the e2e pipelines' `fileMaxBytes` in MiB, e.g. `64` to load PostgreSQL with core's default
 * size instead of its own (`capabilities.jobFileMaxBytes`). Default: each destination's.
 */
export function benchFileMaxBytes(): { fileMaxBytes?: number } {
  const mb = Number(process.env['BENCH_FILE_MB'] ?? '')
  return mb > 0 ? { fileMaxBytes: mb * 1024 * 1024 } : {}
}

/**
 * Page workers for every pipeline the bench runs (as the `sluice` CLI has them): `BENCH_PAGE_WORKERS` threads,
 * `0` for none; default `nodePageWorkers()`'s (one per core but one, at most 4). `BENCH_WORKER_OLD_MB` sets
 * their `maxOldGenerationMb` (default V8's own), `BENCH_WORKER_YOUNG_MB` their `youngGenerationMb`,
 * `BENCH_WORKER_NICENESS` their `niceness` (the in-process runs; the whole-process run uses the CLI's defaults).
 */
export function benchPageWorkers(): { pageWorkers?: PageWorkers } {
  const raw = process.env['BENCH_PAGE_WORKERS']
  if (raw === '0') return {}
  const old = process.env['BENCH_WORKER_OLD_MB']
  const young = process.env['BENCH_WORKER_YOUNG_MB']
  const niceness = process.env['BENCH_WORKER_NICENESS']
  return {
    pageWorkers: nodePageWorkers({
      ...(raw ? { size: Number(raw) } : {}),
      ...(old ? { maxOldGenerationMb: Number(old) } : {}),
      ...(young ? { youngGenerationMb: Number(young) } : {}),
      ...(niceness ? { niceness: Number(niceness) } : {}),
    }),
  }
}

/**
 * The Clockodo source on the bench account's entries of [startDate, endDate) at `baseUrl`, as {@link BENCH_USER};
 * `options` add to or override that (e.g. `resources`), `internals` go to `clockodoSource` as they are.
 */
export function benchEntries(
  account: { baseUrl: string; startDate: string; endDate: string },
  options: Parameters<typeof clockodoSource>[0] = {},
  internals: Parameters<typeof clockodoSource>[1] = {},
): ReturnType<typeof clockodoSource> {
  return clockodoSource(
    { apiUser: BENCH_USER, apiKey: BENCH_KEY, resources: ['entries'], ...account, ...options },
    internals,
  )
}
