import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Column } from '@sluice/core'
import { isSluiceError } from '@sluice/core'
import { afterAll, describe, expect, it } from 'vitest'
import { DuckDBClient, loadThreads } from '../src/index.ts'

const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-threads-'))
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const columns: Column[] = [
  { name: 'id', dataType: 'bigint', nullable: true },
  { name: 'name', dataType: 'text', nullable: true },
]

/** A client whose statements are recorded (the connection's `run`, as the client calls it). */
async function recordingClient(threads: { load: number; all: number }) {
  const client = await DuckDBClient.open({
    path: join(dir, `t${threads.load}${threads.all}.duckdb`),
    threads,
  })
  const sql: string[] = []
  const connection = (
    client as unknown as { connection: { run: (s: string, p?: unknown) => Promise<unknown> } }
  ).connection
  const run = connection.run.bind(connection)
  connection.run = (s, p) => {
    sql.push(s.split(' (')[0]!.split(' SELECT')[0]!)
    return run(s, p)
  }
  await client.execute('CREATE TABLE items (id BIGINT, name VARCHAR)')
  return { client, sql }
}

const threadsNow = async (client: DuckDBClient) =>
  (await client.query<{ t: number }>("SELECT current_setting('threads')::INTEGER AS t"))[0]?.t

describe('duckdb threads while job files load', () => {
  it('defaults to one thread less than threads for loads, at least 1', () => {
    const cores = availableParallelism()
    expect(loadThreads({})).toEqual({ all: cores, load: Math.max(1, cores - 1) })
    expect(loadThreads({ threads: 4 })).toEqual({ all: 4, load: 3 })
    expect(loadThreads({ threads: 1 })).toEqual({ all: 1, load: 1 })
    expect(loadThreads({ threads: 4, loadThreads: 4 })).toEqual({ all: 4, load: 4 })
    let error: unknown
    try {
      loadThreads({ loadThreads: 0 })
    } catch (e) {
      error = e
    }
    expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('loadThreads must be a positive integer')
  })

  it('lowers threads around each load during extraction and restores them, also when the load fails', async () => {
    const { client, sql } = await recordingClient({ load: 1, all: 2 })
    const file = join(dir, 'items.csv')
    await writeFile(file, 'id,name\n1,a\n2,"b, c"\n')
    const signal = new AbortController().signal
    const rows = await client.bulkLoad(
      { file, format: 'csv', qualifiedTable: 'items', columns, rows: 2, duringExtraction: true },
      signal,
    )
    expect(rows).toBe(2)
    expect(sql.slice(-3)).toEqual(['SET threads = 1', 'INSERT INTO items', 'SET threads = 2'])
    expect(await threadsNow(client)).toBe(2)
    await writeFile(file, 'id,name\nnot a number,a\n')
    await expect(
      client.bulkLoad(
        { file, format: 'csv', qualifiedTable: 'items', columns, rows: 1, duringExtraction: true },
        signal,
      ),
    ).rejects.toMatchObject({ code: 'DESTINATION_LOAD' })
    expect(sql.at(-1)).toBe('SET threads = 2')
    expect(await threadsNow(client)).toBe(2)
    // after extraction (or on the load step's own loads) the load gets every thread
    await writeFile(file, 'id,name\n3,d\n')
    const before = sql.length
    await client.bulkLoad({ file, format: 'csv', qualifiedTable: 'items', columns, rows: 1 }, signal)
    expect(sql.slice(before)).toEqual(['INSERT INTO items'])
    await client[Symbol.asyncDispose]()
  })

  it('leaves threads alone when load and all are the same', async () => {
    const { client, sql } = await recordingClient({ load: 2, all: 2 })
    const file = join(dir, 'same.csv')
    await writeFile(file, 'id,name\n1,a\n')
    await client.bulkLoad(
      { file, format: 'csv', qualifiedTable: 'items', columns, rows: 1, duringExtraction: true },
      new AbortController().signal,
    )
    expect(sql.filter((s) => s.startsWith('SET threads'))).toEqual([])
    await client[Symbol.asyncDispose]()
  })
})
