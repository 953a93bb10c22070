// Every endpoint of the dashboard's server on a real port: the token and Host checks, the page and its files,
// the JSON API over a pipeline loaded from the simulated Clockodo account into DuckDB, read-only queries,
// clear answers for what is not there, and no secret in any answer.

import { mkdir, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startClockodoMock } from '@sluice/clockodo-mock/server'
import type { Dataset } from '@sluice/core'
import { loadConfig, openPipeline, pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { clockodoSource } from '@sluice/source-clockodo'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Dashboard, serveDashboard } from '../src/index.ts'

const SECRET = 'sk-SERVER-TEST-SECRET-8086'
const USER = 'owner@example.com'
const NAME = 'clockodo_pipeline'

let dir: string
let pipelinesDir: string
let dashboard: Dashboard
const importer = (s: string) => import(s)
const bodies: string[] = []

async function get(path: string, init: RequestInit = {}, auth = true): Promise<Response> {
  const headers = new Headers(init.headers)
  if (auth) headers.set('authorization', `Bearer ${dashboard.token}`)
  const response = await fetch(`http://127.0.0.1:${dashboard.port}${path}`, {
    ...init,
    headers,
    redirect: 'manual',
  })
  bodies.push(await response.clone().text())
  return response
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON answers by path
async function json(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await get(path, init)
  return { status: r.status, body: await r.json() }
}

const query = (sql: string, limit?: number) =>
  json(`/api/pipelines/${NAME}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, ...(limit === undefined ? {} : { limit }) }),
  })

/** A raw request with a Host header of our choosing (fetch may not set it). */
function withHost(host: string, path = '/api/pipelines'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: dashboard.port,
        path,
        headers: { host, authorization: `Bearer ${dashboard.token}` },
      },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

async function withDataset<T>(fn: (ds: Dataset) => Promise<T>): Promise<T> {
  await using ds = (await openPipeline(NAME, { pipelinesDir, importer })).dataset()
  return await fn(ds)
}

beforeAll(async () => {
  dir = join(tmpdir(), `sluice-dashboard-server-${process.pid}`)
  pipelinesDir = join(dir, 'pipelines')
  await rm(dir, { recursive: true, force: true })
  const mock = await startClockodoMock({
    seed: 5,
    size: { users: 3, years: 2, entriesPerWorkday: 2 },
    credentials: { user: USER, apiKey: SECRET },
    rateLimits: false,
  })
  try {
    const p = pipeline({
      pipelineName: NAME,
      pipelinesDir,
      destination: duckdb({ path: join(dir, 'clockodo.duckdb') }),
      datasetName: 'clockodo_data',
    })
    await p.run(clockodoSource({ apiUser: USER, apiKey: SECRET, baseUrl: mock.baseUrl }))
  } finally {
    await mock.close()
  }
  // a pipeline whose failed run left a secret in its trace (as a careless source might)
  await mkdir(join(pipelinesDir, 'leaky'), { recursive: true })
  await writeFile(
    join(pipelinesDir, 'leaky', 'trace.json'),
    JSON.stringify({
      pipelineName: 'leaky',
      datasetName: 'x',
      destinationName: 'duckdb',
      startedAt: '2024-01-01T00:00:00.000Z',
      finishedAt: '2024-01-01T00:00:01.000Z',
      steps: [{ step: 'extract', startedAt: '2024-01-01T00:00:00.000Z', error: `key ${SECRET} refused` }],
      loadIds: [],
      resumedPackages: [],
      skippedResources: [],
      warnings: [],
      error: `key ${SECRET} refused: check the key`,
      errorCode: 'AUTH_FAILED',
      errorHint: 'check the key',
      errorStack: `SluiceError: key ${SECRET} refused: check the key\n    at read (source.ts:1:1)`,
      waits: [
        { resource: 'users', retries: 2, retryWaitMs: 3500, rateLimitWaits: 1, rateLimitWaitMs: 800 },
        { retries: 1, retryWaitMs: 1000, rateLimitWaits: 0, rateLimitWaitMs: 0 },
      ],
    }),
  )
  const config = await loadConfig({ cwd: dir, env: { SOURCES__CLOCKODO__API_KEY: SECRET } })
  dashboard = await serveDashboard({ pipelinesDir, config, importer, pipeline: NAME })
}, 120_000)

afterAll(async () => {
  await dashboard?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the guard', () => {
  test('binds 127.0.0.1 and prints a URL with the token', () => {
    expect(dashboard.host).toBe('127.0.0.1')
    expect(dashboard.token).toMatch(/^[0-9a-f]{64}$/)
    expect(dashboard.url).toBe(
      `http://127.0.0.1:${dashboard.port}/pipelines/${NAME}?token=${dashboard.token}`,
    )
  })

  test('every path needs the token: page, files and API', async () => {
    for (const path of [
      '/',
      `/pipelines/${NAME}`,
      '/assets/dashboard.js',
      '/api/pipelines',
      `/api/pipelines/${NAME}`,
    ]) {
      const r = await get(path, {}, false)
      expect(r.status, path).toBe(401)
      expect(await r.text()).toContain('token')
    }
    expect((await get('/api/pipelines', { headers: { authorization: 'Bearer nope' } }, false)).status).toBe(
      401,
    )
    expect((await get(`/api/pipelines?token=${dashboard.token.slice(1)}x`, {}, false)).status).toBe(401)
  })

  test('the token in the URL sets an HttpOnly SameSite=Strict cookie and leaves the address', async () => {
    const r = await get(`/pipelines/${NAME}?token=${dashboard.token}`, {}, false)
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe(`/pipelines/${NAME}`)
    const cookie = r.headers.get('set-cookie')!
    expect(cookie).toContain(`sluice_dashboard_${dashboard.port}=${dashboard.token}`)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await get(`/pipelines/${NAME}`, { headers: { cookie: cookie.split(';')[0]! } }, false)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('<script type="module" src="/assets/dashboard.js">')
  })

  test('a wrong Host header is refused (DNS rebinding), loopback names are served', async () => {
    expect(await withHost(`evil.example:${dashboard.port}`)).toBe(403)
    expect(await withHost(`127.0.0.1:${dashboard.port + 1}`)).toBe(403)
    expect(await withHost(`localhost:${dashboard.port}`)).toBe(200)
    expect(await withHost(`127.0.0.1:${dashboard.port}`)).toBe(200)
  })

  test('a request that sends data from another origin is refused', async () => {
    const r = await get(`/api/pipelines/${NAME}/query`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'select 1' }),
    })
    expect(r.status).toBe(403)
  })
})

describe('the page and the API', () => {
  test('the page files are served with their types; unknown ones are not found', async () => {
    const js = await get('/assets/dashboard.js')
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toContain('text/javascript')
    expect((await get('/assets/dashboard.css')).headers.get('content-type')).toContain('text/css')
    expect((await get('/assets/nope.js')).status).toBe(404)
    expect((await get('/assets/..%2Fpackage.json')).status).toBe(404)
  })

  test('/api/pipelines lists the pipelines with destination and last run', async () => {
    const { status, body } = await json('/api/pipelines')
    expect(status).toBe(200)
    const main = body.find((p: { name: string }) => p.name === NAME)
    expect(main.destination).toEqual({
      name: 'duckdb',
      location: join(dir, 'clockodo.duckdb'),
      datasetName: 'clockodo_data',
      updatedAt: expect.any(String),
    })
    expect(main.lastRun.status).toBe('succeeded')
    expect(body.find((p: { name: string }) => p.name === 'leaky').lastRun.status).toBe('failed')
  })

  test('/api/pipelines/NAME has the header, schema, state, trace and packages, without settings', async () => {
    const { body } = await json(`/api/pipelines/${NAME}`)
    expect(body.name).toBe(NAME)
    expect(body.status).toBe('succeeded')
    expect(body.destination.name).toBe('duckdb')
    expect(body.destination).not.toHaveProperty('config')
    expect(body.trace.steps.map((s: { step: string }) => s.step)).toEqual([
      'restore',
      'extract',
      'normalize',
      'load',
    ])
    expect(body.packages).toHaveLength(1)
    expect(body.packages[0].state).toBe('loaded')
    expect(Object.keys(body.schema.tables)).toContain('entries')
    expect(body.schemaYaml).toContain('name: clockodo')
    expect(body.state.sources.clockodo.resources.entries).toHaveProperty('since')
    const stamp = await json(`/api/pipelines/${NAME}/stamp`)
    expect(stamp.body.stamp).toBe(body.stamp)
  })

  test('row counts, a table page and paging match the dataset API', async () => {
    const counts = await withDataset((ds) => ds.rowCounts())
    expect((await json(`/api/pipelines/${NAME}/row-counts`)).body).toEqual(counts)
    const entries = counts.find((c) => c.table === 'entries')!.rows
    const first = await json(`/api/pipelines/${NAME}/tables/entries?limit=10`)
    expect(first.body.rows).toHaveLength(10)
    expect(first.body.more).toBe(entries > 10)
    const next = await json(`/api/pipelines/${NAME}/tables/entries?offset=10&limit=10`)
    const all = await withDataset((ds) => ds.table('entries').limit(20).fetchall())
    const id = first.body.columns.findIndex((c: { name: string }) => c.name === '_sluice_id')
    expect([...first.body.rows, ...next.body.rows].map((r: unknown[]) => r[id])).toEqual(
      all.map((r) => r[id]),
    )
    const last = await json(`/api/pipelines/${NAME}/tables/entries?offset=${entries - 3}&limit=10`)
    expect(last.body.rows).toHaveLength(3)
    expect(last.body.more).toBe(false)
    expect((await json(`/api/pipelines/${NAME}/tables/entries?limit=-1`)).status).toBe(400)
  })

  test('a query runs read-only with a 1000-row default limit', async () => {
    const count = await query('select count(*) as n from entries')
    expect(count.status).toBe(200)
    expect(count.body.rows[0][0]).toBe(
      await withDataset(async (ds) => (await ds.rowCounts({ tables: ['entries'] }))[0]!.rows),
    )
    const many = await query('select * from entries')
    expect(many.body.limit).toBe(1000)
    expect(many.body.rows).toHaveLength(1000)
    expect(many.body.more).toBe(true)
    expect((await query('select * from entries', 5)).body.rows).toHaveLength(5)
    for (const sql of ['drop table entries', 'delete from entries', 'create table x as select 1']) {
      const r = await query(sql)
      expect(r.status, sql).toBe(400)
      expect(r.body.error.code, sql).toMatch(/READ_ONLY|QUERY_FAILED/)
    }
    expect((await query('select count(*) from entries')).body.rows[0][0]).toBe(count.body.rows[0][0])
    const empty = await query('  ')
    expect(empty.body.error.code).toBe('QUERY_INVALID')
    const bad = await query('select nope from entries')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('nope')
  })

  test('loads: _sluice_loads of the schema newest first, and rows per table of one load', async () => {
    const { body } = await json(`/api/pipelines/${NAME}/loads`)
    const ids = await withDataset((ds) => ds.loadIds())
    const id = body.columns.findIndex((c: { name: string }) => c.name === 'load_id')
    expect(body.rows.map((r: unknown[]) => r[id])).toEqual([...ids].reverse())
    const perLoad = await json(`/api/pipelines/${NAME}/loads/${ids[0]}`)
    expect(perLoad.body).toEqual(await withDataset((ds) => ds.rowCounts({ loadId: ids[0]! })))
  })

  test('hours per user and project sum the entries of the last weeks', async () => {
    const { body } = await json(`/api/pipelines/${NAME}/hours?weeks=4`)
    expect(body.available).toBe(true)
    expect(body.weeks).toHaveLength(4)
    const seconds = await withDataset(async (ds) =>
      Number(
        await ds
          .query(`select sum(duration) from entries where time_since >= '${body.weeks[0]}'::timestamp`)
          .scalar(),
      ),
    )
    expect(body.total).toBeCloseTo(seconds / 3600, 1)
    const sum = (series: { hours: number[] }[]) => series.flatMap((s) => s.hours).reduce((a, b) => a + b, 0)
    expect(sum(body.users)).toBeCloseTo(body.total, 0)
    expect(sum(body.projects)).toBeCloseTo(body.total, 0)
    expect(body.users.length).toBeGreaterThan(0)
  })

  test('what is not there is answered clearly', async () => {
    const pipelineMissing = await json('/api/pipelines/nope')
    expect(pipelineMissing.status).toBe(404)
    expect(pipelineMissing.body.error.code).toBe('PIPELINE_UNKNOWN')
    expect(pipelineMissing.body.error.hint).toContain(NAME)
    const tableMissing = await json(`/api/pipelines/${NAME}/tables/nope`)
    expect(tableMissing.status).toBe(404)
    expect(tableMissing.body.error.code).toBe('TABLE_UNKNOWN')
    const traversal = await json('/api/pipelines/..%2F..%2Fetc/stamp')
    expect(traversal.body.error.code).toBe('PIPELINE_UNKNOWN')
    const endpoint = await json('/api/nope')
    expect(endpoint.status).toBe(404)
    expect(endpoint.body.error.code).toBe('NOT_FOUND')
  })

  test('no answer shows a secret: a failed trace holding one is redacted', async () => {
    const { body } = await json('/api/pipelines/leaky')
    expect(body.status).toBe('failed')
    expect(body.trace.error).toBe('key *** refused: check the key')
    expect(body.trace.errorCode).toBe('AUTH_FAILED')
    expect(body.trace.errorHint).toBe('check the key')
    expect(body.trace.errorStack).toBe(
      'SluiceError: key *** refused: check the key\n    at read (source.ts:1:1)',
    )
    expect(body.trace.waits).toEqual([
      { resource: 'users', retries: 2, retryWaitMs: 3500, rateLimitWaits: 1, rateLimitWaitMs: 800 },
      { retries: 1, retryWaitMs: 1000, rateLimitWaits: 0, rateLimitWaitMs: 0 },
    ])
    expect(bodies.length).toBeGreaterThan(20)
    for (const b of bodies) expect(b).not.toContain(SECRET)
  })
})
