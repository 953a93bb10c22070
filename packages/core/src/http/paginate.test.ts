import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import type { HttpClientOptions } from './http-types.ts'
import { type Page, type PaginateOptions, paginate } from './paginate.ts'
import type { Paginator } from './paginators/paginator-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'

function setup(extra: Partial<HttpClientOptions> = {}) {
  const clock = createManualClock()
  const c = createHttpClient({ baseUrl: BASE, clock, ...extra })
  const collect = async (path: string, options: PaginateOptions, params?: Record<string, string>) => {
    const pages: Page[] = []
    await clock.run(
      (async () => {
        for await (const p of paginate(c, { path, params }, options)) pages.push(p)
      })(),
    )
    return pages
  }
  return { c, clock, collect }
}

/** Clockodo-shaped pages: `count` items, `size` per page, 1-based. */
function clockodoHandler(count: number, size: number, seen: number[] = []) {
  return http.get(`${BASE}/v2/users`, ({ request }) => {
    const page = Number(new URL(request.url).searchParams.get('page'))
    seen.push(page)
    const countPages = Math.ceil(count / size)
    const data = Array.from({ length: Math.max(0, Math.min(size, count - (page - 1) * size)) }, (_, i) => ({
      id: (page - 1) * size + i + 1,
    }))
    return HttpResponse.json({
      paging: { items_per_page: size, current_page: page, count_pages: countPages, count_items: count },
      data,
    })
  })
}

const clockodoPaging = { type: 'page_number', basePage: 1, totalPath: 'paging.count_pages' } as const

describe('page_number', () => {
  it('fetches every page of a Clockodo-style list, in order', async () => {
    const seen: number[] = []
    server.use(clockodoHandler(25, 10, seen))
    const { collect } = setup()
    const pages = await collect('/v2/users', { paginator: clockodoPaging })
    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5])
    expect(pages.flatMap((p) => p.items.map((i) => (i as { id: number }).id))).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    )
    expect(pages.map((p) => p.index)).toEqual([0, 1, 2])
    expect(pages[0]!.totalPages).toBe(3)
    expect(seen.sort()).toEqual([1, 2, 3])
  })

  it('stops after the first page when count_pages is 0', async () => {
    const seen: number[] = []
    server.use(clockodoHandler(0, 10, seen))
    const { collect } = setup()
    const pages = await collect('/v2/users', { paginator: clockodoPaging })
    expect(pages).toHaveLength(1)
    expect(pages[0]!.items).toEqual([])
    expect(seen).toEqual([1])
  })

  it('honours maximumPage (inclusive) in sequential and parallel mode', async () => {
    for (const parallel of [true, false]) {
      const seen: number[] = []
      server.use(clockodoHandler(100, 10, seen))
      const { collect } = setup()
      const pages = await collect('/v2/users', { paginator: { ...clockodoPaging, maximumPage: 3 }, parallel })
      expect(pages).toHaveLength(3)
      expect(seen.sort()).toEqual([1, 2, 3])
    }
  })

  it('without a total, stops at the first empty page', async () => {
    const seen: number[] = []
    server.use(
      http.get(`${BASE}/list`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('p'))
        seen.push(page)
        return HttpResponse.json({ items: page < 2 ? [{ page }] : [] })
      }),
    )
    const { collect } = setup()
    const pages = await collect('/list', { paginator: { type: 'page_number', pageParam: 'p' } })
    expect(seen).toEqual([0, 1, 2])
    expect(pages.map((p) => p.items.length)).toEqual([1, 1, 0])
  })

  it('yields parallel pages in order even when later pages answer first', async () => {
    const order: number[] = []
    let release3: () => void = () => {}
    const page3Answered = new Promise<void>((r) => {
      release3 = r
    })
    server.use(
      http.get(`${BASE}/v2/users`, async ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('page'))
        if (page === 2) await page3Answered
        order.push(page)
        if (page === 3) setTimeout(release3, 0)
        return HttpResponse.json({
          paging: { current_page: page, count_pages: 3 },
          data: [{ page }],
        })
      }),
    )
    const { collect } = setup()
    const pages = await collect('/v2/users', { paginator: clockodoPaging })
    expect(order).toEqual([1, 3, 2])
    expect(pages.map((p) => (p.items[0] as { page: number }).page)).toEqual([1, 2, 3])
  })

  it('sends the page number in the JSON body with pageBodyPath', async () => {
    const seen: unknown[] = []
    server.use(
      http.post(`${BASE}/search`, async ({ request }) => {
        const body = (await request.json()) as { q: string; paging: { page: number } }
        seen.push(body)
        return HttpResponse.json({ total: 2, results: [body.paging.page] })
      }),
    )
    const { c, clock } = setup()
    const pages: Page[] = []
    await clock.run(
      (async () => {
        for await (const p of paginate(
          c,
          { method: 'POST', path: '/search', json: { q: 'x' } },
          { paginator: { type: 'page_number', basePage: 1, pageBodyPath: 'paging.page' } },
        ))
          pages.push(p)
      })(),
    )
    expect(seen).toEqual([
      { q: 'x', paging: { page: 1 } },
      { q: 'x', paging: { page: 2 } },
    ])
    expect(pages.flatMap((p) => p.items)).toEqual([1, 2])
  })
})

describe('offset', () => {
  it('walks offsets until total, in parallel', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/o`, ({ request }) => {
        const u = new URL(request.url)
        const offset = Number(u.searchParams.get('offset'))
        const limit = Number(u.searchParams.get('limit'))
        seen.push(`${offset}/${limit}`)
        const items = Array.from({ length: Math.max(0, Math.min(limit, 23 - offset)) }, (_, i) => offset + i)
        return HttpResponse.json({ total: 23, items })
      }),
    )
    const { collect } = setup()
    const pages = await collect('/o', { paginator: { type: 'offset', limit: 10 } })
    expect(pages.flatMap((p) => p.items)).toEqual(Array.from({ length: 23 }, (_, i) => i))
    expect(seen.sort()).toEqual(['0/10', '10/10', '20/10'])
  })

  it('stops at maximumOffset and on an empty page without total', async () => {
    const seen: number[] = []
    server.use(
      http.get(`${BASE}/o`, ({ request }) => {
        const offset = Number(new URL(request.url).searchParams.get('skip'))
        seen.push(offset)
        return HttpResponse.json({ items: offset < 4 ? [offset, offset + 1] : [] })
      }),
    )
    const { collect } = setup()
    await collect('/o', { paginator: { type: 'offset', limit: 2, offsetParam: 'skip' } })
    expect(seen).toEqual([0, 2, 4])
    seen.length = 0
    await collect('/o', { paginator: { type: 'offset', limit: 2, offsetParam: 'skip', maximumOffset: 2 } })
    expect(seen).toEqual([0])
  })
})

describe('cursor, links, single page', () => {
  it('follows a cursor in the query', async () => {
    const seen: (string | null)[] = []
    server.use(
      http.get(`${BASE}/cur`, ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('after')
        seen.push(cursor)
        const next = cursor === null ? 'c1' : cursor === 'c1' ? 'c2' : null
        return HttpResponse.json({ data: [cursor], meta: { next_cursor: next } })
      }),
    )
    const { collect } = setup()
    const pages = await collect('/cur', {
      paginator: { type: 'cursor', cursorPath: 'meta.next_cursor', cursorParam: 'after' },
    })
    expect(seen).toEqual([null, 'c1', 'c2'])
    expect(pages).toHaveLength(3)
  })

  it('puts a cursor into the body with cursorBodyPath', async () => {
    const seen: unknown[] = []
    server.use(
      http.post(`${BASE}/cur`, async ({ request }) => {
        const body = (await request.json()) as { cursor?: string }
        seen.push(body.cursor ?? null)
        return HttpResponse.json({ data: [1], cursors: { next: body.cursor ? null : 'n1' } })
      }),
    )
    const { c, clock } = setup()
    await clock.run(
      (async () => {
        for await (const _ of paginate(
          c,
          { method: 'POST', path: '/cur', json: {} },
          { paginator: { type: 'cursor', cursorBodyPath: 'cursor' } },
        ));
      })(),
    )
    expect(seen).toEqual([null, 'n1'])
  })

  it('follows relative and absolute JSON links', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/api/things`, ({ request }) => {
        const u = new URL(request.url)
        seen.push(u.search)
        const p = u.searchParams.get('p')
        const next = p === null ? '/api/things?p=2' : p === '2' ? `${BASE}/api/things?p=3` : null
        return HttpResponse.json({ results: [p], links: { next } })
      }),
    )
    const { collect } = setup()
    const pages = await collect(
      '/api/things',
      { paginator: { type: 'json_link', nextUrlPath: 'links.next' } },
      {
        x: '1',
      },
    )
    expect(seen).toEqual(['?x=1', '?p=2', '?p=3'])
    expect(pages.flatMap((p) => p.items)).toEqual([null, '2', '3'])
  })

  it('follows Link headers', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/gh`, ({ request }) => {
        const page = new URL(request.url).searchParams.get('page') ?? '1'
        seen.push(page)
        const headers: Record<string, string> =
          page === '1'
            ? { Link: `<${BASE}/gh?page=2>; rel="next", <${BASE}/gh?page=2>; rel="last"` }
            : { Link: `<${BASE}/gh?page=1>; rel="prev"` }
        return HttpResponse.json([{ page }], { headers })
      }),
    )
    const { collect } = setup()
    const pages = await collect('/gh', { paginator: { type: 'header_link' } })
    expect(seen).toEqual(['1', '2'])
    expect(pages.flatMap((p) => p.items)).toEqual([{ page: '1' }, { page: '2' }])
  })

  it('single_page makes one request', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/one`, () => {
        calls++
        return HttpResponse.json({ next: 'https://x.test/2', data: [1] })
      }),
    )
    const { collect } = setup()
    await collect('/one', { paginator: { type: 'single_page' } })
    expect(calls).toBe(1)
  })

  it('accepts a custom paginator object', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/custom/:n`, ({ params }) => {
        seen.push(String(params['n']))
        return HttpResponse.json([params['n']])
      }),
    )
    const custom: Paginator = {
      first: (req) => ({ ...req, path: '/custom/a' }),
      next: (page) => (page.request.path.endsWith('/a') ? { ...page.request, path: '/custom/b' } : undefined),
    }
    const { collect } = setup()
    await collect('/ignored', { paginator: custom })
    expect(seen).toEqual(['a', 'b'])
  })
})

describe('auto-detection', () => {
  it('detects header links, json links, page numbers, cursors and single pages', async () => {
    const { collect } = setup()
    server.use(
      http.get(`${BASE}/h`, ({ request }) => {
        const second = new URL(request.url).searchParams.has('page')
        return HttpResponse.json(second ? [2] : [1], {
          headers: second ? {} : { Link: `<${BASE}/h?page=2>; rel="next"` },
        })
      }),
      http.get(`${BASE}/j`, ({ request }) => {
        const second = new URL(request.url).searchParams.has('page')
        return HttpResponse.json({ data: [second ? 2 : 1], next: second ? null : '/j?page=2' })
      }),
      http.get(`${BASE}/p`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('page') ?? 1)
        return HttpResponse.json({ data: [page], page, total_pages: 3 })
      }),
      http.get(`${BASE}/c`, ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor')
        return HttpResponse.json({ data: [cursor], next: cursor ? null : 'abc' })
      }),
      http.get(`${BASE}/s`, () => HttpResponse.json({ data: [1, 2] })),
    )
    expect((await collect('/h', {})).flatMap((p) => p.items)).toEqual([1, 2])
    expect((await collect('/j', {})).flatMap((p) => p.items)).toEqual([1, 2])
    expect((await collect('/p', {})).flatMap((p) => p.items)).toEqual([1, 2, 3])
    expect((await collect('/c', {})).flatMap((p) => p.items)).toEqual([null, 'abc'])
    expect((await collect('/s', {})).flatMap((p) => p.items)).toEqual([1, 2])
  })
})

describe('data selectors', () => {
  it('uses explicit selectors and auto-detects as dlt does', async () => {
    server.use(
      http.get(`${BASE}/d/:kind`, ({ params }) => {
        switch (params['kind']) {
          case 'top':
            return HttpResponse.json([{ a: 1 }])
          case 'known':
            return HttpResponse.json({ meta: { tags: ['x'] }, results: [{ a: 2 }] })
          case 'nested':
            return HttpResponse.json({ payload: { list: [{ a: 3 }] } })
          case 'least':
            return HttpResponse.json({ meta: { deep: { l: [9] } }, work_time_days: [{ a: 4 }] })
          case 'single':
            return HttpResponse.json({ id: 5, name: 'one' })
          default:
            return HttpResponse.json({ paging: { x: 1 }, response: { items: [{ a: 6 }] } })
        }
      }),
    )
    const { collect } = setup()
    const items = async (kind: string, dataSelector?: string) =>
      (await collect(`/d/${kind}`, { paginator: { type: 'single_page' }, dataSelector })).flatMap(
        (p) => p.items,
      )
    expect(await items('top')).toEqual([{ a: 1 }])
    expect(await items('known')).toEqual([{ a: 2 }])
    expect(await items('nested')).toEqual([{ a: 3 }])
    expect(await items('least')).toEqual([{ a: 4 }])
    expect(await items('single')).toEqual([{ id: 5, name: 'one' }])
    expect(await items('explicit', '$.response.items')).toEqual([{ a: 6 }])
    expect(await items('explicit', 'response.items[*]')).toEqual([{ a: 6 }])
    expect(await items('explicit', 'response.items[0]')).toEqual([{ a: 6 }])
    expect(await items('explicit', 'response.missing')).toEqual([])
  })
})

describe('early stop', () => {
  it('aborts pages in flight when the consumer stops, without unhandled rejections', async () => {
    const started: number[] = []
    server.use(
      http.get(`${BASE}/v2/users`, async ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('page'))
        started.push(page)
        if (page > 1) await new Promise((r) => setTimeout(r, 0))
        return HttpResponse.json({ paging: { current_page: page, count_pages: 50 }, data: [{ page }] })
      }),
    )
    const { c, clock } = setup()
    const got: number[] = []
    await clock.run(
      (async () => {
        for await (const p of paginate(
          c,
          { path: '/v2/users' },
          { paginator: clockodoPaging, prefetch: 4 },
        )) {
          got.push(p.index)
          if (p.index === 1) break
        }
      })(),
    )
    expect(got).toEqual([0, 1])
    // prefetch bounds what was requested ahead of the consumer
    expect(started.length).toBeLessThanOrEqual(1 + 4 + 1)
    await vi.waitFor(() => expect(c.limiter.inFlight).toBe(0))
  })
})
