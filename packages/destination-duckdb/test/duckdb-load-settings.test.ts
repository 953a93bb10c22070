import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Column } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { afterAll, describe, expect, it } from 'vitest'
import type { LoadSettings } from '../src/index.ts'
import { DuckDBClient, loadSettings } from '../src/index.ts'

const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-load-settings-'))
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const columns: Column[] = [
  { name: 'id', dataType: 'bigint', nullable: true },
  { name: 'name', dataType: 'text', nullable: true },
]

/** A client whose statements are recorded (the connection's `run`, as the client calls it). */
let files = 0
async function recordingClient(settings: LoadSettings) {
  const client = await DuckDBClient.open({ path: join(dir, `t${++files}.duckdb`), loadSettings: settings })
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

/** Writes the csv job file `name` (header `id,name`, then `lines`) and returns its load during extraction. */
async function loadOf(name: string, ...lines: string[]) {
  const file = join(dir, name)
  await writeFile(file, ['id,name', ...lines, ''].join('\n'))
  const load = { file, format: 'csv' as const, qualifiedTable: 'items', columns, rows: lines.length }
  return { ...load, duringExtraction: true }
}

const threadsNow = async (client: DuckDBClient) =>
  (await client.query<{ t: number }>("SELECT current_setting('threads')::INTEGER AS t"))[0]?.t
const memoryNow = async (client: DuckDBClient) =>
  (await client.query<{ m: string }>("SELECT current_setting('memory_limit') AS m"))[0]?.m

describe('duckdb settings while job files load', () => {
  it('defaults to one thread less than threads and a 96MB memory limit (128MB after extraction), each only where it differs', () => {
    const cores = availableParallelism()
    expect(loadSettings({})).toEqual({
      ...(cores > 1 ? { threads: { load: cores - 1, all: cores } } : {}),
      memoryLimit: { load: '96MB', final: '128MB', all: '256MB' },
    })
    expect(loadSettings({ threads: 4 })).toEqual({
      threads: { load: 3, all: 4 },
      memoryLimit: { load: '96MB', final: '128MB', all: '256MB' },
    })
    expect(loadSettings({ threads: 2 })).toEqual({
      threads: { load: 1, all: 2 },
      memoryLimit: { load: '96MB', final: '128MB', all: '256MB' },
    })
    expect(loadSettings({ threads: 1 })).toEqual({
      memoryLimit: { load: '96MB', final: '128MB', all: '256MB' },
    })
    expect(loadSettings({ threads: 2, loadThreads: 2 })).toEqual({
      memoryLimit: { load: '96MB', final: '128MB', all: '256MB' },
    })
    expect(loadSettings({ threads: 4, settings: { threads: '1' } })).toEqual({
      memoryLimit: { load: '96MB', final: '128MB', all: '256MB' },
    })
    // a load limit of the user's own holds for every load, during extraction and after it
    expect(loadSettings({ threads: 2, loadMemoryLimit: '64MB' })).toEqual({
      threads: { load: 1, all: 2 },
      memoryLimit: { load: '64MB', all: '256MB' },
    })
    // an in-memory database keeps its tables in DuckDB's buffers: no lower limit for loads there
    expect(loadSettings({ threads: 4 }, ':memory:')).toEqual({ threads: { load: 3, all: 4 } })
    expect(loadSettings({ threads: 4 }, '/data/x.duckdb')).toEqual(loadSettings({ threads: 4 }))
    // a memory limit of the user's own holds throughout unless loadMemoryLimit is given too
    expect(loadSettings({ threads: 1, memoryLimit: '1GB' })).toEqual({})
    expect(loadSettings({ threads: 4, loadThreads: 4, settings: { memory_limit: '2GB' } })).toEqual({})
    expect(loadSettings({ threads: 2, memoryLimit: '1GB', loadMemoryLimit: '100MB' })).toEqual({
      threads: { load: 1, all: 2 },
      memoryLimit: { load: '100MB', all: '1GB' },
    })
    expect(loadSettings({ threads: 2, settings: { threads: '2' }, loadMemoryLimit: '256MB' })).toEqual({})
    let error: unknown
    try {
      loadSettings({ loadThreads: 0 })
    } catch (e) {
      error = e
    }
    expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('loadThreads must be a positive integer')
  })

  it('lowers threads around each load during extraction and restores them, also when the load fails', async () => {
    const { client, sql } = await recordingClient({ threads: { load: 1, all: 2 } })
    const signal = new AbortController().signal
    expect(await client.bulkLoad(await loadOf('items.csv', '1,a', '2,"b, c"'), signal)).toBe(2)
    // each load is its own transaction, committed at the load's threads (a second thread would only spin while
    // one compresses), which go back after the COMMIT
    expect(sql.slice(-5)).toEqual([
      `SET "threads" = '1'`,
      'BEGIN TRANSACTION',
      'INSERT INTO items',
      'COMMIT',
      `SET "threads" = '2'`,
    ])
    expect(await threadsNow(client)).toBe(2)
    await expect(client.bulkLoad(await loadOf('items.csv', 'not a number,a'), signal)).rejects.toMatchObject({
      code: 'DESTINATION_LOAD',
    })
    expect(sql.at(-1)).toBe(`SET "threads" = '2'`)
    expect(await threadsNow(client)).toBe(2)
    // after extraction (or on the load step's own loads) the load gets every thread
    const after = { ...(await loadOf('items.csv', '3,d')), duringExtraction: false }
    const before = sql.length
    await client.bulkLoad(after, signal)
    expect(sql.slice(before)).toEqual(['BEGIN TRANSACTION', 'INSERT INTO items', 'COMMIT'])
    await client[Symbol.asyncDispose]()
  })

  it('commits at the full memory limit and the load threads, and restores the threads after a failed COMMIT', async () => {
    const { client, sql } = await recordingClient({
      threads: { load: 1, all: 2 },
      memoryLimit: { load: '64MB', all: '256MB' },
    })
    const load = await loadOf('both.csv', '1,a')
    const signal = new AbortController().signal
    const before = sql.length
    expect(await client.bulkLoad(load, signal)).toBe(1)
    expect(sql.slice(before)).toEqual([
      `SET "threads" = '1'`,
      `SET "memory_limit" = '64MB'`,
      'BEGIN TRANSACTION',
      'INSERT INTO items',
      `SET "memory_limit" = '256MB'`,
      'COMMIT',
      `SET "threads" = '2'`,
    ])
    expect(await threadsNow(client)).toBe(2)
    expect(await memoryNow(client)).toBe('244.1 MiB')
    const connection = (
      client as unknown as { connection: { run: (s: string, p?: unknown) => Promise<unknown> } }
    ).connection
    const run = connection.run
    connection.run = (s, p) => (s === 'COMMIT' ? Promise.reject(new Error('commit refused')) : run(s, p))
    await expect(client.bulkLoad(load, signal)).rejects.toMatchObject({ code: 'DESTINATION_LOAD' })
    expect(sql.at(-1)).toBe(`SET "threads" = '2'`)
    connection.run = run
    expect(await threadsNow(client)).toBe(2)
    expect(await client.query('SELECT count(*)::INTEGER AS n FROM items')).toEqual([{ n: 1 }])
    await client[Symbol.asyncDispose]()
  })

  it('leaves the settings alone when the load has none of its own', async () => {
    const { client, sql } = await recordingClient({ threads: { load: 2, all: 2 } })
    await client.bulkLoad(await loadOf('same.csv', '1,a'), new AbortController().signal)
    expect(sql.filter((s) => s.startsWith('SET'))).toEqual([])
    await client[Symbol.asyncDispose]()
  })

  it('loads at the lower memory limit, also after extraction, and again at the full one when it ran out of memory', async () => {
    const { client, sql } = await recordingClient({ memoryLimit: { load: '64MB', all: '256MB' } })
    const load = await loadOf('memory.csv', '1,a', '2,b')
    const signal = new AbortController().signal
    expect(await client.bulkLoad(load, signal)).toBe(2)
    // the COMMIT runs at the full limit: DuckDB 1.5 can corrupt a table in memory when a COMMIT runs out of it
    const atLoadLimit = [
      `SET "memory_limit" = '64MB'`,
      'BEGIN TRANSACTION',
      'INSERT INTO items',
      `SET "memory_limit" = '256MB'`,
      'COMMIT',
    ]
    expect(sql.slice(-5)).toEqual(atLoadLimit)
    expect(await memoryNow(client)).toBe('244.1 MiB')
    const before = sql.length
    await client.bulkLoad({ ...load, duringExtraction: false }, signal)
    expect(sql.slice(before)).toEqual(atLoadLimit)
    // 1 MB cannot hold read_csv's 4 MB read buffer: the load fails there and succeeds at the full limit
    const tiny = await recordingClient({ memoryLimit: { load: '1MB', all: '256MB' } })
    expect(await tiny.client.bulkLoad(load, signal)).toBe(2)
    expect(tiny.sql.slice(-8)).toEqual([
      `SET "memory_limit" = '1MB'`,
      'BEGIN TRANSACTION',
      'INSERT INTO items',
      'ROLLBACK',
      `SET "memory_limit" = '256MB'`,
      'BEGIN TRANSACTION',
      'INSERT INTO items',
      'COMMIT',
    ])
    expect(await tiny.client.query('SELECT count(*)::INTEGER AS n FROM items')).toEqual([{ n: 2 }])
    expect(await memoryNow(tiny.client)).toBe('244.1 MiB')
    // a setting DuckDB refuses before the load leaves the load at the current one
    const refused = await recordingClient({ memoryLimit: { load: 'lots', all: '256MB' } })
    expect(await refused.client.bulkLoad(load, signal)).toBe(2)
    expect(await memoryNow(refused.client)).toBe('244.1 MiB')
    for (const c of [client, tiny.client, refused.client]) await c[Symbol.asyncDispose]()
  })

  it('loads the files after extraction at the final limit, those during it at the load limit', async () => {
    const { client, sql } = await recordingClient({
      memoryLimit: { load: '64MB', final: '128MB', all: '256MB' },
    })
    const load = { ...(await loadOf('final.csv', '1,a')), duringExtraction: false }
    const signal = new AbortController().signal
    let before = sql.length
    await client.bulkLoad({ ...load, duringExtraction: true }, signal)
    expect(sql.slice(before)[0]).toBe(`SET "memory_limit" = '64MB'`)
    before = sql.length
    await client.bulkLoad(load, signal)
    expect(sql.slice(before)).toEqual([
      `SET "memory_limit" = '128MB'`,
      'BEGIN TRANSACTION',
      'INSERT INTO items',
      `SET "memory_limit" = '256MB'`,
      'COMMIT',
    ])
    expect(await memoryNow(client)).toBe('244.1 MiB')
    // a final limit equal to the full one switches nothing after extraction
    const full = await recordingClient({ memoryLimit: { load: '64MB', final: '256MB', all: '256MB' } })
    before = full.sql.length
    await full.client.bulkLoad(load, signal)
    expect(full.sql.slice(before)).toEqual(['BEGIN TRANSACTION', 'INSERT INTO items', 'COMMIT'])
    for (const c of [client, full.client]) await c[Symbol.asyncDispose]()
  })

  it('does not retry a load after a fatal error, and reports that first error', async () => {
    const { client, sql } = await recordingClient({ memoryLimit: { load: '64MB', all: '256MB' } })
    const connection = (
      client as unknown as { connection: { run: (s: string, p?: unknown) => Promise<unknown> } }
    ).connection
    const run = connection.run.bind(connection)
    // DuckDB invalidates the instance after a FATAL error; here only the INSERT fails, so a retry would pass
    connection.run = (s, p) =>
      s.startsWith('INSERT')
        ? run(s, p).then(() => {
            throw new Error(
              'FATAL Error: Failed to create checkpoint because of error: Corrupted in-memory column',
            )
          })
        : run(s, p)
    const load = await loadOf('fatal.csv', '1,a')
    const before = sql.length
    const error = await client.bulkLoad(load, new AbortController().signal).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DESTINATION_FATAL' })
    expect((error as Error).message).toContain('Corrupted in-memory column')
    expect(sql.slice(before).filter((s) => s.startsWith('INSERT'))).toHaveLength(1)
    expect(sql.slice(before)).toContain('ROLLBACK')
    expect(await memoryNow(client)).toBe('244.1 MiB')
    await client[Symbol.asyncDispose]()
  })

  it('runs staging checks at the load memory limit, and again at the full one when it runs out', async () => {
    const { client, sql } = await recordingClient({ memoryLimit: { load: '96MB', all: '256MB' } })
    await client.execute('INSERT INTO items SELECT i, NULL FROM range(200000) t(i)')
    const check = 'SELECT 1 AS dup FROM items GROUP BY id HAVING COUNT(*) > 1 LIMIT 1'
    const before = sql.length
    expect(await client.readStaging(check)).toEqual([])
    expect(sql.slice(before)).toEqual([`SET "memory_limit" = '96MB'`, check, `SET "memory_limit" = '256MB'`])
    expect(await memoryNow(client)).toBe('244.1 MiB')
    const tiny = await recordingClient({ memoryLimit: { load: '1MB', all: '256MB' } })
    await tiny.client.execute('INSERT INTO items SELECT i % 150000, NULL FROM range(200000) t(i)')
    const start = tiny.sql.length
    expect(await tiny.client.readStaging(check)).toEqual([{ dup: 1 }])
    expect(tiny.sql.slice(start)).toEqual([
      `SET "memory_limit" = '1MB'`,
      check,
      `SET "memory_limit" = '256MB'`,
      check,
    ])
    expect(await memoryNow(tiny.client)).toBe('244.1 MiB')
    for (const c of [client, tiny.client]) await c[Symbol.asyncDispose]()
  })
})
