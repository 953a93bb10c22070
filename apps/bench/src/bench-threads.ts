// BENCH_THREAD_CPU=1: the CPU seconds of each thread of a measured worker process (Linux), sampled from /proc
// while it runs, so that a run's CPU splits into the pipeline's thread, the page workers, DuckDB's threads and
// V8's and libuv's helpers (threads have no names there: the page workers are the two or more started last).
import { readdirSync } from 'node:fs'
import { statCpuSeconds } from './bench-common.ts'

/** How often the threads are read (ms): a thread that ends loses at most this much of its CPU. */
const EVERY_MS = 50

/** Samples the threads of process `pid` until `stop()`, which returns one line: each thread's CPU seconds. */
export function sampleThreads(pid: number): { stop(): string } {
  const last = new Map<number, number>()
  const sample = (): void => {
    let tids: string[]
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      return
    }
    for (const tid of tids) {
      const cpu = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`)
      if (cpu !== undefined) last.set(Number(tid), cpu)
    }
  }
  sample()
  const timer = setInterval(sample, EVERY_MS)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      sample()
      const total = [...last.values()].reduce((a, b) => a + b, 0)
      // in the order the threads started (tids grow), those with at least 0.05 s
      const each = [...last]
        .sort(([a], [b]) => a - b)
        .filter(([tid, cpu]) => tid === pid || cpu >= 0.05)
        .map(([tid, cpu]) => `${tid === pid ? 'main ' : ''}${cpu.toFixed(2)}`)
      return `CPU s per thread, in the order they started: ${each.join(' ')} (sum ${total.toFixed(2)})`
    },
  }
}
