import { existsSync } from 'node:fs'
import type { SqlReader } from '@sluice/core/destination'
import { loadOnce, open, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgres, quotePostgresIdentifier as q } from '../src/index.ts'
import { admin, loggedStatements, serverUrl, uniqueName, urlWith } from './postgres-helpers.ts'

// What the PostgreSQL reader lets through beyond the conformance suite: statements only PostgreSQL has (COPY TO
// PROGRAM, DO, SET, functions that write), the statement timeout, cancelling, and what it sends the server.
const dataset = uniqueName('reader')
const app = uniqueName('reader_app')
let reader: SqlReader
const outside = `/tmp/${uniqueName('sluice_reader_pwned')}`

beforeAll(async () => {
  const destination = postgres({ credentials: serverUrl() })
  const client = await open(destination, dataset)
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
  await admin(`CREATE SEQUENCE ${q(dataset)}.seq`)
  await admin(
    `CREATE FUNCTION ${q(dataset)}.sneaky() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${q(dataset)}.items (id) VALUES (99); RETURN 1; END $$`,
  )
  await admin(`CREATE TABLE IF NOT EXISTS public.reader_outside_only (x int)`)
  reader = await postgres({ credentials: urlWith({ query: `application_name=${app}` }) }).openReader!({
    datasetName: dataset,
  })
})
afterAll(async () => {
  await reader?.close()
  await admin(
    `DROP SCHEMA IF EXISTS ${q(dataset)} CASCADE; DROP SCHEMA IF EXISTS ${q(`${dataset}_staging`)} CASCADE`,
  )
})

async function all(r: SqlReader, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const chunk of r.query(sql, params)) rows.push(...chunk.rows.map((x) => [...x]))
  return rows
}

async function refusal(r: SqlReader, sql: string): Promise<{ code: string; message: string }> {
  try {
    await all(r, sql)
  } catch (error) {
    return error as { code: string; message: string }
  }
  throw new Error(`${sql}: expected an error, the query succeeded`)
}

describe('postgres reader', () => {
  it('refuses every statement that is not a query, and queries that write', async () => {
    const statements = [
      'copy items to stdout',
      `copy (select 1) to '${outside}'`,
      `copy (select 1) to program 'touch ${outside}'`,
      'do $$ begin insert into items (id) values (9); end $$',
      'set search_path to public',
      'set role postgres',
      'begin',
      'commit',
      'vacuum items',
      'truncate items',
      'with gone as (delete from items returning *) select * from gone',
      'select * from items for update',
      "select set_config('transaction_read_only', 'off', true)",
      'select sneaky()',
      "select nextval('seq')",
      'select 1; delete from items',
      '  -- a comment first\n  /* and another */ delete from items where true',
    ]
    for (const sql of statements) {
      const error = await refusal(reader, sql)
      expect({ sql, code: error.code }, error.message).toEqual({ sql, code: 'READ_ONLY' })
    }
    expect(existsSync(outside)).toBe(false)
    expect(await admin(`SELECT count(*)::int AS n FROM ${q(dataset)}.items`)).toEqual([{ n: 3 }])
    expect(await all(reader, 'select id from items order by id')).toEqual([[1n], [2n], [3n]])
  })

  it('resolves unqualified names to the dataset only', async () => {
    const error = await refusal(reader, 'select * from reader_outside_only')
    expect(error.code).toBe('QUERY_FAILED')
    expect(error.message).toContain('reader_outside_only')
    expect(await all(reader, 'select count(*) from public.reader_outside_only')).toEqual([[0n]])
  })

  it('runs each query in a read-only transaction with a timeout, as a cursor fetched in chunks', async () => {
    let rows = 0
    for await (const chunk of reader.query('select g from generate_series(1, 2500) g where g > $1', [0], {
      chunkSize: 1000,
    })) {
      rows += chunk.rows.length
    }
    expect(rows).toBe(2500)
    const logged = await loggedStatements(app)
    if (logged === undefined) {
      console.info('[test] an external server: its statement log is not read')
      return
    }
    expect(logged).toEqual(
      expect.arrayContaining([
        `BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = 60000; SET LOCAL TIME ZONE 'UTC'; SET LOCAL search_path TO ${q(dataset)}`,
        'DECLARE sluice_reader NO SCROLL CURSOR FOR select g from generate_series(1, 2500) g where g > $1',
      ]),
    )
    expect(logged.filter((s) => s === 'FETCH FORWARD 1000 FROM sluice_reader').length).toBeGreaterThanOrEqual(
      3,
    )
    expect(logged.some((s) => /delete|drop|insert/i.test(s))).toBe(false)
  })

  it('stops a statement at the timeout, and cancels it when the signal aborts', async () => {
    const quick = await postgres({ credentials: serverUrl(), reader: { statementTimeoutMs: 200 } })
      .openReader!({
      datasetName: dataset,
    })
    try {
      const started = Date.now()
      const error = await refusal(quick, 'select pg_sleep(5)')
      expect(error.code).toBe('QUERY_FAILED')
      expect(error.message).toContain('200 ms')
      expect(Date.now() - started).toBeLessThan(4000)
    } finally {
      await quick.close()
    }
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 200)
    const stopped = await (async () => {
      try {
        for await (const _ of reader.query('select pg_sleep(5)', [], { signal: controller.signal })) void _
      } catch (error) {
        return error
      }
      return undefined
    })()
    expect(stopped).toMatchObject({ code: 'RUN_ABORTED' })
    expect(Date.now() - started).toBeLessThan(4000)
    const busy = await admin(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`,
      [app],
    )
    expect(busy).toEqual([{ n: 0 }])
    expect(await all(reader, 'select 1')).toEqual([[1n]])
  }, 20_000)

  it('closes with queries still open, and says what is wrong without the password', async () => {
    const other = await postgres({ credentials: serverUrl() }).openReader!({ datasetName: dataset })
    const iterator = other
      .query('select g from generate_series(1, 5000) g', [], { chunkSize: 10 })
      [Symbol.asyncIterator]()
    expect((await iterator.next()).done).toBe(false)
    await other.close()
    await expect(iterator.next()).rejects.toThrow()
    await expect(
      postgres({ credentials: serverUrl() }).openReader!({ datasetName: uniqueName('missing') }),
    ).rejects.toMatchObject({ code: 'DESTINATION_DATABASE_MISSING' })
    const wrong = postgres({ credentials: urlWith({ password: 'wrong-secret-4711' }) }).openReader!({
      datasetName: dataset,
    })
    const error = await wrong.catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'DESTINATION_AUTH' })
    expect((error as Error).message).not.toContain('wrong-secret-4711')
  })
})
