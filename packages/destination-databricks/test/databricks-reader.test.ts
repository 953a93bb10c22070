import type { ReaderChunk, SqlReader } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { type DatabricksOptions, databricks } from '../src/index.ts'
import { FakeDatabricks } from './databricks-fake.ts'

// The dataset reader: read-only queries through the SQL Statement Execution API, values by sluice type, chunks
// fetched as iterated, the row limit, and writes refused by the engine before they run.
const fake = new FakeDatabricks({ chunkRows: 3 })
const DATASET = 'reader_ds'
const options = (extra: DatabricksOptions = {}): DatabricksOptions => ({
  serverHostname: fake.url,
  httpPath: fake.httpPath,
  catalog: 'main',
  accessToken: 'dapi-fake-token',
  http: { pollMs: 1, backoffMs: 1 },
  ...extra,
})

const all = table('all_types', [
  { name: 'k', dataType: 'bigint' },
  { name: 'c_text', dataType: 'text' },
  { name: 'c_bigint', dataType: 'bigint' },
  { name: 'c_double', dataType: 'double' },
  { name: 'c_bool', dataType: 'bool' },
  { name: 'c_timestamp', dataType: 'timestamp' },
  { name: 'c_date', dataType: 'date' },
  { name: 'c_time', dataType: 'time' },
  { name: 'c_decimal', dataType: 'decimal', precision: 10, scale: 2 },
  { name: 'c_json', dataType: 'json' },
  { name: 'c_binary', dataType: 'binary' },
])

beforeAll(async () => {
  await fake.start()
  const client = await open(databricks(options()), DATASET)
  await loadOnce(client, [
    {
      table: all,
      rows: [
        {
          k: 1,
          c_text: 'Grüße "x"',
          c_bigint: '9007199254740993',
          c_double: 1.5,
          c_bool: true,
          c_timestamp: '2024-02-29T23:59:58.123Z',
          c_date: '2024-02-29',
          c_time: '13:14:15.5',
          c_decimal: '12345678.91',
          c_json: { a: [1, 'two'] },
          c_binary: btoa('hi\u0000'),
          _sluice_load_id: 'l',
          _sluice_id: 'r1',
        },
        ...[2, 3, 4, 5, 6, 7].map((k) => ({ k, _sluice_load_id: 'l', _sluice_id: `r${k}` })),
      ],
    },
  ])
  await client[Symbol.asyncDispose]()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

async function reader(extra: DatabricksOptions = {}): Promise<SqlReader> {
  const destination = databricks(options(extra))
  const r = await destination.openReader?.({ datasetName: DATASET })
  if (!r) throw new Error('no reader')
  onTestFinished(() => r.close())
  return r
}

async function collect(chunks: AsyncIterable<ReaderChunk>): Promise<ReaderChunk[]> {
  const out: ReaderChunk[] = []
  for await (const c of chunks) out.push(c)
  return out
}

describe('the databricks reader', () => {
  it('spells SQL for the dataset: backticks, :pN markers, dataset-qualified tables', async () => {
    const r = await reader()
    expect(r.dialect.name).toBe('databricks')
    expect(r.dialect.table('all_types')).toBe('`reader_ds`.`all_types`')
    expect(r.dialect.param(2)).toBe(':p2')
    expect(r.dialect.quoteIdentifier('a`b')).toBe('`a``b`')
  })

  it('returns values by sluice type, unqualified names resolving to the dataset', async () => {
    const r = await reader()
    const [chunk] = await collect(r.query(`SELECT * FROM all_types WHERE k = ${r.dialect.param(1)}`, [1]))
    const sent = fake.statements.at(-1)
    expect(sent?.statement).toBe(
      'SELECT * FROM (\nSELECT * FROM all_types WHERE k = :p1\n) AS `_sluice_query`',
    )
    expect(sent?.schema).toBe(DATASET)
    expect(sent?.rowLimit).toBe(100_000)
    expect(sent?.parameters).toEqual([{ name: 'p1', value: '1', type: 'BIGINT' }])
    const types = Object.fromEntries(chunk?.columns.map((c) => [c.name, c.dataType]) ?? [])
    expect(types).toMatchObject({
      k: 'bigint',
      c_text: 'text',
      c_double: 'double',
      c_bool: 'bool',
      c_timestamp: 'timestamp',
      c_date: 'date',
      c_time: 'text',
      c_decimal: 'decimal',
      c_json: 'text',
      c_binary: 'binary',
    })
    const value = Object.fromEntries(chunk?.columns.map((c, i) => [c.name, chunk.rows[0]?.[i]]) ?? [])
    expect(value).toMatchObject({
      k: 1n,
      c_text: 'Grüße "x"',
      c_bigint: 9007199254740993n,
      c_double: 1.5,
      c_bool: true,
      c_timestamp: new Date('2024-02-29T23:59:58.123Z'),
      c_date: '2024-02-29',
      c_time: '13:14:15.5',
      c_decimal: '12345678.91',
      c_json: '{"a":[1,"two"]}',
      c_binary: new Uint8Array([104, 105, 0]),
    })
  })

  it('yields chunks of chunkSize, fetching result chunks as it goes; an empty result still has its columns', async () => {
    const r = await reader()
    const chunks = await collect(r.query('SELECT k FROM all_types ORDER BY k;', [], { chunkSize: 2 }))
    expect(chunks.map((c) => c.rows.map((row) => row[0]))).toEqual([[1n, 2n], [3n, 4n], [5n, 6n], [7n]])
    const empty = await collect(r.query('SELECT k FROM all_types WHERE k > 100 -- nothing'))
    expect(empty).toEqual([{ columns: [{ name: 'k', dataType: 'bigint', nativeType: 'bigint' }], rows: [] }])
  })

  it('refuses a result over the row limit before yielding a row', async () => {
    const r = await reader({ reader_row_limit: 5 })
    const e = await collect(r.query('SELECT k FROM all_types')).catch((x: unknown) => x)
    expect(isSluiceError(e, 'QUERY_FAILED')).toBe(true)
    expect(String(e)).toMatch(/more than 5 rows.*reader_row_limit/)
  })

  it('writes, DDL and several statements fail with READ_ONLY and change nothing', async () => {
    const r = await reader()
    for (const sql of [
      'DELETE FROM all_types',
      'DROP TABLE all_types',
      'INSERT INTO all_types (k) VALUES (99)',
      'UPDATE all_types SET k = 0',
      'SELECT 1; DROP TABLE all_types',
    ]) {
      const e = await collect(r.query(sql)).catch((x: unknown) => x)
      expect(isSluiceError(e, 'READ_ONLY'), sql).toBe(true)
    }
    expect((await readRows(fake.admin, DATASET, 'all_types')).length).toBe(7)
  })

  it('a query the engine refuses is QUERY_FAILED with its message', async () => {
    const r = await reader()
    const e = await collect(r.query('SELECT * FROM no_such_table')).catch((x: unknown) => x)
    expect(isSluiceError(e, 'QUERY_FAILED')).toBe(true)
    expect(String(e)).toMatch(/TABLE_OR_VIEW_NOT_FOUND/)
  })

  it('an aborted query cancels the statement and fails with RUN_ABORTED', async () => {
    fake.script({ match: /slow_query/, hold: true, times: 1 })
    const r = await reader()
    const controller = new AbortController()
    const running = collect(r.query('SELECT 1 AS slow_query', [], { signal: controller.signal }))
    await expect.poll(() => fake.sql(/slow_query/).length).toBe(1)
    controller.abort(new Error('enough'))
    const e = await running.catch((x: unknown) => x)
    expect(isSluiceError(e, 'RUN_ABORTED')).toBe(true)
    const id = fake.statements.find((s) => s.statement.includes('slow_query'))?.id
    await expect.poll(() => fake.cancels.includes(id as string)).toBe(true)
  })

  it('a signal aborted between chunks stops the query with RUN_ABORTED before the next chunk', async () => {
    const r = await reader()
    const controller = new AbortController()
    const iterator = r
      .query('SELECT k FROM all_types ORDER BY k', [], { chunkSize: 1, signal: controller.signal })
      [Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(first.value?.rows).toEqual([[1n]])
    controller.abort(new Error('enough'))
    // row 2 is in the result chunk already fetched: it must not be yielded after the abort
    const e = await iterator.next().catch((x: unknown) => x)
    expect(isSluiceError(e, 'RUN_ABORTED'), String(e)).toBe(true)
    expect(String((e as Error).cause)).toContain('enough')
    const [again] = await collect(r.query('SELECT count(*) AS n FROM all_types'))
    expect(again?.rows).toEqual([[7n]])
  })
})
