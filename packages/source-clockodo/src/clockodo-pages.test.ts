import { describe, expect, it } from 'vitest'
import { concatPrefetched, extractRows, isLastPage, orderedParallel, readPaging } from './clockodo-pages.ts'

const deferred = <T>() => {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('paging helpers', () => {
  it('stops on count_pages: 0, on the last page and on an empty page', () => {
    const empty = readPaging({
      paging: { items_per_page: 1000, current_page: 1, count_pages: 0, count_items: 0 },
    })
    expect(isLastPage(empty, 0)).toBe(true)
    const mid = readPaging({ paging: { items_per_page: 2, current_page: 1, count_pages: 3, count_items: 6 } })
    expect(isLastPage(mid, 2)).toBe(false)
    expect(isLastPage(mid, 0)).toBe(true)
    expect(isLastPage(readPaging({ paging: { current_page: '3', count_pages: '3' } }), 2)).toBe(true)
    expect(isLastPage(undefined, 5)).toBe(true)
  })

  it('finds the rows under the first matching key and explains a body without one', () => {
    const req = { path: '/targethours', dataKeys: ['targethours', 'data'] }
    expect(extractRows({ data: [{ id: 1 }] }, req)).toEqual([{ id: 1 }])
    expect(extractRows({ targethours: [{ id: 2 }], data: [] }, req)).toEqual([{ id: 2 }])
    expect(() => extractRows({ items: [] }, req)).toThrow(/targethours.*keys: items/)
    expect(() => extractRows('<html>', req)).toThrow(/no JSON object/)
  })
})

describe('orderedParallel', () => {
  it('runs up to `concurrency` tasks at once and yields in task order', async () => {
    const gates = [deferred<number>(), deferred<number>(), deferred<number>()]
    let started = 0
    const tasks = gates.map((g) => () => {
      started++
      return g.promise
    })
    const it = orderedParallel(tasks, 2)
    const first = it.next()
    await Promise.resolve()
    expect(started).toBe(2)
    gates[1]!.resolve(1)
    gates[0]!.resolve(0)
    expect((await first).value).toBe(0)
    gates[2]!.resolve(2)
    expect((await it.next()).value).toBe(1)
    expect((await it.next()).value).toBe(2)
    expect((await it.next()).done).toBe(true)
  })
})

describe('concatPrefetched', () => {
  it('yields sources in order while the next ones already fetch their first item', async () => {
    const log: string[] = []
    const source = (name: string, items: number) =>
      async function* () {
        log.push(`start ${name}`)
        for (let i = 0; i < items; i++) yield `${name}${i}`
      }
    const out: string[] = []
    for await (const v of concatPrefetched(
      [source('a', 2), source('b', 0), source('c', 1), source('d', 1)],
      2,
    )) {
      out.push(v)
      if (v === 'a0') expect(log).toEqual(['start a', 'start b', 'start c'])
    }
    expect(out).toEqual(['a0', 'a1', 'c0', 'd0'])
  })

  it('closes generators started ahead when the consumer stops', async () => {
    const closed: string[] = []
    const source = (name: string) =>
      async function* () {
        try {
          yield name
          yield `${name}!`
        } finally {
          closed.push(name)
        }
      }
    for await (const v of concatPrefetched([source('a'), source('b'), source('c')], 2)) {
      if (v === 'a') break
    }
    await new Promise((r) => setTimeout(r, 0))
    expect(closed.sort()).toEqual(['a', 'b', 'c'])
  })
})
