import { isSluiceError, type ReaderChunk, type SqlReader } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redshift } from '../src/index.ts'
import { admin, compatUrl, dropDataset } from './redshift-helpers.ts'

// The dataset API's read-only path on the compatibility-profile database: BEGIN READ ONLY, the dataset as
// search_path, one statement per query through the extended protocol, a cursor fetching chunkSize rows at a time.
const DATASET = 'reader_ds'
let reader: SqlReader

beforeAll(async () => {
  await dropDataset(DATASET)
  await admin(`CREATE SCHEMA ${DATASET}`)
  await admin(
    `CREATE TABLE ${DATASET}.items (id bigint, name varchar(65535), ratio double precision, ok boolean, at timestamp with time zone, day date, clock time without time zone, money numeric(12,2), meta super, blob varbinary)`,
  )
  await admin(
    `INSERT INTO ${DATASET}.items SELECT g, 'n' || g, g / 4.0, g % 2 = 0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', date '2024-01-01' + g, time '12:00:00', g * 1.5, json_parse('{"g":' || g || '}'), to_varbyte('aGk=', 'base64') FROM generate_series(1, 2500) AS g`,
  )
  reader = await redshift({ credentials: compatUrl() }).openReader!({ datasetName: DATASET })
})
afterAll(async () => {
  await reader?.close()
  await reader?.close()
  await dropDataset(DATASET)
})

async function all(sql: string, params: unknown[] = [], chunkSize?: number): Promise<ReaderChunk[]> {
  const out: ReaderChunk[] = []
  for await (const chunk of reader.query(sql, params, chunkSize ? { chunkSize } : {})) out.push(chunk)
  return out
}

async function failure(sql: string): Promise<unknown> {
  return all(sql).then(
    () => undefined,
    (e: unknown) => e,
  )
}

describe('redshift reader', () => {
  it('resolves unqualified names to the dataset and returns typed values with their columns', async () => {
    const [chunk] = await all('SELECT * FROM items WHERE id = $1', [2])
    expect(chunk?.columns.map((c) => [c.name, c.dataType])).toEqual([
      ['id', 'bigint'],
      ['name', 'text'],
      ['ratio', 'double'],
      ['ok', 'bool'],
      ['at', 'timestamp'],
      ['day', 'date'],
      ['clock', 'time'],
      ['money', 'decimal'],
      ['meta', 'json'],
      ['blob', 'binary'],
    ])
    expect(chunk?.rows).toEqual([
      [
        2n,
        'n2',
        0.5,
        true,
        new Date('2024-01-01T02:00:00Z'),
        '2024-01-03',
        '12:00:00',
        '3.00',
        { g: 2 },
        new Uint8Array([104, 105]),
      ],
    ])
    expect(reader.dialect.table('items')).toBe('"reader_ds"."items"')
    expect(reader.dialect.param(2)).toBe('$2')
  })

  it('streams in chunks of chunkSize; the first chunk carries the columns even without rows', async () => {
    const chunks = await all('SELECT id FROM items ORDER BY id', [], 1000)
    expect(chunks.map((c) => c.rows.length)).toEqual([1000, 1000, 500])
    expect(chunks.flatMap((c) => c.rows.map((r) => r[0]))).toHaveLength(2500)
    const empty = await all('SELECT id, count(*) AS n FROM items WHERE id < 0 GROUP BY id')
    expect(empty).toHaveLength(1)
    expect(empty[0]?.rows).toEqual([])
    expect(empty[0]?.columns.map((c) => c.name)).toEqual(['id', 'n'])
  })

  it('refuses writes and several statements with READ_ONLY, and changes nothing', async () => {
    for (const sql of [
      'INSERT INTO items (id) VALUES (-1)',
      'DELETE FROM items',
      'CREATE TABLE sneaky (x int)',
      'SELECT 1; DELETE FROM items',
    ]) {
      const error = await failure(sql)
      expect(isSluiceError(error, 'READ_ONLY'), sql).toBe(true)
    }
    expect(await admin(`SELECT count(*)::int AS n FROM ${DATASET}.items`)).toEqual([{ n: 2500 }])
    expect(await admin(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'sneaky'`)).toEqual([
      { n: 0 },
    ])
  })

  it('reports what the engine refuses as QUERY_FAILED, and keeps working after it', async () => {
    const error = await failure('SELECT nope FROM items')
    expect(isSluiceError(error, 'QUERY_FAILED')).toBe(true)
    expect((error as Error).message).toMatch(/column "nope" does not exist/)
    const [chunk] = await all('SELECT count(*) AS n FROM items')
    expect(chunk?.rows).toEqual([[2500n]])
  })

  it('ends a query that runs past the statement timeout', async () => {
    const slow = await redshift({ credentials: compatUrl(), readTimeoutMs: 200 }).openReader!({
      datasetName: DATASET,
    })
    try {
      const error = await (async () => {
        for await (const _ of slow.query('SELECT pg_sleep(5)')) void _
      })().catch((e: unknown) => e)
      expect(isSluiceError(error, 'QUERY_FAILED')).toBe(true)
      expect((error as Error).message).toMatch(/statement timeout/)
    } finally {
      await slow.close()
    }
  })

  it('stops a query whose signal aborts', async () => {
    const controller = new AbortController()
    const seen: number[] = []
    const error = await (async () => {
      for await (const chunk of reader.query('SELECT id FROM items', [], {
        chunkSize: 100,
        signal: controller.signal,
      })) {
        seen.push(chunk.rows.length)
        controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(isSluiceError(error, 'RUN_ABORTED')).toBe(true)
    expect(seen).toEqual([100])
    const [chunk] = await all('SELECT 1 AS one')
    expect(chunk?.rows).toEqual([[1n]])
  })
})
