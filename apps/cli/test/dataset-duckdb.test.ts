import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createClockodoAccount, DEFAULT_CREDENTIALS, startClockodoMock } from '@sluice/clockodo-mock'
import type { Dataset, Destination } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { clockodoSource, validateClockodoConfig } from '@sluice/source-clockodo'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { duckdbCounts, duckdbQuery, tempDir } from './cli-helpers.ts'

// The dataset API on a real engine: the SQL core generates runs through DuckDB's read-only reader and returns what
// DuckDB itself counts.
const ACCOUNT = { seed: 5, users: 3, years: 2, entriesPerWorkday: 2 }

let dir: string
let file: string
let data: Dataset
let mock: Awaited<ReturnType<typeof startClockodoMock>>

beforeAll(async () => {
  dir = await tempDir('sluice-dataset-duckdb-')
  file = join(dir, 'shop.duckdb')
  mock = await startClockodoMock({
    seed: ACCOUNT.seed,
    size: { users: ACCOUNT.users, years: ACCOUNT.years, entriesPerWorkday: ACCOUNT.entriesPerWorkday },
    rateLimits: false,
  })
  const loading: Destination = duckdb({ path: file })
  const p = pipeline({
    pipelineName: 'shop',
    destination: loading,
    datasetName: 'shop_data',
    pipelinesDir: join(dir, 'p'),
  })
  const source = clockodoSource(
    validateClockodoConfig({
      apiUser: DEFAULT_CREDENTIALS.user,
      apiKey: DEFAULT_CREDENTIALS.apiKey,
      baseUrl: mock.baseUrl,
    }),
  )
  await p.run(source)
  data = pipeline({
    pipelineName: 'shop',
    destination: loading,
    datasetName: 'shop_data',
    pipelinesDir: join(dir, 'p'),
  }).dataset()
}, 120_000)

afterAll(async () => {
  await data?.close()
  await mock?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the dataset API on DuckDB', () => {
  test('rowCounts equals what DuckDB counts, in one query', async () => {
    const counts = Object.fromEntries((await data.rowCounts()).map((c) => [c.table, c.rows]))
    expect(counts).toEqual(await duckdbCounts(file, 'shop_data'))
    expect(counts['entries']).toBe(
      createClockodoAccount({
        seed: ACCOUNT.seed,
        users: ACCOUNT.users,
        years: ACCOUNT.years,
        entriesPerWorkday: ACCOUNT.entriesPerWorkday,
      }).expectedCounts()['entries'],
    )
  })

  test('where with typed values, order, limit: the rows DuckDB returns for the same SQL by hand', async () => {
    const [[usersId, since]] = (await duckdbQuery(
      file,
      'select min(users_id)::INTEGER, min(time_since)::VARCHAR from shop_data.entries',
    )) as [[number, string]]
    const rows = await data
      .table('entries')
      .select('id', 'users_id', 'time_since', 'billable')
      .where('users_id', 'eq', String(usersId))
      .where('time_since', 'gte', new Date(since))
      .orderBy('id', 'desc')
      .limit(4)
      .rows()
    const expected = await duckdbQuery(
      file,
      `select id::INTEGER from shop_data.entries where users_id = ${usersId} order by id desc limit 4`,
    )
    expect(rows.map((r) => r['id'])).toEqual(expected.map((r) => r[0]))
    for (const r of rows) {
      expect(r['users_id']).toBe(usersId)
      expect(r['time_since']).toBeInstanceOf(Date)
      expect(typeof r['billable']).toBe('number')
    }
  })

  test('min, max and scalar; a join along the parent/child keys', async () => {
    const [[low, high]] = (await duckdbQuery(
      file,
      'select min(id)::INTEGER, max(id)::INTEGER from shop_data.entries',
    )) as [[number, number]]
    expect(await data.table('entries').min('id').scalar()).toBe(low)
    expect(await data.table('entries').max('id').scalar()).toBe(high)
    const joined = await data
      .table('projects')
      .join('projects__service_assignments')
      .select('id', 'projects__service_assignments.value')
      .rows()
    const [[pairs]] = (await duckdbQuery(
      file,
      'select count(*)::INTEGER from shop_data.projects p join shop_data.projects__service_assignments s on s._sluice_parent_id = p._sluice_id',
    )) as [[number]]
    expect(joined).toHaveLength(pairs)
    expect(Object.keys(joined[0]!)).toEqual(['id', 'projects__service_assignments__value'])
  })

  test('loads: loadIds, latestLoadId and fromLoads', async () => {
    const ids = await data.loadIds()
    expect(ids).toHaveLength(1)
    expect(await data.latestLoadId()).toBe(ids[0])
    const [[all]] = (await duckdbQuery(file, 'select count(*)::INTEGER from shop_data.users')) as [[number]]
    expect(await data.table('users').fromLoads(ids).rows()).toHaveLength(all)
    expect(await data.table('users').fromLoads(['0.000001']).rows()).toEqual([])
    expect((await data.rowCounts({ tables: ['users'], loadId: ids[0] }))[0]?.rows).toBe(all)
  })

  test('iterRows streams in chunks of the size asked; a query in the dialect resolves unqualified names', async () => {
    const sizes: number[] = []
    for await (const chunk of data.table('entries').select('id').iterRows({ chunkSize: 100 }))
      sizes.push(chunk.length)
    expect(Math.max(...sizes)).toBe(100)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe((await data.rowCounts({ tables: ['entries'] }))[0]?.rows)
    expect(await data.query('select count(*) as n from entries').scalar()).toBe(
      sizes.reduce((a, b) => a + b, 0),
    )
  })

  test('head (5 by default), in, isNull and a SQL fragment: the rows DuckDB returns by hand', async () => {
    const byHand = async (sql: string) => (await duckdbQuery(file, sql)).map((r) => r[0]) as number[]
    expect((await data.table('entries').head().rows()).length).toBe(5)
    expect((await data.table('entries').head(2).fetchall()).length).toBe(2)
    const ids = await byHand('select id::INTEGER from shop_data.entries order by id limit 3')
    const picked = await data.table('entries').select('id').where('id', 'in', ids).orderBy('id').rows()
    expect(picked.map((r) => r['id'])).toEqual(ids)
    const noText = await data.table('entries').where('text', 'isNull').select('id').rows()
    expect(noText.length).toBe(
      (await byHand('select count(*)::INTEGER from shop_data.entries where text is null'))[0],
    )
    const fragment = await data
      .table('entries')
      .where('duration > 3600 and billable = 1')
      .select('id')
      .orderBy('id')
      .rows()
    expect(fragment.length).toBeGreaterThan(0)
    expect(fragment.map((r) => r['id'])).toEqual(
      await byHand(
        'select id::INTEGER from shop_data.entries where duration > 3600 and billable = 1 order by id',
      ),
    )
  })

  test('query takes one statement and never writes: both fail with READ_ONLY, the data unchanged', async () => {
    const before = await duckdbCounts(file, 'shop_data')
    for (const sql of ['select 1; select 2', 'delete from entries', 'create table x as select 1 as n']) {
      await expect(data.query(sql).rows(), sql).rejects.toMatchObject({ code: 'READ_ONLY' })
    }
    expect(await duckdbCounts(file, 'shop_data')).toEqual(before)
  })

  test('arrow(): the columns of a table, typed', async () => {
    const table = await data.table('users').select('id', 'name').arrow()
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['id:Int64', 'name:Utf8'])
    expect(table.numRows).toBe((await data.rowCounts({ tables: ['users'] }))[0]?.rows)
  })
})
