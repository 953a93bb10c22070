import type { HttpRequest, HttpResponse, PageInfo } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import {
  clockodoPaginator,
  concatPrefetched,
  extractRows,
  isLastPage,
  orderedParallel,
  readPaging,
} from './clockodo-pages.ts'

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

describe('clockodoPaginator', () => {
  const info = (request: HttpRequest, body: unknown): PageInfo => ({
    request,
    body,
    response: {} as HttpResponse,
    items: [body],
  })
  const paging = (current: number, pages: number) => ({
    items_per_page: 2,
    current_page: current,
    count_pages: pages,
    count_items: pages * 2,
  })
  const list = { path: '/v3/teams', dataKeys: ['data', 'teams'] }

  it('asks a paged route for its page size and lists pages 2..count_pages', () => {
    const p = clockodoPaginator({ ...list, pageSize: 1000 })
    const first = p.first({ path: '/v3/teams', params: { a: 1 } })
    expect(first.params).toEqual({ a: 1, items_per_page: 1000, page: 1 })
    const rest = p.remaining!(info(first, { paging: paging(1, 3), teams: [{ id: 1 }] }))
    expect(rest?.map((r) => r.params)).toEqual([
      { a: 1, items_per_page: 1000, page: 2 },
      { a: 1, items_per_page: 1000, page: 3 },
    ])
  })

  it('asks a route without page size once, without `page`, unless its paging block says more', () => {
    const p = clockodoPaginator(list)
    const first = p.first({ path: '/v3/teams', params: { year: 2026 } })
    expect(first.params).toEqual({ year: 2026 })
    expect(p.remaining!(info(first, { data: [{ id: 1 }] }))).toEqual([])
    expect(p.next(info(first, { data: [{ id: 1 }] }))).toBeUndefined()
    const more = clockodoPaginator(list)
    const rest = more.remaining!(info(first, { paging: paging(1, 2), data: [{ id: 1 }] }))
    expect(rest?.map((r) => r.params)).toEqual([{ year: 2026, page: 2 }])
  })

  it('ends on count_pages: 0, on the last page and on a page without rows', () => {
    const req = { path: '/v3/teams', params: {} }
    const ends = (body: unknown) => clockodoPaginator({ ...list, pageSize: 2 }).remaining!(info(req, body))
    expect(ends({ paging: { ...paging(1, 0), count_items: 0 }, data: [] })).toEqual([])
    expect(ends({ paging: paging(3, 3), data: [{ id: 1 }] })).toEqual([])
    expect(ends({ paging: paging(1, 3), data: [] })).toEqual([])
    expect(() => ends({ paging: paging(1, 3), items: [] })).toThrow(/keys: paging, items/)
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
