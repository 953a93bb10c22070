import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
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
  it("starts workers with an 8 MB young generation and V8's own old generation by default", async () => {
    const limits = await limitsOf({})
    // a worker started without limits inherits the process's
    const plain = new Worker(entry)
    const own = await new Promise<Record<string, number>>((resolve) => plain.once('message', resolve))
    await plain.terminate()
    expect(limits['maxYoungGenerationSizeMb']).toBe(8)
    expect(limits['maxOldGenerationSizeMb']).toBe(own['maxOldGenerationSizeMb'])
  })

  it('takes the limits given', async () => {
    const limits = await limitsOf({ youngGenerationMb: 16, maxOldGenerationMb: 256 })
    expect(limits['maxYoungGenerationSizeMb']).toBe(16)
    expect(limits['maxOldGenerationSizeMb']).toBe(256)
  })
})
