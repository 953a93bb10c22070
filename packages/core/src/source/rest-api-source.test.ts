import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import type { JsonObject } from '../json.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import type { ResourceState } from '../storage/package-types.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'
import type { ResourceContext, Source } from './source-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://clockodo.example.test/api'
const clock = createManualClock()

function ctx(state: ResourceState = {}) {
  const events: PipelineEvent[] = []
  const warnings: string[] = []
  const c: ResourceContext = {
    state,
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
    replaceRange: () => {},
    warn: (m) => warnings.push(m),
  }
  return { c, events, warnings, state }
}

async function readAll(source: Source, name: string, state: ResourceState = {}) {
  const r = source.resources.find((x) => x.name === name)!
  const { c, events, warnings } = ctx(state)
  const rows: unknown[] = []
  await clock.run(
    (async () => {
      for await (const page of r.read(c)) rows.push(...pageRows(page))
    })(),
  )
  return { rows, events, warnings, state }
}

const baseConfig = (resources: RestApiSourceConfig['resources'], extra: Partial<RestApiSourceConfig> = {}) =>
  ({
    name: 'test',
    client: {
      baseUrl: BASE,
      clock,
      auth: {
        type: 'api_keys',
        headers: { 'X-ClockodoApiUser': 'me@example.test', 'X-ClockodoApiKey': 'k3y-secret' },
      },
      paginator: { type: 'page_number', basePage: 1, totalPath: 'paging.count_pages' },
    },
    resources,
    ...extra,
  }) as RestApiSourceConfig

const users = [
  { id: 1, name: 'Ann' },
  { id: 2, name: 'Bob' },
  { id: 3, name: 'Cy' },
]

function pagedUsers() {
  return http.get(`${BASE}/v3/users`, ({ request }) => {
    expect(request.headers.get('x-clockodoapikey')).toBe('k3y-secret')
    const page = Number(new URL(request.url).searchParams.get('page'))
    return HttpResponse.json({
      paging: { current_page: page, count_pages: 2, items_per_page: 2, count_items: 3 },
      data: users.slice((page - 1) * 2, page * 2),
    })
  })
}

describe('restApiSource', () => {
  it('reads a paged resource with client defaults, steps and page events', async () => {
    server.use(pagedUsers())
    const source = restApiSource(
      baseConfig([
        {
          name: 'users',
          endpoint: { path: 'v3/users', params: { filter: { active: true } } },
          primaryKey: 'id',
          writeDisposition: 'merge',
          processingSteps: [
            { filter: (r) => r['id'] !== 2 },
            { map: (r) => ({ ...r, upper: String(r['name']).toUpperCase() }) },
          ],
        },
      ]),
    )
    expect(source.resources[0]).toMatchObject({ name: 'users', primaryKey: 'id', writeDisposition: 'merge' })
    const { rows, events } = await readAll(source, 'users')
    expect(rows).toEqual([
      { id: 1, name: 'Ann', upper: 'ANN' },
      { id: 3, name: 'Cy', upper: 'CY' },
    ])
    expect(events.filter((e) => e.type === 'page')).toHaveLength(2)
  })

  it("yieldMap turns one row into several, also as dlt's snake_case yield_map", async () => {
    const split = (r: JsonObject) =>
      String(r['name'])
        .split('')
        .map((letter, i) => ({ id: `${r['id']}-${i}`, letter }))
    for (const steps of [
      { processingSteps: [{ filter: (r: JsonObject) => r['id'] === 1 }, { yieldMap: split }] },
      { processing_steps: [{ filter: (r: JsonObject) => r['id'] === 1 }, { yield_map: split }] },
    ]) {
      server.use(pagedUsers())
      const source = restApiSource(
        baseConfig([{ name: 'users', endpoint: { path: 'v3/users' }, ...steps } as never]),
      )
      const { rows } = await readAll(source, 'users')
      expect(rows).toEqual([
        { id: '1-0', letter: 'A' },
        { id: '1-1', letter: 'n' },
        { id: '1-2', letter: 'n' },
      ])
    }
  })

  it('merges resourceDefaults (resource keys win) and accepts string resources', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/:name`, ({ params, request }) => {
        seen.push(`${params['name']}?${new URL(request.url).searchParams.toString()}`)
        return HttpResponse.json({ paging: { count_pages: 1 }, data: [{ id: 1 }] })
      }),
    )
    const source = restApiSource(
      baseConfig(['teams', { name: 'services', endpoint: { path: 'services', params: { b: '2' } } }], {
        resourceDefaults: { primaryKey: 'id', endpoint: { params: { a: '1', b: '1' } } },
      }),
    )
    expect(source.resources.map((r) => r.primaryKey)).toEqual(['id', 'id'])
    await readAll(source, 'teams')
    await readAll(source, 'services')
    expect(seen).toEqual(['teams?a=1&b=1&page=1', 'services?a=1&b=2&page=1'])
  })

  it('runs one child request per parent row with {resources.parent.field} and includeFromParent', async () => {
    server.use(
      pagedUsers(),
      http.get(`${BASE}/v2/users/:id/reports`, ({ params }) =>
        HttpResponse.json({ paging: { count_pages: 1 }, data: [{ report: `r${params['id']}` }] }),
      ),
    )
    const source = restApiSource(
      baseConfig([
        { name: 'users', endpoint: 'v3/users' },
        {
          name: 'reports',
          endpoint: { path: 'v2/users/{resources.users.id}/reports' },
          includeFromParent: ['name'],
        },
      ]),
    )
    const { rows, events } = await readAll(source, 'reports')
    expect((rows as { report: string }[]).map((r) => r.report).sort()).toEqual(['r1', 'r2', 'r3'])
    const pageEvents = events.filter((e) => e.type === 'page')
    expect(pageEvents).toHaveLength(3)
    expect(pageEvents.every((e) => e.resource === 'reports')).toBe(true)
    expect(rows).toContainEqual({ report: 'r2', _users_name: 'Bob' })
  })

  it('fans out child requests in parallel within parentConcurrency', async () => {
    let current = 0
    let peak = 0
    const many = Array.from({ length: 10 }, (_, i) => ({ id: i + 1 }))
    server.use(
      http.get(`${BASE}/v3/projects`, () => HttpResponse.json({ paging: { count_pages: 1 }, data: many })),
      http.get(`${BASE}/v3/projects/:id/budget`, async ({ params }) => {
        current++
        peak = Math.max(peak, current)
        for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0))
        current--
        return HttpResponse.json({ paging: { count_pages: 1 }, data: [{ project: Number(params['id']) }] })
      }),
    )
    const source = restApiSource(
      baseConfig([
        { name: 'projects', endpoint: 'v3/projects' },
        { name: 'budgets', endpoint: 'v3/projects/{resources.projects.id}/budget', parentConcurrency: 4 },
      ]),
    )
    const { rows } = await readAll(source, 'budgets')
    expect(rows).toHaveLength(10)
    expect(peak).toBeGreaterThan(1)
    expect(peak).toBeLessThanOrEqual(4)
  })

  it('treats a last path segment {..} as a single entity unless a paginator is set', async () => {
    let calls = 0
    server.use(
      pagedUsers(),
      http.get(`${BASE}/v2/users/:id`, ({ params }) => {
        calls++
        return HttpResponse.json({ id: Number(params['id']), next: 'https://clockodo.example.test/api/nope' })
      }),
    )
    const source = restApiSource(
      baseConfig([
        { name: 'users', endpoint: 'v3/users' },
        { name: 'user_detail', endpoint: 'v2/users/{resources.users.id}' },
      ]),
    )
    const { rows } = await readAll(source, 'user_detail')
    expect((rows as { id: number }[]).map((r) => r.id).sort()).toEqual([1, 2, 3])
    expect(calls).toBe(3)
  })

  it('keeps incremental state per parent (dlt issue 2429)', async () => {
    const entries: Record<string, { id: number; changed: string }[]> = {
      '1': [
        { id: 11, changed: '2024-05-01T00:00:00Z' },
        { id: 12, changed: '2024-06-01T00:00:00Z' },
      ],
      '2': [{ id: 21, changed: '2024-01-01T00:00:00Z' }],
      '3': [],
    }
    const sinceSeen: string[] = []
    server.use(
      pagedUsers(),
      http.get(`${BASE}/v2/entries`, ({ request }) => {
        const u = new URL(request.url)
        const user = u.searchParams.get('users_id')!
        const since = u.searchParams.get('since')!
        sinceSeen.push(`${user}:${since}`)
        return HttpResponse.json({
          paging: { count_pages: 1 },
          entries: entries[user]!.filter((e) => e.changed >= since),
        })
      }),
    )
    const config = baseConfig([
      { name: 'users', endpoint: 'v3/users' },
      {
        name: 'entries',
        primaryKey: 'id',
        endpoint: {
          path: 'v2/entries',
          params: { users_id: '{resources.users.id}', since: '{incremental.start_value}' },
          incremental: { cursorPath: 'changed', initialValue: '2023-01-01T00:00:00Z' },
        },
      },
    ])
    const state: ResourceState = {}
    const first = await readAll(restApiSource(config), 'entries', state)
    expect((first.rows as { id: number }[]).map((r) => r.id).sort()).toEqual([11, 12, 21])
    sinceSeen.length = 0
    entries['2']!.push({ id: 22, changed: '2024-02-01T00:00:00Z' })
    const second = await readAll(restApiSource(config), 'entries', state)
    // user 2 starts from its own last value, not from user 1's 2024-06-01
    expect(sinceSeen.sort()).toEqual([
      '1:2024-06-01T00:00:00Z',
      '2:2024-01-01T00:00:00Z',
      '3:2023-01-01T00:00:00Z',
    ])
    // boundary rows 12 and 21 are de-duplicated
    expect((second.rows as { id: number }[]).map((r) => r.id)).toEqual([22])
  })

  it('filters a top-level incremental resource and renders start_value with convert', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/v2/changes`, ({ request }) => {
        seen.push(new URL(request.url).searchParams.get('from')!)
        return HttpResponse.json({
          paging: { count_pages: 1 },
          data: [
            { id: 1, v: 5 },
            { id: 2, v: 10 },
          ],
        })
      }),
    )
    const config = baseConfig([
      {
        name: 'changes',
        primaryKey: 'id',
        endpoint: {
          path: 'v2/changes',
          params: { from: '{incremental.start_value}' },
          incremental: { cursorPath: 'v', initialValue: 6, convert: (v) => `n${v}` },
        },
      },
    ])
    const state: ResourceState = {}
    const { rows } = await readAll(restApiSource(config), 'changes', state)
    expect(rows).toEqual([{ id: 2, v: 10 }])
    expect(seen).toEqual(['n6'])
    await readAll(restApiSource(config), 'changes', state)
    expect(seen).toEqual(['n6', 'n10'])
  })

  it('applies an endpoint rateLimit on top of the client limits', async () => {
    server.use(pagedUsers())
    const source = restApiSource(
      baseConfig([
        {
          name: 'users',
          endpoint: { path: 'v3/users', rateLimit: [{ limit: 1, intervalMs: 1000, name: 'ep' }] },
        },
      ]),
    )
    const { rows, events } = await readAll(source, 'users')
    expect(rows).toHaveLength(3)
    expect(events.filter((e) => e.type === 'rate-limit-wait')).toMatchObject([
      { window: 'ep', resource: 'users' },
    ])
  })

  it('leaves out a query parameter whose placeholder has no value yet', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${BASE}/v2/changes`, ({ request }) => {
        seen.push(new URL(request.url).search)
        return HttpResponse.json({ paging: { count_pages: 1 }, data: [{ id: 1, v: 3 }] })
      }),
    )
    const config = baseConfig([
      {
        name: 'changes',
        endpoint: {
          path: 'v2/changes',
          params: { from: '{incremental.start_value}' },
          incremental: { cursorPath: 'v' },
        },
      },
    ])
    const state: ResourceState = {}
    await readAll(restApiSource(config), 'changes', state)
    await readAll(restApiSource(config), 'changes', state)
    expect(seen).toEqual(['?page=1', '?from=3&page=1'])
  })

  it('ignores statuses listed in responseActions', async () => {
    server.use(
      http.get(`${BASE}/v2/secret`, () => HttpResponse.json({ error: { message: 'no' } }, { status: 403 })),
    )
    const ok = restApiSource(
      baseConfig([
        { name: 's', endpoint: { path: 'v2/secret', responseActions: [{ status: 403, action: 'ignore' }] } },
      ]),
    )
    expect((await readAll(ok, 's')).rows).toEqual([])
    const strict = restApiSource(baseConfig([{ name: 's', endpoint: 'v2/secret' }]))
    await expect(readAll(strict, 's')).rejects.toThrow(/HTTP 403/)
  })
})
