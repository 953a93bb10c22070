import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { SqlReader } from '@sluice/core/destination'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FilesystemOptions, filesystem } from '../src/index.ts'
import { preparePackage, runPackage, schema, state, table, tempDir } from './helpers.ts'

// What the filesystem reader sees beyond the query suite: only completed loads, schema evolution across
// formats, replaced files gone, the system tables, loads after it opened, locked-down file access, and on S3
// only the files of the tables a query names.
const root = await tempDir('sluice-fs-reader-')
const jobs = await tempDir('sluice-fs-reader-jobs-')
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(jobs, { recursive: true, force: true })
})

const v1 = table('items', [
  ['id', 'bigint'],
  ['name', 'text'],
])
const v2 = table('items', [
  ['id', 'bigint'],
  ['name', 'text'],
  ['score', 'double'],
  ['raw', 'binary'],
])
const snap = table('snap', [['id', 'bigint']], 'replace')

async function all(reader: SqlReader, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const chunk of reader.query(sql, params)) rows.push(...chunk.rows.map((r) => [...r]))
  return rows
}

async function refusal(reader: SqlReader, sql: string): Promise<{ code: string; message: string }> {
  try {
    await all(reader, sql)
  } catch (error) {
    return error as { code: string; message: string }
  }
  throw new Error(`${sql}: expected an error, the query succeeded`)
}

/** Loads: items in jsonl, then (schema v2) in parquet and in gzip csv, and a replaced table; one load left open. */
async function loadHistory(options: Omit<FilesystemOptions, 'format'>): Promise<void> {
  const as = (format: 'jsonl' | 'parquet' | 'csv', gzip = false) =>
    filesystem({ ...options, format, ...(gzip ? { compression: 'gzip' as const } : {}) }).createClient({
      datasetName: 'shop',
      pipelineName: 'p',
      emit: () => {},
    })
  const first = await as('jsonl')
  await runPackage(first, jobs, {
    loadId: '1700000001.1',
    schema: schema([v1, snap], 'h1'),
    tables: [
      { table: v1, rows: [{ id: 1, name: 'a' }] },
      { table: snap, rows: [{ id: 10 }] },
    ],
    state: state('p', '1700000001.1', 'first'),
  })
  await first[Symbol.asyncDispose]()
  const second = await as('parquet')
  await runPackage(second, jobs, {
    loadId: '1700000002.1',
    schema: schema([v2, snap], 'h2'),
    tables: [
      { table: v2, rows: [{ id: 2, name: 'b', score: 0.5, raw: btoa('hi') }] },
      { table: snap, rows: [{ id: 20 }] },
    ],
  })
  await second[Symbol.asyncDispose]()
  const third = await as('csv', true)
  await runPackage(third, jobs, {
    loadId: '1700000003.1',
    schema: schema([v2, snap], 'h2'),
    tables: [{ table: v2, rows: [{ id: 3, name: '', score: null, raw: btoa('yo') }] }],
  })
  // a load that never completes: its files must stay invisible
  const { load, jobs: open } = await preparePackage(jobs, {
    loadId: '1700000004.1',
    schema: schema([v2, snap], 'h2'),
    tables: [{ table: v2, rows: [{ id: 4, name: 'ghost' }] }],
  })
  await third.startLoad(load)
  for (const job of open) await third.load(job, new AbortController().signal)
  await third[Symbol.asyncDispose]()
}

describe('filesystem reader on a local bucket', () => {
  const bucket = join(root, 'local')
  let reader: SqlReader
  beforeAll(async () => {
    await loadHistory({ bucketUrl: bucket })
    reader = await filesystem({ bucketUrl: bucket }).openReader!({ datasetName: 'shop' })
  })
  afterAll(() => reader?.close())

  it('reads completed loads only, across formats and schema versions', async () => {
    const rows = await all(reader, 'select id, name, score, raw from items order by id')
    expect(rows).toEqual([
      [1n, 'a', null, null],
      [2n, 'b', 0.5, Buffer.from('hi')],
      [3n, '', null, Buffer.from('yo')],
    ])
    expect(await all(reader, 'select id from snap')).toEqual([[20n]])
  })

  it('has the system tables of SQL destinations', async () => {
    expect(
      await all(reader, 'select load_id, schema_name, status from _sluice_loads order by load_id'),
    ).toEqual([
      ['1700000001.1', 'clockodo', 0n],
      ['1700000002.1', 'clockodo', 0n],
      ['1700000003.1', 'clockodo', 0n],
    ])
    const versions = await all(
      reader,
      'select version_hash, schema from _sluice_version order by version_hash',
    )
    expect(versions.map((r) => r[0])).toEqual(['h1', 'h2'])
    expect(JSON.parse(String(versions[1]![1])).tables.items.columns.length).toBe(v2.columns.length)
    expect(
      await all(reader, 'select pipeline_name, state, _sluice_load_id from _sluice_pipeline_state'),
    ).toEqual([['p', 'first', '1700000001.1']])
  })

  it('sees a load completed after it opened', async () => {
    const client = await filesystem({ bucketUrl: bucket }).createClient({
      datasetName: 'shop',
      pipelineName: 'p',
      emit: () => {},
    })
    await runPackage(client, jobs, {
      loadId: '1700000005.1',
      schema: schema([v2, snap], 'h2'),
      tables: [{ table: v2, rows: [{ id: 5, name: 'e' }] }],
    })
    await client[Symbol.asyncDispose]()
    expect(await all(reader, 'select count(*) from items')).toEqual([[4n]])
  })

  it('reads no file but the dataset’s, and writes none', async () => {
    const outside = join(root, 'outside.csv')
    for (const [sql, code] of [
      ["select * from read_csv('/etc/passwd')", 'QUERY_FAILED'],
      [`copy items to '${outside}'`, 'READ_ONLY'],
      ['drop view items', 'READ_ONLY'],
      ['create table x as select 1', 'READ_ONLY'],
    ] as const) {
      expect((await refusal(reader, sql)).code, sql).toBe(code)
    }
    expect(existsSync(outside)).toBe(false)
    await expect(
      filesystem({ bucketUrl: bucket }).openReader!({ datasetName: 'nope' }),
    ).rejects.toMatchObject({
      code: 'DESTINATION_DATABASE_MISSING',
    })
  })
})

describe('filesystem reader on S3 (s3rver)', () => {
  let server: S3rver
  let reader: SqlReader
  const directory = join(root, 's3rver')
  beforeAll(async () => {
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory,
      configureBuckets: [{ name: 'sluice-reader' }],
    })
    const { port } = await server.run()
    const options = {
      bucketUrl: 's3://sluice-reader/lake',
      credentials: {
        awsAccessKeyId: 'S3RVER',
        awsSecretAccessKey: 'S3RVER',
        endpointUrl: `http://127.0.0.1:${port}`,
      },
    }
    await loadHistory(options)
    reader = await filesystem(options).openReader!({ datasetName: 'shop' })
  })
  afterAll(async () => {
    await reader?.close()
    await server?.close()
  })

  it('reads the files of the tables a query names, copied through the S3 store', async () => {
    expect(await all(reader, 'select id, name from items where id > $1 order by id', [1])).toEqual([
      [2n, 'b'],
      [3n, ''],
    ])
    expect(await all(reader, 'select i.id, s.id from items i, snap s where i.id = 1')).toEqual([[1n, 20n]])
    const indirect = await refusal(reader, "select count(*) from query_table('items')")
    expect(indirect.code).toBe('QUERY_FAILED')
    expect(indirect.message).toContain('names it')
  })
})
