// The COPY load path: every type through csv and jsonl job files, a csv file of fewer columns, an abort, a value
// the column cannot take (named with its row), and no INSERT ... VALUES on the way.
import type { Column } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres, type PostgresSqlClient, parsePostgresCredentials } from '../src/index.ts'
import { jobFile, table } from './postgres-fixtures.ts'
import { admin, loggedStatements, uniqueName, urlWith } from './postgres-helpers.ts'

const typed: Column[] = [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
  { name: 'price', dataType: 'decimal', precision: 10, scale: 2 },
  { name: 'ratio', dataType: 'double' },
  { name: 'ok', dataType: 'bool' },
  { name: 'at', dataType: 'timestamp' },
  { name: 'day', dataType: 'date' },
  { name: 'clock', dataType: 'time' },
  { name: 'doc', dataType: 'json' },
  { name: 'raw', dataType: 'binary' },
]

const rows = [
  {
    id: 1,
    name: 'tab\there, "quoted", comma, new\nline \\ back',
    price: '12.34',
    ratio: 0.5,
    ok: true,
    at: '2024-03-01T10:11:12.123456Z',
    day: '2024-03-01',
    clock: '08:30:00',
    doc: { a: [1, 2], b: 'x,y' },
    raw: 'AQL/',
  },
  {
    id: '9007199254740993',
    name: '',
    price: null,
    ratio: -1.25e10,
    ok: false,
    at: null,
    day: null,
    clock: null,
    doc: [1],
    raw: null,
  },
  { id: 3, name: null },
]

const expected = [
  {
    id: '1',
    name: 'tab\there, "quoted", comma, new\nline \\ back',
    price: '12.34',
    ratio: '0.5',
    ok: 'true',
    at: '2024-03-01 10:11:12.123456+00',
    day: '2024-03-01',
    clock: '08:30:00',
    doc: '{"a": [1, 2], "b": "x,y"}',
    raw: '\\x0102ff',
  },
  {
    id: '3',
    name: null,
    price: null,
    ratio: null,
    ok: null,
    at: null,
    day: null,
    clock: null,
    doc: null,
    raw: null,
  },
  {
    id: '9007199254740993',
    name: '',
    price: null,
    ratio: '-12500000000',
    ok: 'false',
    at: null,
    day: null,
    clock: null,
    doc: '[1]',
    raw: null,
  },
]

describe('COPY load path', () => {
  let client: PostgresSqlClient
  const schema = uniqueName('copy')
  const app = uniqueName('app')

  beforeAll(async () => {
    client = await connectPostgres({
      params: parsePostgresCredentials(urlWith({ query: `application_name=${app}` })),
    })
    const defs = typed.map((c) => `"${c.name}" ${client.dialect.columnType(c)}`).join(', ')
    await admin(`CREATE SCHEMA ${schema}`)
    for (const t of ['from_jsonl', 'from_csv']) {
      await admin(`CREATE TABLE ${schema}.${t} (${defs}, _sluice_load_id varchar, _sluice_id varchar)`)
    }
  })
  afterAll(async () => {
    await client?.[Symbol.asyncDispose]()
  })

  for (const format of ['jsonl', 'csv'] as const) {
    it(`loads every type from ${format} through COPY`, async () => {
      const t = table(`from_${format}`, typed)
      const job = await jobFile('1', t, rows, format)
      const loaded = await client.bulkLoad(
        {
          file: job.file,
          format,
          qualifiedTable: `"${schema}"."from_${format}"`,
          columns: t.columns,
          rows: rows.length,
        },
        new AbortController().signal,
      )
      expect(loaded).toBe(3)
      await admin(`SET TimeZone = 'UTC'`)
      const got = await admin(
        `SELECT ${typed.map((c) => `${c.name}::text AS ${c.name}`).join(', ')} FROM ${schema}.from_${format} ORDER BY id::numeric`,
      )
      // timestamptz text depends on the session time zone; compare instants instead.
      const at = await admin<{ at: string | null }>(
        `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at FROM ${schema}.from_${format} ORDER BY id::numeric`,
      )
      expect(at.map((r) => r.at)).toEqual(['2024-03-01 10:11:12.123456', null, null])
      expect(got.map((r) => ({ ...r, at: r.at === null ? null : 'x' }))).toEqual(
        expected.map((r) => ({ ...r, at: r.at === null ? null : 'x' })),
      )
    })
  }

  it('loads only the columns a csv file has (files written before columns were added)', async () => {
    const t = table('from_csv', typed)
    const job = await jobFile('2', table('from_csv', typed.slice(0, 2)), [{ id: 10, name: 'short' }], 'csv')
    const loaded = await client.bulkLoad(
      {
        file: job.file,
        format: 'csv',
        qualifiedTable: `"${schema}"."from_csv"`,
        columns: t.columns,
        rows: 1,
      },
      new AbortController().signal,
    )
    expect(loaded).toBe(1)
    expect(await admin(`SELECT name, ok FROM ${schema}.from_csv WHERE id = 10`)).toEqual([
      { name: 'short', ok: null },
    ])
  })

  it('stops a load when the signal aborts, and rejects bad data with the row context', async () => {
    const t = table('from_jsonl', typed)
    const controller = new AbortController()
    controller.abort(new Error('stop now'))
    const load = async (data: Record<string, unknown>[], signal: AbortSignal) => {
      const job = await jobFile('3', t, data)
      const into = {
        format: 'jsonl' as const,
        qualifiedTable: `"${schema}"."from_jsonl"`,
        columns: t.columns,
      }
      return client.bulkLoad({ ...into, file: job.file, rows: data.length }, signal)
    }
    await expect(load(rows, controller.signal)).rejects.toThrow('stop now')
    await expect(load([{ id: 'not a number' }], new AbortController().signal)).rejects.toMatchObject({
      code: 'DESTINATION_DATA',
      message: expect.stringContaining('COPY from_jsonl, line 1'),
    })
  })

  it('never sends INSERT ... VALUES for data: the server log shows COPY', async () => {
    const statements = await loggedStatements(app)
    if (statements === undefined) {
      console.warn('SLUICE_TEST_POSTGRES_URL is set: no server log to inspect, checked the row counts only')
      return
    }
    expect(statements.filter((s) => /^COPY /.test(s)).length).toBeGreaterThanOrEqual(4)
    expect(statements.filter((s) => /\bINSERT\b[\s\S]*\bVALUES\b/i.test(s))).toEqual([])
  })
})
