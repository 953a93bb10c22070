import type { SqlReader } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SnowflakeOptions, snowflake } from '../src/index.ts'
import { FakeSnowflake } from './snowflake-fake.ts'

// What the Snowflake reader sends, asserted on the fake server: a session of its own (the reader role, UTC, its
// schema), each query compiled inside SELECT * FROM (...) before it runs, one statement per request, and a
// statement cancelled on abort.
const fake = new FakeSnowflake({ users: { LOADER: 'secret', REPORTER: 'secret' }, hold: /sleep_forever/ })
let reader: SqlReader
const base = (): SnowflakeOptions => ({
  account: 'testorg-testaccount',
  user: 'LOADER',
  password: 'secret',
  database: 'ANALYTICS',
  warehouse: 'LOAD_WH',
  role: 'LOADER_ROLE',
  accessUrl: fake.url,
})

beforeAll(async () => {
  await fake.start()
  const client = await open(snowflake(base()), 'shop')
  try {
    const items = table('items', [
      { name: 'id', dataType: 'bigint' },
      { name: 'name', dataType: 'text' },
    ])
    const rows = [1, 2, 3].map((id) => ({ id, name: `n${id}`, _sluice_load_id: 'l', _sluice_id: `i${id}` }))
    await loadOnce(client, [{ table: items, rows }])
  } finally {
    await client[Symbol.asyncDispose]()
  }
  reader = await snowflake({ ...base(), reader_role: 'REPORTER_ROLE' }).openReader!({ datasetName: 'shop' })
})
afterAll(async () => {
  await reader?.close()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

async function all(sql: string, params: unknown[] = []): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const chunk of reader.query(sql, params)) rows.push(...chunk.rows.map((r) => [...r]))
  return rows
}

const received = (sql: string) =>
  fake.statements.filter((s) => s.sql === sql || s.sql === `SELECT * FROM (\n${sql}\n)`)

describe('snowflake reader', () => {
  it('opens a session of its own with the reader role, in UTC, on the dataset', async () => {
    const login = fake.logins.at(-1) ?? {}
    expect((login['query'] as Record<string, string>)['roleName']).toBe('REPORTER_ROLE')
    const session = fake.statements.at(-1)?.session
    expect(fake.statements.filter((s) => s.session === session).map((s) => s.sql)).toEqual([
      "ALTER SESSION SET TIMEZONE = 'UTC', QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE, TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF6'",
      'USE SCHEMA "SHOP"',
    ])
  })

  it('compiles each query as a subquery first, then runs it as written, one statement per request', async () => {
    const sql = 'select id, name from items where id >= :1 order by id desc'
    expect(await all(`${sql};`, [2n])).toEqual([
      [3n, 'n3'],
      [2n, 'n2'],
    ])
    const [check, run] = received(sql)
    expect(check).toMatchObject({ sql: `SELECT * FROM (\n${sql}\n)`, describeOnly: true, binds: ['2'] })
    expect(run).toMatchObject({ sql, describeOnly: false, binds: ['2'] })
    for (const s of [check, run]) expect(s?.parameters).toEqual({ MULTI_STATEMENT_COUNT: 1 })
  })

  it('runs nothing that is not one query', async () => {
    for (const sql of [
      'delete from items where true',
      'drop table items',
      'select 1) x; drop table items; select * from (select 1',
      'select 1; select 2',
    ]) {
      await expect(all(sql)).rejects.toMatchObject({ code: 'READ_ONLY' })
      expect(received(sql).every((s) => s.describeOnly)).toBe(true)
    }
    expect((await readRows(fake.admin, 'SHOP', 'ITEMS')).length).toBe(3)
    await expect(all('select * from no_such_table')).rejects.toMatchObject({ code: 'QUERY_FAILED' })
  })

  it('cancels the running statement when the signal aborts', async () => {
    const controller = new AbortController()
    const pending = (async () => {
      for await (const _ of reader.query('select 1 as sleep_forever', [], { signal: controller.signal }))
        void _
    })()
    await expect.poll(() => received('select 1 as sleep_forever').length).toBe(2)
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'RUN_ABORTED' })
    expect(fake.aborted.length).toBe(1)
    expect(await all('select count(*) as n from items')).toEqual([[3n]])
  })

  it('says when the dataset is not there', async () => {
    await expect(snowflake(base()).openReader!({ datasetName: 'nope' })).rejects.toMatchObject({
      code: 'DESTINATION_DATABASE_MISSING',
    })
  })
})
