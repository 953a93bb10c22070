import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import { type Page, type PaginateOptions, paginate } from './paginate.ts'

// Pagination that ends: an API that ignores the paging parameters, a cursor or link that loops, a total that is
// missing or absurd, none of them pages forever.

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'

/** Serves `answer(url)` at `path`, counting requests. */
function serve(path: string, answer: (url: URL) => unknown): { calls: number } {
  const counter = { calls: 0 }
  server.use(
    http.get(`${BASE}${path}`, ({ request }) => {
      counter.calls++
      return HttpResponse.json(answer(new URL(request.url)) as never)
    }),
  )
  return counter
}

async function collect(path: string, options: PaginateOptions) {
  const clock = createManualClock()
  const client = createHttpClient({ baseUrl: BASE, clock })
  const pages: Page[] = []
  const warnings: string[] = []
  const error = await clock
    .run(
      (async () => {
        for await (const p of paginate(client, { path }, { ...options, onWarning: (w) => warnings.push(w) }))
          pages.push(p)
      })(),
    )
    .catch((e: unknown) => e)
  return { pages, warnings, error }
}

const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: from + i }))

describe('a configured total or has-more field that is missing', () => {
  it.each([true, false])(
    'page_number with totalPath on a bare list that ignores page fails at once (parallel: %s)',
    async (parallel) => {
      const c = serve('/child', () => rows(3))
      const { pages, error } = await collect('/child', {
        paginator: { type: 'page_number', basePage: 1, totalPath: 'total_pages' },
        parallel,
      })
      expect(error).toMatchObject({ code: 'PAGINATION_FIELD_MISSING' })
      expect((error as Error).message).toBe(
        `${BASE}/child?page=1 answered without "total_pages" (the paginator's totalPath); the response is a list: check the paginator's totalPath, or leave it out if the API does not send it`,
      )
      expect(c.calls).toBe(1)
      expect(pages).toHaveLength(parallel ? 0 : 1)
    },
  )

  it('a total that is not a number, and a missing hasMorePath, fail too (offset as well)', async () => {
    serve('/t', () => ({ items: rows(2), total_pages: 'many' }))
    const bad = await collect('/t', { paginator: { type: 'page_number', totalPath: 'total_pages' } })
    expect((bad.error as Error).message).toContain('holds "many" there, not a whole number')
    serve('/m', () => ({ items: rows(2) }))
    const more = await collect('/m', { paginator: { type: 'page_number', hasMorePath: 'has_more' } })
    expect(more.error).toMatchObject({ code: 'PAGINATION_FIELD_MISSING' })
    expect((more.error as Error).message).toContain("the paginator's hasMorePath); the response has items")
    const offset = await collect('/m', { paginator: { type: 'offset', limit: 2, totalPath: 'count' } })
    expect(offset.error).toMatchObject({ code: 'PAGINATION_FIELD_MISSING' })
  })

  it('without a configured totalPath, a missing total is no error (as before)', async () => {
    serve('/n', (u) =>
      Number(u.searchParams.get('page')) < 2 ? rows(2, Number(u.searchParams.get('page')) * 2) : [],
    )
    const { pages, error } = await collect('/n', { paginator: { type: 'page_number' } })
    expect(error).toBeUndefined()
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 0])
  })
})

describe('an API that ignores the paging parameters', () => {
  it.each([
    ['page_number', { type: 'page_number', basePage: 1 }],
    ['offset', { type: 'offset', limit: 3 }],
    ['page_number with hasMorePath', { type: 'page_number', hasMorePath: 'more' }],
  ] as const)(
    '%s: a page with the same rows as the one before ends the pages with a warning',
    async (_, paginator) => {
      const c = serve('/same', () =>
        paginator.type === 'page_number' && 'hasMorePath' in paginator
          ? { items: rows(3), more: true }
          : rows(3),
      )
      const { pages, warnings, error } = await collect('/same', { paginator })
      expect(error).toBeUndefined()
      expect(pages).toHaveLength(1)
      expect(c.calls).toBe(2)
      expect(warnings).toEqual([
        expect.stringMatching(
          /^\/same: page 2 \(https:\/\/api\.example\.test\/same\?.+\) has the same rows as page 1; the API seems to ignore the paging parameters, so the pages end here$/,
        ),
      ])
    },
  )

  it('a stated total with pages that repeat ends at the first repeat (parallel)', async () => {
    const c = serve('/stated', () => ({ items: rows(3), total_pages: 50 }))
    const { pages, warnings } = await collect('/stated', {
      paginator: { type: 'page_number', basePage: 1, totalPath: 'total_pages' },
      prefetch: 4,
    })
    expect(pages).toHaveLength(1)
    expect(warnings).toHaveLength(1)
    expect(c.calls).toBeLessThanOrEqual(6)
  })
})

describe('cursors and links that loop', () => {
  it('a cursor that comes back ends the pages before asking again', async () => {
    const next: Record<string, string> = { '': 'c1', c1: 'c2', c2: 'c1' }
    const c = serve('/cur', (u) => {
      const cursor = u.searchParams.get('cursor') ?? ''
      return { data: [cursor], cursors: { next: next[cursor] } }
    })
    const { pages, warnings } = await collect('/cur', { paginator: { type: 'cursor' } })
    expect(pages.map((p) => p.items)).toEqual([[''], ['c1'], ['c2']])
    expect(c.calls).toBe(3)
    expect(warnings).toEqual([
      `/cur: the page after ${BASE}/cur?cursor=c2 would be one fetched before (the cursor or next link loops), so the pages end here`,
    ])
  })

  it('a JSON link back to an earlier page ends the pages', async () => {
    const c = serve('/links', (u) => {
      const p = u.searchParams.get('p') ?? '1'
      return { data: [p], next: p === '1' ? '/links?p=2' : p === '2' ? '/links?p=3' : '/links?p=2' }
    })
    const { pages, warnings } = await collect('/links', { paginator: { type: 'json_link' } })
    expect(pages.flatMap((p) => p.items)).toEqual(['1', '2', '3'])
    expect(c.calls).toBe(3)
    expect(warnings).toHaveLength(1)
  })
})

describe('maxPages', () => {
  it('fails with PAGINATION_LIMIT after maxPages pages of an endless list', async () => {
    const c = serve('/endless', (u) => rows(2, Number(u.searchParams.get('page')) * 2))
    const { pages, error } = await collect('/endless', { paginator: { type: 'page_number' }, maxPages: 5 })
    expect(pages).toHaveLength(5)
    expect(c.calls).toBe(5)
    expect(error).toMatchObject({ code: 'PAGINATION_LIMIT' })
    expect((error as Error).message).toBe(
      `/endless: more than 5 pages (maxPages); the last was ${BASE}/endless?page=4: if the list really is that long, raise maxPages (endpoint.maxPages of a REST source); otherwise check the paginator config: the API may ignore its parameters`,
    )
  })

  it('fails at once when the first page states more pages than maxPages, also an absurd number', async () => {
    const h = serve('/huge', () => ({ items: rows(1), total_pages: 1_000_000_000 }))
    const huge = await collect('/huge', {
      paginator: { type: 'page_number', basePage: 1, totalPath: 'total_pages' },
    })
    expect(huge.error).toMatchObject({ code: 'PAGINATION_LIMIT' })
    expect((huge.error as Error).message).toContain('says there are more than 100000 pages (maxPages)')
    expect(h.calls).toBe(1)
    const c = serve('/many', () => ({ items: rows(1), total_pages: 30 }))
    const many = await collect('/many', {
      paginator: { type: 'page_number', basePage: 1, totalPath: 'total_pages' },
      maxPages: 20,
    })
    expect((many.error as Error).message).toContain(
      `${BASE}/many?page=1 says there are more than 20 pages (maxPages)`,
    )
    expect(c.calls).toBe(1)
  })
})
