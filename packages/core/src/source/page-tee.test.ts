import { describe, expect, it } from 'vitest'
import { isSluiceError } from '../errors.ts'
import { teePages } from './page-tee.ts'

/** A source of `n` pages (`[i]`) that counts the pages it was asked for and notes when it was closed. */
function counted(n: number, failAt?: number) {
  const seen = { pulled: 0, closed: false }
  async function* pages(): AsyncGenerator<number[]> {
    try {
      for (let i = 0; i < n; i++) {
        seen.pulled++
        if (i === failAt) throw new Error(`page ${i} failed`)
        yield [i]
      }
    } finally {
      seen.closed = true
    }
  }
  return { seen, pages: pages() }
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const p of pages) out.push(p)
  return out
}

/** Lets every pending promise chain settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('teePages', () => {
  it('gives every consumer every page in order from one read', async () => {
    const { seen, pages } = counted(10)
    const [a, b, c] = teePages(pages, 3, { maxPages: 2 })
    const got = await Promise.all([all(a!), all(b!), all(c!)])
    const expected = Array.from({ length: 10 }, (_, i) => [i])
    expect(got).toEqual([expected, expected, expected])
    expect(seen.pulled).toBe(10)
  })

  it('holds the reader back while a consumer does not read (at most maxPages buffered)', async () => {
    const { seen, pages } = counted(50)
    const [slow, fast] = teePages(pages, 2, { maxPages: 3 })
    const fastPages: number[][] = []
    const reading = (async () => {
      for await (const p of fast!) fastPages.push(p)
    })()
    await settle()
    expect(seen.pulled).toBe(3)
    expect(fastPages).toHaveLength(3)
    // reading one page of the slow consumer lets the reader go on by exactly one page
    const it = slow![Symbol.asyncIterator]()
    expect((await it.next()).value).toEqual([0])
    await settle()
    expect(seen.pulled).toBe(4)
    expect(fastPages).toHaveLength(4)
    // a consumer that stops no longer holds the reader back
    await it.return?.()
    await reading
    expect(fastPages).toHaveLength(50)
    expect(seen.pulled).toBe(50)
  })

  it('closes the source when every consumer stopped', async () => {
    const { seen, pages } = counted(100)
    const [a, b] = teePages(pages, 2, { maxPages: 1 })
    for await (const _ of a!) break
    for await (const _ of b!) break
    await settle()
    expect(seen.closed).toBe(true)
    expect(seen.pulled).toBeLessThan(5)
  })

  it("gives the source's error to every consumer after the pages it holds", async () => {
    const { pages } = counted(10, 2)
    const [a, b] = teePages(pages, 2)
    const read = async (p: AsyncIterable<number[]>) => {
      const got: number[][] = []
      try {
        for await (const page of p) got.push(page)
      } catch (error) {
        return { got, error: (error as Error).message }
      }
      return { got, error: undefined }
    }
    const results = await Promise.all([read(a!), read(b!)])
    for (const r of results) expect(r).toEqual({ got: [[0], [1]], error: 'page 2 failed' })
  })

  it('stops waiting for room when the signal aborts', async () => {
    const { seen, pages } = counted(10)
    const controller = new AbortController()
    const [, reader] = teePages(pages, 2, { maxPages: 1, signal: controller.signal })
    const it = reader![Symbol.asyncIterator]()
    expect((await it.next()).value).toEqual([0])
    const next = it.next()
    controller.abort(new Error('stop'))
    await expect(next).rejects.toSatisfy((e) => isSluiceError(e, 'RUN_ABORTED'))
    await settle()
    expect(seen.closed).toBe(true)
  })

  it('returns the source itself for one consumer', () => {
    const { pages } = counted(1)
    expect(teePages(pages, 1)[0]).toBe(pages)
  })
})
