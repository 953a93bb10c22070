import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pageRows } from '../../page-workers/page-parse.ts'
import { restApiSource } from '../../source/rest-api-source.ts'
import type { RestApiSourceConfig } from '../../source/rest-api-types.ts'
import type { ResourceContext } from '../../source/source-types.ts'
import { createManualClock } from '../../testing/manual-clock.ts'
import { createHttpClient } from '../http-client.ts'
import { type Page, type PaginateOptions, paginate } from '../paginate.ts'
import { registerPaginator } from './create-paginator.ts'
import { withParam } from './paginator-utils.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'

async function collect(path: string, options: PaginateOptions): Promise<Page[]> {
  const clock = createManualClock()
  const c = createHttpClient({ baseUrl: BASE, clock })
  const pages: Page[] = []
  await clock.run(
    (async () => {
      for await (const p of paginate(c, { path }, options)) pages.push(p)
    })(),
  )
  return pages
}

/** Three pages linked by cursor in the `x-next` header; page 2 is empty, page 3 says has_more false. */
function cursorPages(seen: string[]) {
  return http.get(`${BASE}/items`, ({ request }) => {
    const cursor = new URL(request.url).searchParams.get('cursor') ?? 'a'
    seen.push(cursor)
    const pages: Record<string, { items: number[]; next?: string; more: boolean }> = {
      a: { items: [1, 2], next: 'b', more: true },
      b: { items: [], next: 'c', more: true },
      c: { items: [3], next: 'd', more: false },
      d: { items: [4], more: false },
    }
    const p = pages[cursor]!
    return HttpResponse.json(
      {
        data: p.items.map((id) => ({ id })),
        has_more: p.more,
        cursor: p.next ?? null,
        next: p.next ? `${BASE}/items?cursor=${p.next}` : null,
      },
      { headers: p.next ? { 'x-next': p.next } : {} },
    )
  })
}

const ids = (pages: Page[]) => pages.flatMap((p) => p.items.map((i) => (i as { id: number }).id))

describe('header_cursor', () => {
  it('puts the cursor of a response header into the query until the header is gone', async () => {
    const seen: string[] = []
    server.use(cursorPages(seen))
    const pages = await collect('/items', {
      paginator: { type: 'header_cursor', cursorKey: 'x-next' },
      dataSelector: 'data',
    })
    expect(ids(pages)).toEqual([1, 2, 3, 4])
    expect(seen).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe('stop conditions on every paginator', () => {
  it('stopAfterEmptyPage ends header_cursor and json_link at the empty page', async () => {
    for (const paginator of [
      { type: 'header_cursor', cursorKey: 'x-next', stopAfterEmptyPage: true },
      { type: 'json_link', nextUrlPath: 'next', stopAfterEmptyPage: true },
    ] as const) {
      const seen: string[] = []
      server.use(cursorPages(seen))
      expect(ids(await collect('/items', { paginator, dataSelector: 'data' }))).toEqual([1, 2])
      expect(seen).toEqual(['a', 'b'])
    }
  })
  it('hasMorePath ends header_cursor, json_link and cursor paging when false', async () => {
    for (const paginator of [
      { type: 'header_cursor', cursorKey: 'x-next', hasMorePath: 'has_more' },
      { type: 'json_link', hasMorePath: 'has_more' },
      { type: 'cursor', cursorPath: 'cursor', hasMorePath: 'has_more' },
    ] as const) {
      const seen: string[] = []
      server.use(cursorPages(seen))
      const pages = await collect('/items', { paginator, dataSelector: 'data' })
      expect(seen.slice(0, 3)).toEqual(['a', 'b', 'c'])
      expect(seen).toHaveLength(3)
      expect(pages).toHaveLength(3)
    }
  })
})

function ctx(): ResourceContext {
  return {
    state: {},
    signal: new AbortController().signal,
    emit: () => {},
    replaceRange: () => {},
    warn: () => {},
  }
}

const config = (paginator: unknown): RestApiSourceConfig =>
  ({
    name: 's',
    client: { baseUrl: BASE },
    resources: [{ name: 'items', endpoint: { path: 'items', dataSelector: 'data', paginator } }],
  }) as RestApiSourceConfig

async function rows(c: RestApiSourceConfig): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const page of restApiSource(c).resources[0]!.read(ctx())) out.push(...pageRows(page))
  return out
}

describe('paginator as a type name', () => {
  it("'single_page' reads one page", async () => {
    const seen: string[] = []
    server.use(cursorPages(seen))
    expect(await rows(config('single_page'))).toEqual([{ id: 1 }, { id: 2 }])
    expect(seen).toEqual(['a'])
  })
  it('every other built-in name works, or is refused when the config is read', async () => {
    for (const type of ['page_number', 'cursor', 'json_link', 'header_link', 'header_cursor', 'auto']) {
      server.use(cursorPages([]))
      await expect(rows(config(type))).resolves.toBeInstanceOf(Array)
    }
    expect(() => restApiSource(config('offset'))).toThrow(/"offset" needs a limit/)
    expect(() => restApiSource(config('pages'))).toThrow(/"pages" is not a paginator type/)
  })
})

describe('registerPaginator', () => {
  it('makes a custom paginator usable by name, as a string or with options', async () => {
    registerPaginator('letters', (c) => {
      const order = (c['order'] as string[] | undefined) ?? ['a', 'c']
      let i = 0
      return {
        first: (req) => withParam(req, 'cursor', order[0]!),
        next: (page) => (++i < order.length ? withParam(page.request, 'cursor', order[i]!) : undefined),
      }
    })
    const seen: string[] = []
    server.use(cursorPages(seen))
    expect(await rows(config('letters'))).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect(await rows(config({ type: 'letters', order: ['d'] }))).toEqual([{ id: 4 }])
    expect(seen).toEqual(['a', 'c', 'd'])
    expect(() => registerPaginator('offset', () => ({ first: (r) => r, next: () => undefined }))).toThrow(
      /built in/,
    )
  })
})
