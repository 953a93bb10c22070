import { afterEach, describe, expect, it } from 'vitest'
import { defaultPageWorkerCount } from './page-types.ts'
import { webPageWorkers } from './page-web.ts'

const g = globalThis as { Worker?: unknown }
const original = g.Worker
afterEach(() => {
  g.Worker = original
})

/** A stand-in for the Web Worker constructor: records what the port does with it. */
class FakeWorker {
  static made: FakeWorker[] = []
  posted: { message: unknown; transfer: ArrayBuffer[] }[] = []
  terminated = false
  onmessage: ((event: { data: unknown }) => void) | null = null
  onerror: ((event: { message?: string; preventDefault?(): void }) => void) | null = null
  constructor(
    readonly url: URL,
    readonly options: { type: string },
  ) {
    FakeWorker.made.push(this)
  }
  postMessage(message: unknown, transfer: ArrayBuffer[]): void {
    this.posted.push({ message, transfer })
  }
  terminate(): void {
    this.terminated = true
  }
}

describe('webPageWorkers', () => {
  it('refuses a runtime without Web Workers (Node.js) and says what to use', () => {
    g.Worker = undefined
    expect(() => webPageWorkers()).toThrow(/no Web Workers for page workers: on Node.js use nodePageWorkers/)
  })

  it('starts module workers of the entry next to it and wires messages, errors and the end', async () => {
    g.Worker = FakeWorker
    FakeWorker.made = []
    const workers = webPageWorkers({ size: 3, fetch: false })
    expect([workers.size, workers.fetch]).toEqual([3, false])
    const port = workers.spawn()
    const w = FakeWorker.made[0]!
    expect(w.options).toEqual({ type: 'module' })
    expect(w.url.pathname).toMatch(/page-workers\/web-page-worker\.ts$/)
    const buffer = new ArrayBuffer(8)
    port.post({ t: 'parse' }, [buffer])
    expect(w.posted).toEqual([{ message: { t: 'parse' }, transfer: [buffer] }])
    const got: unknown[] = []
    const errors: string[] = []
    port.onMessage((m) => got.push(m))
    port.onError((e) => errors.push(e.message))
    w.onmessage?.({ data: { t: 'parsed', id: 1 } })
    let prevented = false
    w.onerror?.({ message: 'boom', preventDefault: () => (prevented = true) })
    expect(got).toEqual([{ t: 'parsed', id: 1 }])
    expect([errors, prevented]).toEqual([['boom'], true])
    await port.terminate()
    expect(w.terminated).toBe(true)
    w.onerror?.({ message: 'after the end' })
    expect(errors).toEqual(['boom'])
  })

  it('starts one worker per core but one by default, at least 1, at most 4', () => {
    g.Worker = FakeWorker
    const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    try {
      const sizes = [1, 2, 3, 4, 6].map((cores) => {
        Object.defineProperty(globalThis, 'navigator', {
          value: { hardwareConcurrency: cores },
          configurable: true,
        })
        return webPageWorkers().size
      })
      expect(sizes).toEqual([1, 1, 2, 3, 4])
    } finally {
      if (nav) Object.defineProperty(globalThis, 'navigator', nav)
      else Reflect.deleteProperty(globalThis, 'navigator')
    }
  })
})

describe('defaultPageWorkerCount', () => {
  it('leaves one core to the pipeline and the destination, at least 1, at most 4', () => {
    expect([0, 1, 2, 3, 4, 5, 8, 64, 2.5].map(defaultPageWorkerCount)).toEqual([1, 1, 1, 2, 3, 4, 4, 4, 1])
  })
})
