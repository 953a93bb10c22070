// Child process: runs one measurement (a job sent over IPC) and reports its figures and peak RSS.
import { heapGrowthFromEnv, holdYoungGeneration, limitHeapGrowth } from 'sluice'
import { peakRssMb } from './bench-common.ts'
import { latencyRead, latencyRun } from './bench-latency.ts'
import { prepareAccount } from './bench-prepare.ts'
import {
  duckdbReadJson,
  endToEnd,
  fetchParseFloor,
  naiveScript,
  normalizeLoad,
  normalizeOnly,
  type RunResult,
} from './bench-scenarios.ts'
import { type StreamTarget, streamLoad, streamRead } from './bench-stream.ts'

/** One measurement; `env` is set in the measuring process before it runs (e.g. `BENCH_PAGE_WORKERS`). */
export type BenchJob = { env?: Record<string, string> } & (
  | { kind: 'prepare'; baseUrl: string; startDate: string; endDate: string; workDir: string }
  | { kind: 'floor'; urlsFile: string }
  | {
      kind: 'e2e'
      baseUrl: string
      startDate: string
      endDate: string
      destination: string
      postgresUrl?: string
      datasetName?: string
    }
  | { kind: 'read-json'; ndjson: string }
  | { kind: 'normalize-load'; templateFile: string; rows: number }
  | { kind: 'normalize'; templateFile: string; table: string; rows: number; pageSize: number }
  | {
      kind: 'latency'
      baseUrl: string
      startDate: string
      endDate: string
      itemsPerPage: number
      maxInFlight: number
      warmOnly?: boolean
    }
  | {
      kind: 'latency-read'
      baseUrl: string
      startDate: string
      endDate: string
      itemsPerPage: number
      maxInFlight: number
    }
  | { kind: 'naive'; urlsFile: string; pages: number }
  | { kind: 'stream-load'; target: StreamTarget; rows: number }
  | { kind: 'stream-read'; target: StreamTarget; rows: number }
)

/** What a worker sends back. */
export type WorkerReply =
  | { ok: true; result: RunResult; peakRssMb: number; prepared?: unknown }
  | { ok: false; error: string }

async function runJob(job: BenchJob): Promise<{ result: RunResult; prepared?: unknown }> {
  switch (job.kind) {
    case 'prepare': {
      const start = performance.now()
      const prepared = await prepareAccount(job.baseUrl, job.startDate, job.endDate, job.workDir)
      return { result: { rows: prepared.rows, seconds: (performance.now() - start) / 1000 }, prepared }
    }
    case 'floor':
      return { result: await fetchParseFloor(job.urlsFile) }
    case 'e2e':
      return { result: await endToEnd(job) }
    case 'read-json':
      return { result: await duckdbReadJson(job.ndjson) }
    case 'normalize-load':
      return { result: await normalizeLoad(job.templateFile, job.rows) }
    case 'normalize':
      return { result: await normalizeOnly(job.templateFile, job.table, job.rows, job.pageSize) }
    case 'latency':
      return { result: await latencyRun(job) }
    case 'latency-read':
      return { result: await latencyRead(job) }
    case 'naive':
      return { result: await naiveScript(job.urlsFile, job.pages) }
    case 'stream-load':
      return { result: await streamLoad(job.target, job.rows) }
    case 'stream-read':
      return { result: await streamRead(job.target, job.rows) }
  }
}

/** Samples the V8 heap every 100 ms: its peak size tells sluice's JavaScript memory from DuckDB's native memory. */
function heapSampler(): () => number {
  let peak = 0
  let used = 0
  const timer = setInterval(() => {
    const m = process.memoryUsage()
    peak = Math.max(peak, m.heapTotal)
    used = Math.max(used, m.heapUsed)
    if (process.env['BENCH_HEAP_TRACE'])
      console.error(
        `heap ${Math.round(m.heapTotal / 1048576)} used ${Math.round(m.heapUsed / 1048576)} external ${Math.round(m.external / 1048576)} arrayBuffers ${Math.round(m.arrayBuffers / 1048576)} rss ${Math.round(m.rss / 1048576)}`,
      )
  }, 100)
  timer.unref()
  return () => {
    clearInterval(timer)
    return Math.round(peak / 1024 / 1024)
  }
}

/** Runs of sluice get the heap setting the `sluice` CLI gives its process; the baselines run as plain scripts. */
const SLUICE_RUNS: ReadonlySet<BenchJob['kind']> = new Set([
  'e2e',
  'normalize-load',
  'latency',
  'latency-read',
])

process.once('message', (job: BenchJob) => {
  Object.assign(process.env, job.env ?? {})
  if (SLUICE_RUNS.has(job.kind)) {
    // as the CLI: V8's own sizing when page workers run (see heapGrowthFromEnv), and the young generation held
    const percent = heapGrowthFromEnv(process.env, process.env.BENCH_PAGE_WORKERS !== '0')
    if (percent !== undefined) limitHeapGrowth(percent)
    if (process.env.BENCH_PAGE_WORKERS !== '0') holdYoungGeneration()
  }
  const heap = heapSampler()
  const cpu = process.cpuUsage()
  runJob(job).then(
    ({ result, prepared }) => {
      // user + system time of every thread of this process (DuckDB's included), from start to end of the job
      const used = process.cpuUsage(cpu)
      const cpuSeconds = Math.round((used.user + used.system) / 1e4) / 100
      result.extra = { ...result.extra, peakHeapMb: heap(), cpuSeconds }
      const reply: WorkerReply = { ok: true, result, peakRssMb: peakRssMb(), prepared }
      process.send?.(reply, () => process.exit(0))
    },
    (error: unknown) => {
      const reply: WorkerReply = {
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }
      process.send?.(reply, () => process.exit(1))
    },
  )
})
