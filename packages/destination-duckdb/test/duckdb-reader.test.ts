import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Destination, SqlReader } from '@sluice/core/destination'
import { testReader } from '@sluice/destination-testkit'
import { loadOnce, open, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, describe, expect, it } from 'vitest'
import { DuckDBClient, duckdb, duckdbQuote as q } from '../src/index.ts'

// The reader of a DuckDB database file: the query suite, then what DuckDB-specific SQL could do to the file or
// the machine (file access, extensions, settings, attachments), the file's lock, and `:memory:`.
const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-reader-'))
const file = join(dir, 'reader.duckdb')
const children: ChildProcess[] = []
afterAll(async () => {
  for (const child of children) child.kill()
  await rm(dir, { recursive: true, force: true })
})

/** Runs `fn` with a client on the file (the instance this process shares for it). */
async function withClient<T>(fn: (client: DuckDBClient) => Promise<T>): Promise<T> {
  const client = await DuckDBClient.open({ path: file })
  try {
    return await fn(client)
  } finally {
    await client[Symbol.asyncDispose]()
  }
}

testReader({
  name: 'duckdb file',
  create: () => duckdb({ path: file }),
  readTable: (dataset, name) => withClient((c) => c.query(`SELECT * FROM ${q(dataset)}.${q(name)}`)),
  cleanup: (dataset) => withClient((c) => c.execute(`DROP SCHEMA IF EXISTS ${q(dataset)} CASCADE`)),
})

const items = table('items', [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
])

/** A destination on `path` with `items` (ids 1-3) loaded into `dataset`, and its reader. */
async function loaded(
  path: string,
  dataset: string,
): Promise<{ destination: Destination; reader: SqlReader }> {
  const destination = duckdb({ path })
  const client = await open(destination, dataset)
  try {
    const rows = [1, 2, 3].map((id) => ({ id, name: `n${id}`, _sluice_load_id: 'l', _sluice_id: `i${id}` }))
    await loadOnce(client, [{ table: items, rows }])
  } finally {
    await client[Symbol.asyncDispose]()
  }
  return { destination, reader: await destination.openReader!({ datasetName: dataset }) }
}

async function all(reader: SqlReader, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const chunk of reader.query(sql)) rows.push(...chunk.rows.map((r) => [...r]))
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

/** A node process holding the file open for writing until it is killed; resolves once it has it. */
function writerProcess(path: string): Promise<ChildProcess> {
  const script = `import('@duckdb/node-api').then(async ({ DuckDBInstance }) => {
    await DuckDBInstance.create(${JSON.stringify(path)}); console.log('ready'); setInterval(() => {}, 1000) })`
  const cwd = join(dirname(fileURLToPath(import.meta.url)), '..')
  const child = spawn(process.execPath, ['-e', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child))
    child.once('exit', (code) => reject(new Error(`the writer process exited (${code})`)))
  })
}

/** Whether another process can open the file for writing now (it holds it for a moment, then exits). */
function canOpenForWriting(path: string): Promise<boolean> {
  const script = `import('@duckdb/node-api').then(({ DuckDBInstance }) => DuckDBInstance.create(${JSON.stringify(path)}))
    .then((i) => { i.closeSync(); process.exit(0) }, () => process.exit(3))`
  const cwd = join(dirname(fileURLToPath(import.meta.url)), '..')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { cwd, stdio: 'ignore' })
    child.once('exit', (code) => resolve(code === 0))
  })
}

describe('duckdb reader on a file', () => {
  it('refuses what DuckDB SQL could do beyond reading, and nothing changes', async () => {
    const { reader } = await loaded(file, 'hardening')
    try {
      const outside = join(dir, 'outside.csv')
      const cases: [string, string][] = [
        [`copy items to '${outside}'`, 'READ_ONLY'],
        [`copy (select 1) to '${outside}'`, 'READ_ONLY'],
        [`select * from read_csv('/etc/passwd')`, 'QUERY_FAILED'],
        [`attach '${join(dir, 'other.duckdb')}' as other`, 'READ_ONLY'],
        [`attach ':memory:' as other`, 'READ_ONLY'],
        ['install httpfs', 'READ_ONLY'],
        ['load httpfs', 'READ_ONLY'],
        ['set threads = 1', 'READ_ONLY'],
        ["select set_config('threads', 1)", 'QUERY_FAILED'],
        ['create temp table t (x int)', 'READ_ONLY'],
        ['create schema other', 'READ_ONLY'],
        ['checkpoint', 'READ_ONLY'],
        ['begin transaction', 'READ_ONLY'],
        ['commit', 'READ_ONLY'],
        ['detach database if exists other', 'READ_ONLY'],
        ['use memory', 'READ_ONLY'],
        ['select 1; select 2', 'READ_ONLY'],
        ["select 1; copy items to '/tmp/x.csv'", 'READ_ONLY'],
      ]
      for (const [sql, code] of cases) {
        const error = await refusal(reader, sql)
        expect({ sql, code: error.code }, error.message).toEqual({ sql, code })
      }
      expect(existsSync(outside)).toBe(false)
      expect(existsSync(join(dir, 'other.duckdb'))).toBe(false)
      expect(await all(reader, 'select id, name from items order by id')).toEqual([
        [1n, 'n1'],
        [2n, 'n2'],
        [3n, 'n3'],
      ])
      // SHOW, DESCRIBE, SUMMARIZE and PRAGMA table_info are SELECTs to DuckDB
      expect((await all(reader, 'show tables')).map((r) => r[0])).toContain('items')
      expect((await all(reader, 'describe items')).map((r) => r[0])).toEqual([
        'id',
        'name',
        '_sluice_load_id',
        '_sluice_id',
      ])
    } finally {
      await reader.close()
    }
  })

  it('each query reads what was committed when it started, loads included', async () => {
    const path = join(dir, 'fresh.duckdb')
    const { destination, reader } = await loaded(path, 'fresh')
    try {
      expect(await all(reader, 'select count(*) from items')).toEqual([[3n]])
      const client = await open(destination, 'fresh')
      try {
        await loadOnce(client, [
          { table: items, rows: [{ id: 4, name: 'n4', _sluice_load_id: 'l', _sluice_id: 'i4' }] },
        ])
      } finally {
        await client[Symbol.asyncDispose]()
      }
      expect(await all(reader, 'select count(*) from items')).toEqual([[4n]])
    } finally {
      await reader.close()
    }
  })

  it('holds the file only while a query runs, and says so when another process writes it', async () => {
    const path = join(dir, 'locks.duckdb')
    const { reader } = await loaded(path, 'locks')
    try {
      expect(await canOpenForWriting(path)).toBe(true) // an idle reader holds no lock
      const running = reader
        .query('select * from range(100000)', [], { chunkSize: 10 })
        [Symbol.asyncIterator]()
      expect((await running.next()).done).toBe(false)
      expect(await canOpenForWriting(path)).toBe(false) // a query that streams does
      await running.return?.()
      expect(await canOpenForWriting(path)).toBe(true)
      const writer = await writerProcess(path)
      const error = await refusal(reader, 'select 1')
      expect(error.code).toBe('DESTINATION_LOCKED')
      await expect(duckdb({ path }).openReader!({ datasetName: 'locks' })).rejects.toMatchObject({
        code: 'DESTINATION_LOCKED',
      })
      writer.kill()
    } finally {
      await reader.close()
    }
  }, 60_000)

  it('says what is missing: the file, the dataset, the path', async () => {
    await expect(
      duckdb({ path: join(dir, 'none.duckdb') }).openReader!({ datasetName: 'x' }),
    ).rejects.toMatchObject({ code: 'DESTINATION_CONNECT' })
    await loaded(join(dir, 'some.duckdb'), 'some').then((r) => r.reader.close())
    await expect(
      duckdb({ path: join(dir, 'some.duckdb') }).openReader!({ datasetName: 'other' }),
    ).rejects.toMatchObject({ code: 'DESTINATION_DATABASE_MISSING' })
    await expect(duckdb().openReader!({ datasetName: 'x' })).rejects.toMatchObject({ code: 'CONFIG_MISSING' })
  })
})

describe('duckdb reader on :memory:', () => {
  it('reads the destination object’s database in read-only transactions', async () => {
    const { reader } = await loaded(':memory:', 'mem')
    try {
      expect(await all(reader, 'select count(*) from items')).toEqual([[3n]])
      expect(reader.dialect.table('items')).toBe('"memory"."mem"."items"')
      for (const sql of ['drop table items', 'create table x (a int)', 'insert into items (id) values (9)']) {
        expect((await refusal(reader, sql)).code).toBe('READ_ONLY')
      }
      expect(await all(reader, 'select count(*) from items')).toEqual([[3n]])
    } finally {
      await reader.close()
    }
  })
})
