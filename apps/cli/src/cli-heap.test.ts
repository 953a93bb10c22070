import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { HEAP_GROWTH_ENV, heapGrowthFromEnv, limitHeapGrowth } from './cli-heap.ts'

const run = promisify(execFile)
const cliDir = fileURLToPath(new URL('..', import.meta.url))

// A load's garbage lives a little while: keep the last 80 "pages" of 1,000 rows alive, drop older ones, and
// report the largest V8 heap seen. The child imports the built CLI package by its name (the test task builds it
// first).
const workload = `
import { limitHeapGrowth } from 'sluice'
if (process.argv[1] === 'limit') limitHeapGrowth(50)
let peak = 0
const pages = []
for (let i = 0; i < 4000; i++) {
  pages.push(Array.from({ length: 1000 }, (_, j) => ({ id: i * 1000 + j, name: 'name ' + j, v: j * 1.5 })))
  if (pages.length > 80) pages.shift()
  if (i % 10 === 0) {
    peak = Math.max(peak, process.memoryUsage().heapTotal)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
console.log(peak)
`

async function peakHeap(limit: boolean): Promise<number> {
  const args = ['--input-type=module', '-e', workload, ...(limit ? ['limit'] : [])]
  const { stdout } = await run(process.execPath, args, { cwd: cliDir })
  return Number(stdout.trim())
}

describe('limitHeapGrowth', () => {
  it('keeps the heap of a run closer to what is alive', async () => {
    // one after the other: a second process on the same cores changes when V8's concurrent marking finishes
    const own = await peakHeap(false)
    const limited = await peakHeap(true)
    // measured here: 83-95 MB with V8's own sizing, 56-58 MB with 50%
    expect(limited).toBeGreaterThan(0)
    expect(limited).toBeLessThan(own * 0.8)
  })

  it('takes a whole percent from 1 to 1000', () => {
    for (const bad of [0, 1001, 12.5, Number.NaN]) {
      expect(() => limitHeapGrowth(bad)).toThrow(/whole percent from 1 to 1000/)
    }
  })

  it('reads SLUICE_HEAP_GROWTH_PERCENT: 100 when unset, off for V8 own sizing', () => {
    expect(heapGrowthFromEnv({})).toBe(100)
    expect(heapGrowthFromEnv({}, true)).toBeUndefined()
    expect(heapGrowthFromEnv({ [HEAP_GROWTH_ENV]: '50' }, true)).toBe(50)
    expect(heapGrowthFromEnv({ [HEAP_GROWTH_ENV]: ' 25 ' })).toBe(25)
    expect(heapGrowthFromEnv({ [HEAP_GROWTH_ENV]: 'OFF' })).toBeUndefined()
    for (const bad of ['0', '1001', '12.5', 'fast', '-5'])
      expect(() => heapGrowthFromEnv({ [HEAP_GROWTH_ENV]: bad })).toThrow(/whole percent from 1 to 1000/)
  })
})

// The young generation of this thread grows to 32 MB under a workload whose objects live a while; held, it stays
// at its size, and a worker created afterwards starts at WORKER_SEMI_SPACE_MB. (Whether it also stays while a
// worker runs depends on CPU contention: at load average 10 on 2 cores it sometimes grew once, so that is not
// asserted.)
const youngWorkload = `
import { Worker } from 'node:worker_threads'
import { getHeapSpaceStatistics } from 'node:v8'
import { holdYoungGeneration } from 'sluice'
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576
const before = newSpace()
if (process.argv[1] === 'hold') holdYoungGeneration()
const pages = []
for (let i = 0; i < 300; i++) {
  pages.push(Array.from({ length: 1000 }, (_, j) => ({ id: j, name: 'name ' + j })))
  if (pages.length > 20) pages.shift()
}
const after = newSpace()
const worker = new Worker(
  "import { parentPort } from 'node:worker_threads'; import { getHeapSpaceStatistics } from 'node:v8';" +
    "parentPort.postMessage(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576)",
  { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } },
)
const workerStart = await new Promise((resolve) => worker.once('message', resolve))
await worker.terminate()
console.log(JSON.stringify({ before, after, workerStart }))
`

async function youngGeneration(
  hold: boolean,
): Promise<{ before: number; after: number; workerStart: number }> {
  const args = ['--input-type=module', '-e', youngWorkload, ...(hold ? ['hold'] : [])]
  const { stdout } = await run(process.execPath, args, { cwd: cliDir })
  return JSON.parse(stdout.trim())
}

describe('holdYoungGeneration', () => {
  it('keeps the young generation at its size and starts workers at full size', async () => {
    const own = await youngGeneration(false)
    const held = await youngGeneration(true)
    expect(own.after).toBeGreaterThan(own.before)
    expect(held.after).toBe(held.before)
    expect(held.workerStart).toBeGreaterThan(own.workerStart)
  })
})
