import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { DestinationClient, SqlClient } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { afterEach, describe, expect, it } from 'vitest'
import { DuckDBClient, duckdb } from '../src/index.ts'

const ctx = (pipelineName: string) => ({ datasetName: 'ds', pipelineName, emit: () => {} })
const cleanup: string[] = []
afterEach(async () => {
  for (const p of cleanup.splice(0)) await rm(p, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-'))
  cleanup.push(dir)
  return dir
}

describe('duckdb options', () => {
  it('defaults to <pipelineName>.duckdb in the working directory', async () => {
    const name = `default_path_${process.pid}`
    const expected = resolve(`${name}.duckdb`)
    cleanup.push(expected, `${expected}.wal`)
    const client = await duckdb().createClient(ctx(name))
    await client.initialize()
    expect(client.location).toBe(expected)
    expect(existsSync(expected)).toBe(true)
    await client[Symbol.asyncDispose]()
  })

  it('accepts :memory:, one database per destination object shared by its clients', async () => {
    const schema = { name: 's', version: 1, versionHash: 'h', previousHashes: [], tables: {} }
    const state = {
      pipelineName: 'mem',
      version: 1,
      versionHash: 'sh',
      state: 'st',
      loadId: '1',
      createdAt: '2024-01-01T00:00:00.000Z',
    }
    const dest = duckdb({ path: ':memory:' })
    const first = await dest.createClient(ctx('mem'))
    expect(first.location).toBe(':memory:')
    await first.initialize()
    await first.complete({ loadId: '1', schema, tables: [], state })
    await first[Symbol.asyncDispose]()
    const second = await dest.createClient(ctx('mem'))
    expect((await second.getStoredState('mem'))?.state).toBe('st')
    await second[Symbol.asyncDispose]()
    const other = await duckdb({ path: ':memory:' }).createClient(ctx('mem'))
    expect(await other.getStoredState('mem')).toBeUndefined()
    await other[Symbol.asyncDispose]()
  })

  it('shares one instance per file in the process and releases the lock when the last client closes', async () => {
    const file = join(await tempDir(), 'shared.duckdb')
    const a = await duckdb({ path: file }).createClient(ctx('p'))
    const b = await duckdb({ path: file }).createClient(ctx('p'))
    await a.initialize()
    await b.initialize()
    await a[Symbol.asyncDispose]()
    await b[Symbol.asyncDispose]()
    const again = await DuckDBInstance.create(file)
    const conn = await again.connect()
    const rows = (
      await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM "ds"."_sluice_loads"`)
    ).getRowObjectsJS()
    expect(rows).toEqual([{ n: 0 }])
    conn.closeSync()
    again.closeSync()
  })

  it('explains a path whose directory does not exist', async () => {
    const error = await duckdb({ path: '/nonexistent-dir/x/db.duckdb' })
      .createClient(ctx('p'))
      .catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_CONNECT')).toBe(true)
    expect((error as Error).message).toMatch(/\/nonexistent-dir\/x\/db\.duckdb.*directory exists/)
  })

  it('a missing folder is not taken for a lock, also when the file name holds "lock" (clockodo_demo.duckdb)', async () => {
    const error = await duckdb({ path: join(await tempDir(), 'gone', 'clockodo_demo.duckdb') })
      .createClient(ctx('p'))
      .catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_CONNECT'), String(error)).toBe(true)
    expect((error as Error).message).toMatch(/clockodo_demo\.duckdb.*directory exists/)
  })

  it('explains a file locked by another process', async () => {
    const file = join(await tempDir(), 'locked.duckdb')
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(${JSON.stringify(file)}); await (await i.connect()).run('CREATE TABLE t (x INT)'); console.log('ready'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0))`,
      ],
      { cwd: resolve('.'), stdio: ['pipe', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && ok())
        child.on('exit', (code) => fail(new Error(`child exited ${code}`)))
      })
      const error = await duckdb({ path: file })
        .createClient(ctx('p'))
        .catch((e: unknown) => e)
      expect(isSluiceError(error, 'DESTINATION_LOCKED')).toBe(true)
      expect((error as Error).message).toMatch(/locked by another process.*close the other program/)
    } finally {
      child.stdin.end()
      child.kill()
    }
  })

  it('loads a job file whose path contains quotes', async () => {
    const dir = join(await tempDir(), 'it\'s "here"')
    await mkdir(dir)
    const file = join(dir, 'job.jsonl')
    await writeFile(file, '{"a": 1, "b": "x"}\n{"a": 2, "b": null}\n')
    const client = await DuckDBClient.open({ path: ':memory:' })
    await client.execute('CREATE TABLE t (a BIGINT, b VARCHAR)')
    const n = await client.bulkLoad(
      {
        file,
        format: 'jsonl',
        qualifiedTable: '"t"',
        columns: [
          { name: 'a', dataType: 'bigint' },
          { name: 'b', dataType: 'text' },
        ],
        rows: 2,
      },
      new AbortController().signal,
    )
    expect(n).toBe(2)
    expect(await client.query('SELECT a, b FROM t ORDER BY a')).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: null },
    ])
    await client[Symbol.asyncDispose]()
  })

  it('fails a job file that does not match with the file and table named', async () => {
    const file = join(await tempDir(), 'bad.jsonl')
    await writeFile(file, '{"a": "not a number"}\n')
    const client = await DuckDBClient.open({ path: ':memory:' })
    await client.execute('CREATE TABLE t (a BIGINT)')
    const error = await client
      .bulkLoad(
        {
          file,
          format: 'jsonl',
          qualifiedTable: '"t"',
          columns: [{ name: 'a', dataType: 'bigint' }],
          rows: 1,
        },
        new AbortController().signal,
      )
      .catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_LOAD')).toBe(true)
    expect((error as Error).message).toContain('bad.jsonl')
    await client[Symbol.asyncDispose]()
  })
  it('loads a dataset named like the database file (catalog and schema "shop")', async () => {
    const { defineResource, defineSource } = await import('@sluice/core')
    const { pipeline } = await import('@sluice/core/node')
    const dir = await tempDir()
    const path = join(dir, 'shop.duckdb')
    const source = defineSource({
      name: 'shop',
      resources: [
        defineResource({
          name: 'items',
          async *read() {
            yield [{ id: 1 }, { id: 2 }]
          },
        }),
      ],
    })
    await pipeline({
      pipelineName: 'shop',
      destination: duckdb({ path }),
      datasetName: 'shop',
      pipelinesDir: dir,
    }).run(source)
    const instance = await DuckDBInstance.create(path)
    const conn = await instance.connect()
    const rows = (await conn.runAndReadAll('select count(*)::INTEGER from shop.shop.items')).getRows()
    conn.closeSync()
    instance.closeSync()
    expect(rows).toEqual([[2]])
  })

  it('opens the instance with memory_limit, threads, temp_directory, preserve_insertion_order and allocator settings', async () => {
    const dir = await tempDir()
    const file = join(dir, 'tuned.duckdb')
    const settings = async (client: DestinationClient) =>
      Object.fromEntries(
        // the SQL client behind sqlDestination()'s generic client (an internal of core, read here on purpose)
        (
          await (client as unknown as { client: SqlClient }).client.query<{ name: string; value: string }>(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'threads', 'temp_directory', 'preserve_insertion_order', 'allocator_flush_threshold', 'allocator_background_threads')",
          )
        ).map((r) => [r.name, r.value]),
      )
    const defaults = await duckdb({ path: file }).createClient(ctx('tuned'))
    expect(await settings(defaults)).toEqual({
      memory_limit: '244.1 MiB',
      threads: String(availableParallelism()),
      temp_directory: `${file}.tmp`,
      preserve_insertion_order: 'false',
      allocator_flush_threshold: '15.2 MiB',
      allocator_background_threads: 'true',
    })
    await defaults[Symbol.asyncDispose]()
    const custom = await duckdb({
      path: file,
      memoryLimit: '512MB',
      threads: 1,
      tempDirectory: join(dir, 'spill'),
      preserveInsertionOrder: true,
      settings: { allocator_flush_threshold: '64MB', allocator_background_threads: 'false' },
    }).createClient(ctx('tuned'))
    expect(await settings(custom)).toEqual({
      memory_limit: '488.2 MiB',
      threads: '1',
      temp_directory: join(dir, 'spill'),
      preserve_insertion_order: 'true',
      allocator_flush_threshold: '61.0 MiB',
      allocator_background_threads: 'false',
    })
    await custom[Symbol.asyncDispose]()
    const memory = await duckdb({ path: ':memory:', memoryLimit: '1GB' }).createClient(ctx('tuned'))
    const inMemory = await settings(memory)
    expect(inMemory['memory_limit']).toBe('953.6 MiB')
    expect(inMemory['temp_directory']).toContain(join(tmpdir(), `sluice-duckdb-${process.pid}-`))
    await memory[Symbol.asyncDispose]()
  })

  it('rejects threads that are not a positive integer', () => {
    for (const threads of [0, -1, 1.5]) {
      expect(() => duckdb({ threads })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
    }
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it("is the database file's absolute path (the default one too) and the options given; undefined for an instance", async () => {
    expect(
      duckdb({ path: 'rel/x.duckdb', memoryLimit: '1GB', threads: 2 }).publicConfig?.({ pipelineName: 'p' }),
    ).toEqual({ credentials: resolve('rel/x.duckdb'), memory_limit: '1GB', threads: 2 })
    expect(duckdb().publicConfig?.({ pipelineName: 'p1' })).toEqual({ credentials: resolve('p1.duckdb') })
    const instance = await DuckDBInstance.create(':memory:')
    try {
      expect(duckdb({ instance }).publicConfig?.({ pipelineName: 'p' })).toBeUndefined()
    } finally {
      instance.closeSync()
    }
  })
})
