// The command line of `pnpm bench`: which scenarios run, and at what size.
import { parseArgs } from 'node:util'
import type { MockProcessOptions } from './mock-process.ts'

/** The scenario groups `--only` can pick. */
export const SCENARIOS: readonly [
  'e2e',
  'process',
  'normalize',
  'latency',
  'memory',
  'naive',
  'stream',
  'backfill',
] = ['e2e', 'process', 'normalize', 'latency', 'memory', 'naive', 'stream', 'backfill'] as const

const { values } = parseArgs({
  // `pnpm bench -- --quick` hands the `--` on; drop it so the options after it count
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
})
if (values.help) {
  process.stdout.write(
    `pnpm bench [-- --quick] [-- --only ${SCENARIOS.join('|')}|e2e-duckdb[,...]]\n` +
      'Writes apps/bench/results/latest.json. SLUICE_BENCH_POSTGRES_URL uses an existing PostgreSQL; BENCH_CPU_PROF=<dir> profiles every worker; BENCH_THREAD_CPU=1 logs CPU per thread.\n',
  )
  process.exit(0)
}
/** The scenario groups to run (`--only`, default all; `e2e-duckdb` turns into `e2e`). */
export const only: Set<string> = new Set((values.only ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()))
/** `--only e2e-duckdb`: the e2e section without PostgreSQL and the filesystem (for quick A/B runs). */
export const e2eDuckdbOnly: boolean = only.delete('e2e-duckdb')
if (e2eDuckdbOnly) only.add('e2e')
for (const s of only) {
  if (!(SCENARIOS as readonly string[]).includes(s)) {
    process.stderr.write(`unknown scenario ${s}; choose from ${SCENARIOS.join(', ')}\n`)
    process.exit(2)
  }
}
/** `--quick`: small sizes, results to `results/quick.json` (default false). */
export const quick: boolean = values.quick ?? false
/** Whether `--only` was given: the results then update their lines in `results/latest.json`. */
export const onlyGiven: boolean = values.only !== undefined

/** Rows, pages and latency of the scenarios. */
export interface BenchSizes {
  e2eRows: number
  /** Entries of the whole-process scenario (`sluice run` as a child process). */
  processRows: number
  normalizeLoadRows: number
  normalizeEntries: number
  normalizeProjects: number
  memoryRows: number[]
  naivePages: number
  latencyPages: number
  latencyMs: number
  streamRows: number[]
}

/** The sizes of this run: small with `--quick`; `BENCH_MEMORY_ROWS` overrides the memory sizes of a full run. */
export const SIZE: BenchSizes = quick
  ? {
      e2eRows: 50_000,
      processRows: 50_000,
      normalizeLoadRows: 50_000,
      normalizeEntries: 20_000,
      normalizeProjects: 5_000,
      memoryRows: [10_000, 50_000],
      naivePages: 3,
      latencyPages: 60,
      latencyMs: 20,
      streamRows: [20_000, 100_000],
    }
  : {
      e2eRows: 1_000_000,
      processRows: 240_000,
      normalizeLoadRows: 1_000_000,
      normalizeEntries: 300_000,
      normalizeProjects: 100_000,
      memoryRows: (process.env.BENCH_MEMORY_ROWS ?? '100000,1000000,5000000').split(',').map(Number),
      naivePages: 10,
      latencyPages: 300,
      latencyMs: 50,
      streamRows: [100_000, 1_000_000],
    }

// 200 users x 25 entries per workday: about 1.3M entries a year, 5 years ending 2026-11-27.
export const ACCOUNT: MockProcessOptions = {
  users: 200,
  years: 5,
  entriesPerWorkday: 25,
  today: '2026-11-27',
}
/** The first day of the account's history. */
export const HISTORY_START = '2022-01-01'
// The latency account: one year, small enough that 300 pages hold few rows (the case is about waiting).
export const LATENCY_ACCOUNT: MockProcessOptions = {
  users: 10,
  years: 1,
  entriesPerWorkday: 4,
  today: '2026-12-31',
}
