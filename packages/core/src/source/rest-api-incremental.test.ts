import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JsonObject } from '../json.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import type { ResourceState } from '../storage/package-types.ts'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://events.example.test/api'

/** 10 pages of 3 events each; `v` is 1..30 ascending (or descending with `desc`). Counts requests. */
function eventsApi(order: 'asc' | 'desc') {
  const requested: number[] = []
  server.use(
    http.get(`${BASE}/events`, ({ request }) => {
      const page = Number(new URL(request.url).searchParams.get('page'))
      requested.push(page)
      const data = [0, 1, 2].map((i) => {
        const n = (page - 1) * 3 + i + 1
        return { id: n, v: order === 'asc' ? n : 31 - n }
      })
      return HttpResponse.json({ data, next: page < 10 ? page + 1 : null })
    }),
  )
  return requested
}

async function read(config: unknown, state: ResourceState = {}) {
  const source = restApiSource(config as RestApiSourceConfig)
  const rows: JsonObject[] = []
  const r = source.resources[0]!
  const c = {
    state,
    signal: new AbortController().signal,
    emit: () => {},
    replaceRange: () => {},
    warn: () => {},
  }
  for await (const page of r.read(c)) rows.push(...(pageRows(page) as JsonObject[]))
  return rows.map((row) => row['v'])
}

const config = (incremental: Record<string, unknown>) => ({
  name: 'events',
  client: {
    baseUrl: BASE,
    paginator: { type: 'cursor', cursorPath: 'next', cursorParam: 'page' },
  },
  resources: [
    {
      name: 'events',
      endpoint: { path: 'events', params: { page: 1 }, dataSelector: 'data', incremental },
    },
  ],
})

describe('restApiSource incremental options', () => {
  it('rowOrder asc stops requesting pages once a row passes the end value', async () => {
    const requested = eventsApi('asc')
    const inc = { cursorPath: 'v', initialValue: 4, endValue: 8 }
    expect(await read(config({ ...inc, rowOrder: 'asc' }))).toEqual([4, 5, 6, 7])
    expect(requested).toEqual([1, 2, 3])
    requested.length = 0
    // without rowOrder every page is read
    expect(await read(config(inc))).toEqual([4, 5, 6, 7])
    expect(requested).toHaveLength(10)
  })

  it('rowOrder desc (dlt spelling, from JSON) stops at the first row before the stored last value', async () => {
    const requested = eventsApi('desc')
    const state: ResourceState = { incremental: { v: { lastValue: 24 } } }
    const dlt = JSON.parse(
      JSON.stringify({
        client: { base_url: BASE, paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'page' } },
        resources: [
          {
            name: 'events',
            endpoint: {
              path: 'events',
              params: { page: 1 },
              data_selector: 'data',
              incremental: {
                cursor_path: 'v',
                row_order: 'desc',
                range_start: 'open',
                range_end: 'closed',
                last_value_func: 'max',
              },
            },
          },
        ],
      }),
    )
    expect(await read(dlt, state)).toEqual([30, 29, 28, 27, 26, 25])
    expect(requested).toEqual([1, 2, 3])
  })

  it('rangeEnd closed keeps the end value; a function lastValueFunc works in TS configs', async () => {
    eventsApi('asc')
    const closed = { cursorPath: 'v', initialValue: 28, endValue: 30, rangeEnd: 'closed' }
    expect(await read(config(closed))).toEqual([28, 29, 30])
    const min = (values: readonly unknown[]) => Math.min(...(values as number[]))
    const state: ResourceState = {}
    expect(await read(config({ cursorPath: 'v', initialValue: 3, lastValueFunc: min }), state)).toEqual([
      1, 2, 3,
    ])
    expect(state['incremental']).toMatchObject({ v: { lastValue: 1 } })
  })

  it.each([
    [{ rowOrder: 'ascending' }, /incremental\.rowOrder is "ascending"/, /"asc" or "desc"/],
    [{ rangeStart: 'exclusive' }, /incremental\.rangeStart is "exclusive"/, /"open" or "closed"/],
    [{ rangeEnd: 'inclusive' }, /incremental\.rangeEnd is "inclusive"/, /"open" or "closed"/],
    [{ lastValueFunc: 'latest' }, /incremental\.lastValueFunc is "latest"/, /"max" \(the default\), "min"/],
  ])('refuses %o when the config is read, with a hint', (extra, message, hint) => {
    try {
      restApiSource(config({ cursorPath: 'v', ...extra }) as unknown as RestApiSourceConfig)
      expect.unreachable('the config was accepted')
    } catch (e) {
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) })
      expect((e as { hint: string }).hint).toMatch(hint)
    }
  })
})
