import type { SqlReader } from '@sluice/core/destination'
import { afterAll, expect, it } from 'vitest'
import { createStore, type FilesystemFormat, type FilesystemOptions, filesystem } from '../src/index.ts'
import { preparePackage, runPackage, schema, state, table, tempDir } from './helpers.ts'

const entries = table('entries', [
  ['id', 'bigint'],
  ['at', 'timestamp'],
])
const users = table('users', [['id', 'bigint']], 'replace')

async function all(reader: SqlReader, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const chunk of reader.query(sql)) rows.push(...chunk.rows.map((r) => [...r]))
  return rows
}

/**
 * What the filesystem destination does on any bucket, beyond the conformance suites: each format with append and
 * replace (checked by the keys in the bucket and through the dataset reader), a package repeated after a crash
 * between upload and commit, state and schema on a fresh client. `options` is called once the server runs.
 */
export function bucketBehaviour(options: () => FilesystemOptions): void {
  const ctx = (datasetName: string) => ({ datasetName, pipelineName: 'pipe', emit: () => {} })
  let work: string
  const jobs = async () => {
    work ??= await tempDir('sluice-bucket-jobs-')
    return work
  }
  afterAll(async () => {
    if (work) await (await import('node:fs/promises')).rm(work, { recursive: true, force: true })
  })

  for (const [format, gzip] of [
    ['jsonl', true],
    ['parquet', false],
    ['csv', false],
  ] as [FilesystemFormat, boolean][]) {
    it(`${format}${gzip ? ' (gzip)' : ''}: append adds files, replace keeps only the newest, the reader sees both`, async () => {
      const dataset = `formats_${format}`
      const o = { ...options(), format, ...(gzip ? { compression: 'gzip' as const } : {}) }
      const c = await filesystem(o).createClient(ctx(dataset))
      await runPackage(c, await jobs(), {
        loadId: '100.1',
        schema: schema([entries, users], 'hA'),
        tables: [
          { table: entries, rows: [{ id: 1, at: '2024-01-01T00:00:00.5Z' }] },
          { table: users, rows: [{ id: 1 }, { id: 2 }] },
        ],
      })
      await runPackage(c, await jobs(), {
        loadId: '100.2',
        schema: schema([entries, users], 'hA'),
        tables: [
          { table: entries, rows: [{ id: 2, at: '2024-01-02T00:00:00Z' }] },
          { table: users, rows: [{ id: 3 }] },
        ],
      })
      await c[Symbol.asyncDispose]()
      const store = createStore(o)
      const ext = `${format}${gzip ? '.gz' : ''}`
      const keys = await store.list(`${dataset}/`)
      await store.close?.()
      expect(keys.filter((k) => !k.includes('/_sluice'))).toEqual([
        `${dataset}/entries/100.1.0.${ext}`,
        `${dataset}/entries/100.2.0.${ext}`,
        `${dataset}/users/100.2.0.${ext}`,
      ])
      expect(keys.some((k) => k.includes('/_sluice_pending/'))).toBe(false)
      const reader = await filesystem(o).openReader!(ctx(dataset))
      try {
        expect(await all(reader, 'select id, "at" from entries order by id')).toEqual([
          [1n, expect.anything()],
          [2n, expect.anything()],
        ])
        expect(await all(reader, 'select id from users')).toEqual([[3n]])
      } finally {
        await reader.close()
      }
    })
  }

  it('a crash between upload and commit: the repeated package is loaded once, nothing doubled', async () => {
    const dataset = 'crash'
    const o = options()
    const spec = {
      loadId: '200.1',
      schema: schema([entries], 'hC'),
      tables: [{ table: entries, rows: [{ id: 1 }, { id: 2 }, { id: 3 }], jobs: 2 }],
      state: state('pipe', '200.1', 'after-crash'),
    }
    const c = await filesystem(o).createClient(ctx(dataset))
    const { load, jobs: files } = await preparePackage(await jobs(), spec)
    await c.initialize()
    await c.migrate(spec.schema, [])
    await c.startLoad(load)
    for (const job of files) await c.load(job, new AbortController().signal)
    // the process dies here: every file is in the bucket, the load record is not
    await c[Symbol.asyncDispose]()
    const store = createStore(o)
    expect(await store.list(`${dataset}/_sluice_loads/`)).toEqual([])
    expect((await store.list(`${dataset}/entries/`)).length).toBe(2)

    const again = await filesystem(o).createClient(ctx(dataset))
    await again.initialize()
    expect(await again.getStoredState('pipe')).toBeUndefined()
    await runPackage(again, await jobs(), spec)
    await again[Symbol.asyncDispose]()
    expect(await store.list(`${dataset}/entries/`)).toEqual([
      `${dataset}/entries/200.1.0.jsonl`,
      `${dataset}/entries/200.1.1.jsonl`,
    ])
    expect(await store.list(`${dataset}/_sluice_loads/`)).toEqual([`${dataset}/_sluice_loads/200.1.json`])
    await store.close?.()
    const reader = await filesystem(o).openReader!(ctx(dataset))
    try {
      expect(await all(reader, 'select id from entries order by id')).toEqual([[1n], [2n], [3n]])
    } finally {
      await reader.close()
    }
    const fresh = await filesystem(o).createClient(ctx(dataset))
    await fresh.initialize()
    expect(await fresh.getStoredState('pipe')).toMatchObject({ state: 'after-crash' })
    expect(await fresh.getStoredSchema('clockodo')).toMatchObject({ versionHash: 'hC' })
    await fresh[Symbol.asyncDispose]()
  })
}
