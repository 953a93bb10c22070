// Child processes of a bench run: the account servers, and one worker per measurement.
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { processCpuSeconds } from './bench-common.ts'
import type { RunResult } from './bench-scenarios.ts'
import { sampleThreads } from './bench-threads.ts'
import type { BenchJob, WorkerReply } from './bench-worker.ts'
import type { MockProcessOptions } from './mock-process.ts'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

/** Writes a timestamped progress line to stderr. */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

/** Starts an account server in a child process; resolves to its base URL and the process. */
export async function startMock(
  options: MockProcessOptions,
): Promise<{ baseUrl: string; child: ChildProcess }> {
  const child = fork(here('./mock-process.js'), [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { baseUrl: string }) => resolve(m.baseUrl))
    child.once('exit', (code) => reject(new Error(`the account server exited (${code})`)))
  })
  servers.add(child)
  child.once('exit', () => servers.delete(child))
  return { baseUrl, child }
}

/** The account servers running: their CPU time during a run is reported with it. */
const servers = new Set<ChildProcess>()

/** CPU seconds the account servers have used so far (Linux only). */
export function serversCpuSeconds(): number | undefined {
  let sum: number | undefined
  for (const s of servers) {
    const cpu = processCpuSeconds(s.pid)
    if (cpu !== undefined) sum = (sum ?? 0) + cpu
  }
  return sum
}

/** Disconnects a child process and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.disconnect()
  await exited
}

/** A worker's result, with its peak RSS and what a `prepare` job prepared. */
export interface Measured extends RunResult {
  peakRssMb: number
  prepared?: unknown
}

/** Runs one job in a fresh worker process and logs its figures; rejects when the worker fails. */
export async function measure(label: string, job: BenchJob): Promise<Measured> {
  log(`${label} ...`)
  const prof = process.env.BENCH_CPU_PROF
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
  const execArgv = [...flags, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])]
  const child = fork(here('./bench-worker.js'), [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const serverCpu = serversCpuSeconds()
  const threads = process.env.BENCH_THREAD_CPU && child.pid ? sampleThreads(child.pid) : undefined
  const reply = await new Promise<WorkerReply>((resolve, reject) => {
    child.once('message', (m: WorkerReply) => resolve(m))
    child.once('exit', (code) => reject(new Error(`${label}: worker exited (${code}) without a result`)))
    child.send(job)
  })
  if (threads) log(`${label}: ${threads.stop()}`)
  await new Promise<void>((resolve) =>
    child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
  )
  if (!reply.ok) throw new Error(`${label} failed: ${reply.error}`)
  const serverCpuAfter = serversCpuSeconds()
  if (serverCpu !== undefined && serverCpuAfter !== undefined) {
    const serverCpuSeconds = Math.round((serverCpuAfter - serverCpu) * 100) / 100
    reply.result.extra = { ...reply.result.extra, serverCpuSeconds }
  }
  const m: Measured = { ...reply.result, peakRssMb: reply.peakRssMb, prepared: reply.prepared }
  log(
    `${label}: ${m.rows} rows in ${m.seconds.toFixed(2)} s (${Math.round(m.rows / m.seconds)} rows/s), peak RSS ${m.peakRssMb} MB${m.extra ? ` ${JSON.stringify(m.extra)}` : ''}`,
  )
  return m
}

/** Rows per second of a measurement. */
export const rate = (m: { rows: number; seconds: number }): number => m.rows / m.seconds

/** The scenario groups that failed, one line each. */
export const failures: string[] = []

/** Runs one scenario group; a failure is logged and listed, and the other scenarios still run. */
export async function section(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log(`${name} FAILED: ${message}`)
    failures.push(`${name}: ${message.split('\n')[0]}`)
  }
}

/** A note naming every run's ratio to the floor and CPU seconds, so that run-to-run noise stays visible. */
export function bothRuns(runs: readonly Measured[], floor: { rows: number; seconds: number }): string {
  const each = runs.map(
    (r) => `${(rate(r) / rate(floor)).toFixed(2)} (${r.extra?.['cpuSeconds'] ?? '?'} CPU s)`,
  )
  return `the faster of ${runs.length} runs: ${each.join(', ')}`
}
