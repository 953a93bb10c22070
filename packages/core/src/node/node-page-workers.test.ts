import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, platform, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultPageWorkerCount } from '../page-workers/page-types.ts'
import { nodePageWorkers } from './node-page-workers.ts'

// A worker entry that reports the heap limits its thread was started with.
const dir = await mkdtemp(join(tmpdir(), 'sluice-page-workers-'))
const entry = pathToFileURL(join(dir, 'limits-worker.mjs'))
await writeFile(
  entry,
  "import { parentPort, resourceLimits } from 'node:worker_threads'\nparentPort.postMessage(resourceLimits)\n",
)
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function limitsOf(options: Parameters<typeof nodePageWorkers>[0]): Promise<Record<string, number>> {
  const port = nodePageWorkers({ size: 1, entry, ...options }).spawn()
  try {
    return await new Promise((resolve, reject) => {
      port.onMessage((message) => resolve(message as Record<string, number>))
      port.onError(reject)
    })
  } finally {
    await port.terminate()
  }
}

describe('nodePageWorkers', () => {
  it("starts workers with a 4 MB young generation and V8's own old generation by default", async () => {
    const limits = await limitsOf({})
    // a worker started without limits inherits the process's
    const plain = new Worker(entry)
    const own = await new Promise<Record<string, number>>((resolve) => plain.once('message', resolve))
    await plain.terminate()
    expect(limits['maxYoungGenerationSizeMb']).toBe(4)
    expect(limits['maxOldGenerationSizeMb']).toBe(own['maxOldGenerationSizeMb'])
  })

  it('starts one worker per core but one by default (at least 1, at most 4)', () => {
    expect(nodePageWorkers({ entry }).size).toBe(defaultPageWorkerCount(availableParallelism()))
    expect(nodePageWorkers({ entry, size: 3 }).size).toBe(3)
  })

  it('takes the limits given', async () => {
    const limits = await limitsOf({ youngGenerationMb: 16, maxOldGenerationMb: 256 })
    expect(limits['maxYoungGenerationSizeMb']).toBe(16)
    expect(limits['maxOldGenerationSizeMb']).toBe(256)
  })

  it('refuses a niceness outside 0-19', () => {
    for (const niceness of [-1, 20, 1.5, Number.NaN]) {
      expect(() => nodePageWorkers({ niceness }), String(niceness)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      )
    }
  })

  // Linux alone lowers one thread's priority (/proc shows each thread's nice value).
  const linux = platform() === 'linux'
  if (!linux) console.warn(`skipped the niceness test: ${platform()} has no per-thread priority`)
  it.skipIf(!linux)("lowers the worker threads' priority (default 5), not the process's", async () => {
    const niceOf = (task: string): number =>
      Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]?.split(' ')[16])
    const threadsAt = (nice: number): number =>
      readdirSync('/proc/self/task').filter((t) => niceOf(t) === nice).length
    const mainNice = niceOf(String(process.pid))
    for (const [options, nice] of [
      [{}, 5],
      [{ niceness: 12 }, 12],
    ] as const) {
      const before = threadsAt(nice)
      const port = nodePageWorkers({ size: 1, ...options }).spawn()
      try {
        // the worker sets it once its module runs
        const deadline = Date.now() + 10_000
        while (threadsAt(nice) === before && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20))
        expect(threadsAt(nice)).toBe(before + 1)
      } finally {
        await port.terminate()
      }
    }
    expect(niceOf(String(process.pid))).toBe(mainNice)
  })
})
