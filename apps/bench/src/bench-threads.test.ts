import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { sampleThreads } from './bench-threads.ts'

const linux = existsSync(`/proc/${process.pid}/task`)
if (!linux) console.log('bench-threads: skipped, no /proc/<pid>/task on this system')

describe.skipIf(!linux)('sampleThreads', () => {
  it("names the main thread's CPU and a busy worker thread's, and sums them", async () => {
    const threads = sampleThreads(process.pid)
    // a thread that works for a few tenths of a second of CPU, then ends before stop(): its CPU is still counted
    const worker = new Worker('let x = 0; for (let i = 0; i < 4e8; i++) x = (x + i) | 0', { eval: true })
    await new Promise((resolve) => worker.once('exit', resolve))
    const line = threads.stop()
    expect(line).toMatch(/^CPU s per thread, in the order they started: main \d+\.\d\d /)
    const [threadsPart = '', sumPart = ''] = line.split('(sum ')
    const others = [...threadsPart.replace(/main \d+\.\d\d/, '').matchAll(/ (\d+\.\d\d)/g)].map((m) =>
      Number(m[1]),
    )
    // the worker's thread is one of the others, with the CPU of its loop
    expect(Math.max(...others)).toBeGreaterThanOrEqual(0.1)
    expect(Number.parseFloat(sumPart)).toBeGreaterThanOrEqual(Math.max(...others))
  })
})
