import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { nodeFileSystem } from '../../src/node/index.ts'
import { type PipelineInternals, pipeline } from '../../src/pipeline/pipeline-runner.ts'
import { restApiSource } from '../../src/source/rest-api-source.ts'
import type { RestApiSourceConfig, RestResourceConfig } from '../../src/source/rest-api-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'
import { fakeNormalizer } from './fake-normalizer.ts'

// A parent is read once per run for its own table and every child and grandchild (issue 30, "Parent/child").

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

let dir: string
useTempDir('sluice-parents-', (d) => {
  dir = d
})

const BASE = 'https://api.example.test/v1'
const internals: PipelineInternals = { createNormalizer: fakeNormalizer }

/** Users 1..n in pages of 2, each with `changed` = 2024-01-<id>; `?since=` keeps those changed at or after it. */
const users = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: `u${i + 1}`,
    changed: `2024-01-${String(i + 1).padStart(2, '0')}`,
  }))

/** The API: users (paged), reports of a user (one each), lines of a report (two each); counts every request. */
function api(all: ReturnType<typeof users>, options: { failReportOf?: number } = {}) {
  const requests: string[] = []
  server.use(
    http.get(`${BASE}/users`, ({ request }) => {
      const url = new URL(request.url)
      requests.push(`users${url.search}`)
      const since = url.searchParams.get('since') ?? ''
      const rows = all.filter((u) => u.changed >= since)
      const page = Number(url.searchParams.get('page') ?? 1)
      const pages = Math.ceil(rows.length / 2)
      const next = page < pages ? `${BASE}/users?page=${page + 1}` : null
      return HttpResponse.json({ total: pages, next, data: rows.slice((page - 1) * 2, page * 2) })
    }),
    http.get(`${BASE}/users/:id/reports`, ({ params }) => {
      requests.push(`reports/${params['id']}`)
      if (Number(params['id']) === options.failReportOf)
        return HttpResponse.json({ error: 'no' }, { status: 400 })
      return HttpResponse.json({ data: [{ report: `r${params['id']}` }] })
    }),
    http.get(`${BASE}/users/:id/settings`, ({ params }) => {
      requests.push(`settings/${params['id']}`)
      return HttpResponse.json({ data: [{ theme: `t${params['id']}` }] })
    }),
    http.get(`${BASE}/reports/:report/lines`, ({ params }) => {
      requests.push(`lines/${params['report']}`)
      return HttpResponse.json({
        data: [{ line: `${params['report']}.1` }, { line: `${params['report']}.2` }],
      })
    }),
  )
  return requests
}

const usersResource = (incremental = false): RestResourceConfig => ({
  name: 'users',
  primaryKey: 'id',
  endpoint: incremental
    ? {
        path: 'users',
        params: { since: '{incremental.start_value}' },
        incremental: { cursorPath: 'changed', initialValue: '2024-01-01' },
      }
    : 'users',
})
const reports: RestResourceConfig = {
  name: 'reports',
  endpoint: { path: 'users/{resources.users.id}/reports', paginator: 'single_page' },
  includeFromParent: ['name'],
}
const settings: RestResourceConfig = {
  name: 'settings',
  endpoint: { path: 'users/{resources.users.id}/settings', paginator: 'single_page' },
}
const lines: RestResourceConfig = {
  name: 'lines',
  endpoint: { path: 'reports/{resources.reports.report}/lines', paginator: 'single_page' },
}

/** The source; a `json_link` paginator asks for one page after the other (page_number asks for all at once). */
function source(resources: RestResourceConfig[], paginator: 'page_number' | 'json_link' = 'page_number') {
  const config: RestApiSourceConfig = {
    name: 'api',
    client: {
      baseUrl: BASE,
      paginator:
        paginator === 'json_link'
          ? { type: 'json_link', nextUrlPath: 'next' }
          : { type: 'page_number', basePage: 1, totalPath: 'total' },
    },
    resources,
  }
  return restApiSource(config)
}

function make() {
  const d = new FakeDestination()
  const p = pipeline(
    { pipelineName: 'parents', destination: d, pipelinesDir: dir, fs: nodeFileSystem() },
    internals,
  )
  return { d, p }
}

const usersPages = (requests: string[]) => requests.filter((r) => r.startsWith('users'))
const sorted = (rows: Record<string, unknown>[], key: string) => rows.map((r) => r[key]).sort()

describe('restApiSource parent/child in a run', () => {
  it('reads the parent once for its own table and one child, rows in page order', async () => {
    const requests = api(users(5))
    const { d, p } = make()
    // one child request at a time, so that the child's rows come in the parent's order too
    await p.run(source([usersResource(), { ...reports, parentConcurrency: 1 }]))
    expect(usersPages(requests)).toEqual(['users?page=1', 'users?page=2', 'users?page=3'])
    expect(d.rows('users').map((r) => r['id'])).toEqual([1, 2, 3, 4, 5])
    expect(d.rows('reports').map((r) => [r['report'], r['_users_name']])).toEqual([
      ['r1', 'u1'],
      ['r2', 'u2'],
      ['r3', 'u3'],
      ['r4', 'u4'],
      ['r5', 'u5'],
    ])
    expect(requests.filter((r) => r.startsWith('reports')).sort()).toEqual(
      ['reports/1', 'reports/2', 'reports/3', 'reports/4', 'reports/5'].sort(),
    )
  })

  it('reads the parent once for two children', async () => {
    const requests = api(users(3))
    const { d, p } = make()
    await p.run(source([usersResource(), reports, settings]))
    expect(usersPages(requests)).toEqual(['users?page=1', 'users?page=2'])
    expect(sorted(d.rows('reports'), 'report')).toEqual(['r1', 'r2', 'r3'])
    expect(sorted(d.rows('settings'), 'theme')).toEqual(['t1', 't2', 't3'])
    expect(d.rows('users')).toHaveLength(3)
  })

  it('reads the parent once for two children when the parent is not selected', async () => {
    const requests = api(users(3))
    const { d, p } = make()
    await p.run(source([usersResource(), reports, settings]), { resources: ['reports', 'settings'] })
    expect(usersPages(requests)).toEqual(['users?page=1', 'users?page=2'])
    expect(d.rows('users')).toEqual([])
    expect(sorted(d.rows('settings'), 'theme')).toEqual(['t1', 't2', 't3'])
  })

  it('reads each level of a chain once (grandchildren)', async () => {
    const requests = api(users(3))
    const { d, p } = make()
    await p.run(source([usersResource(), reports, lines]))
    expect(usersPages(requests)).toEqual(['users?page=1', 'users?page=2'])
    expect(requests.filter((r) => r.startsWith('reports')).sort()).toEqual([
      'reports/1',
      'reports/2',
      'reports/3',
    ])
    expect(requests.filter((r) => r.startsWith('lines')).sort()).toEqual(['lines/r1', 'lines/r2', 'lines/r3'])
    expect(sorted(d.rows('lines'), 'line')).toEqual(['r1.1', 'r1.2', 'r2.1', 'r2.2', 'r3.1', 'r3.2'])
    expect(d.rows('reports')).toHaveLength(3)
  })

  it('reads but does not load the parent of a child selected alone, also two levels up', async () => {
    const requests = api(users(3))
    const { d, p } = make()
    const info = await p.run(source([usersResource(), reports, lines]), { resources: ['lines'] })
    expect(usersPages(requests)).toEqual(['users?page=1', 'users?page=2'])
    expect(requests.filter((r) => r.startsWith('reports'))).toHaveLength(3)
    expect(d.rows('lines')).toHaveLength(6)
    expect(d.rows('users')).toEqual([])
    expect(d.rows('reports')).toEqual([])
    expect(Object.keys(info.tables ?? {})).not.toContain('users')
  })

  it("moves an incremental parent's cursor once, committed with the data, and the next run starts there", async () => {
    const all = users(3)
    const requests = api(all)
    const { d, p } = make()
    const resources = [usersResource(true), reports, settings]
    await p.run(source(resources))
    expect(usersPages(requests)).toEqual(['users?since=2024-01-01&page=1', 'users?since=2024-01-01&page=2'])
    const state = (await p.state())!.sources['api']!.resources
    const cursor = { incremental: { changed: expect.objectContaining({ lastValue: '2024-01-03' }) } }
    expect(state['users']).toEqual(expect.objectContaining(cursor))
    // each child's copy of its parent's state moved with it (a child run on its own starts there)
    expect(state['reports']!['parent']).toEqual(state['users'])
    expect(state['settings']!['parent']).toEqual(state['users'])

    requests.length = 0
    all.push({ id: 4, name: 'u4', changed: '2024-01-04' })
    await p.run(source(resources))
    expect(usersPages(requests)).toEqual(['users?since=2024-01-03&page=1'])
    // the boundary user 3 is not loaded twice, nor are its children requested again
    expect(d.rows('users').map((r) => r['id'])).toEqual([1, 2, 3, 4])
    expect(requests.filter((r) => !r.startsWith('users')).sort()).toEqual(['reports/4', 'settings/4'])
  })

  it('keeps a child that ran alone on its own position in the parent', async () => {
    const all = users(2)
    const requests = api(all)
    const { d, p } = make()
    const resources = [usersResource(true), reports]
    await p.run(source(resources), { resources: ['reports'] })
    all.push({ id: 3, name: 'u3', changed: '2024-01-03' })
    requests.length = 0
    // users has not been loaded yet, reports has seen users 1 and 2: two reads, as the two start apart
    await p.run(source(resources))
    expect(usersPages(requests).sort()).toEqual([
      'users?since=2024-01-01&page=1',
      'users?since=2024-01-01&page=2',
      'users?since=2024-01-02&page=1',
    ])
    expect(d.rows('users').map((r) => r['id'])).toEqual([1, 2, 3])
    expect(sorted(d.rows('reports'), 'report')).toEqual(['r1', 'r2', 'r3'])
    // from now on they agree and share one read
    requests.length = 0
    await p.run(source(resources))
    expect(usersPages(requests)).toEqual(['users?since=2024-01-03&page=1'])
  })

  it('stops every read when the run is cancelled', async () => {
    const requests = api(users(100))
    const controller = new AbortController()
    server.use(
      http.get(`${BASE}/users/:id/reports`, ({ params }) => {
        if (params['id'] === '5') controller.abort(new Error('stop'))
        return HttpResponse.json({ data: [{ report: `r${params['id']}` }] })
      }),
    )
    const { d, p } = make()
    const run = p.run(source([usersResource(), reports, settings], 'json_link'), {
      signal: controller.signal,
    })
    await expect(run).rejects.toMatchObject({ code: 'RUN_ABORTED' })
    expect(d.rows('users')).toEqual([])
    expect(usersPages(requests).length).toBeLessThan(10)
  })

  it('stops the run cleanly when a child fails: nothing loaded, the error is the child request', async () => {
    const requests = api(users(100), { failReportOf: 3 })
    const { d, p } = make()
    await expect(p.run(source([usersResource(), reports, settings], 'json_link'))).rejects.toThrow(/400/)
    expect(d.rows('users')).toEqual([])
    expect(d.rows('settings')).toEqual([])
    // the parent's reader stopped too, a few pages ahead of the failed child at most (of 50)
    expect(usersPages(requests).length).toBeLessThan(10)
    // a new run reads and loads everything
    server.resetHandlers()
    api(users(100))
    await p.run(source([usersResource(), reports, settings], 'json_link'))
    expect(d.rows('users')).toHaveLength(100)
    expect(d.rows('reports')).toHaveLength(100)
  })
})
