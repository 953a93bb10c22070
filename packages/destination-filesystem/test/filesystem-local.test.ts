import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DestinationClient, DestinationContext } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type FilesystemOptions, filesystem } from '../src/index.ts'
import {
  duck,
  lit,
  preparePackage,
  runPackage,
  schema,
  state,
  table,
  tempDir,
  visibleSql,
} from './helpers.ts'

const ctx: DestinationContext = { datasetName: 'lake', pipelineName: 'pipe', emit: () => {} }
const entries = table('entries', [
  ['id', 'bigint'],
  ['text', 'text'],
])

let root: string
let work: string
const clients: DestinationClient[] = []

async function client(options: Partial<FilesystemOptions> = {}): Promise<DestinationClient> {
  const c = await filesystem({ bucketUrl: root, ...options }).createClient(ctx)
  clients.push(c)
  return c
}

async function files(dir: string): Promise<string[]> {
  try {
    return (await readdir(join(root, 'lake', dir))).sort()
  } catch {
    return []
  }
}

async function visible(tableName = 'entries'): Promise<Record<string, unknown>[]> {
  const { rows } = await duck(`${visibleSql(root, 'lake', tableName, 'read_json_auto')} ORDER BY id`)
  return rows
}

beforeEach(async () => {
  root = await tempDir()
  work = await tempDir('sluice-fs-jobs-')
})

afterEach(async () => {
  for (const c of clients.splice(0)) await c[Symbol.asyncDispose]()
  await rm(root, { recursive: true, force: true })
  await rm(work, { recursive: true, force: true })
})

describe('filesystem destination on a local folder', () => {
  it('appends: every package adds files, all rows visible', async () => {
    const c = await client()
    await runPackage(c, work, {
      loadId: '1700000001.1',
      schema: schema([entries]),
      tables: [
        {
          table: entries,
          rows: [
            { id: 1, text: 'a' },
            { id: 2, text: 'b' },
          ],
          jobs: 2,
        },
      ],
    })
    await runPackage(c, work, {
      loadId: '1700000002.1',
      schema: schema([entries]),
      tables: [{ table: entries, rows: [{ id: 3, text: 'c' }] }],
    })
    expect(await files('entries')).toEqual([
      '1700000001.1.0.jsonl',
      '1700000001.1.1.jsonl',
      '1700000002.1.0.jsonl',
    ])
    expect((await visible()).map((r) => r['id'])).toEqual([1, 2, 3])
    expect(await files('_sluice_loads')).toEqual(['1700000001.1.json', '1700000002.1.json'])
    const record = JSON.parse(await readFile(join(root, 'lake/_sluice_loads/1700000001.1.json'), 'utf8'))
    expect(record).toMatchObject({ load_id: '1700000001.1', schema_name: 'clockodo', status: 0 })
    expect(record.tables).toEqual(['entries'])
    expect(record.files).toEqual(['lake/entries/1700000001.1.0.jsonl', 'lake/entries/1700000001.1.1.jsonl'])
    expect(await files('_sluice_pending')).toEqual([])
  })

  it('replace: older files are removed only after the new ones are written', async () => {
    const users = table('users', [['id', 'bigint']], 'replace')
    const c = await client()
    await runPackage(c, work, {
      loadId: '1700000001.1',
      schema: schema([users]),
      tables: [{ table: users, rows: [{ id: 1 }, { id: 2 }] }],
    })
    const { load, jobs } = await preparePackage(work, {
      loadId: '1700000002.1',
      schema: schema([users]),
      tables: [{ table: users, rows: [{ id: 7 }] }],
    })
    await c.startLoad(load)
    for (const j of jobs) await c.load(j, new AbortController().signal)
    // new file written, old one still there (and the only visible one) until complete()
    expect(await files('users')).toEqual(['1700000001.1.0.jsonl', '1700000002.1.0.jsonl'])
    expect((await visible('users')).map((r) => r['id'])).toEqual([1, 2])
    await c.complete(load)
    expect(await files('users')).toEqual(['1700000002.1.0.jsonl'])
    expect((await visible('users')).map((r) => r['id'])).toEqual([7])
  })

  it('replace with no rows empties the table', async () => {
    const users = table('users', [['id', 'bigint']], 'replace')
    const c = await client()
    await runPackage(c, work, {
      loadId: '1.1',
      schema: schema([users]),
      tables: [{ table: users, rows: [{ id: 1 }] }],
    })
    await runPackage(c, work, {
      loadId: '1.2',
      schema: schema([users]),
      tables: [{ table: users, rows: [], jobs: 0 }],
    })
    expect(await files('users')).toEqual([])
  })

  it('refuses merge with an error naming the alternatives', async () => {
    const merged = table('projects', [['id', 'bigint']], 'merge')
    const c = await client()
    const { load, jobs } = await preparePackage(work, {
      loadId: '1.1',
      schema: schema([merged]),
      tables: [{ table: merged, rows: [{ id: 1 }] }],
    })
    await c.initialize()
    const error = await c.startLoad(load).catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_UNSUPPORTED')).toBe(true)
    expect((error as Error).message).toMatch(/projects.*merge/)
    expect((error as Error).message).toMatch(/'append' or 'replace'/)
    expect((error as Error).message).toMatch(/SQL destination/)
    // nothing was written or recorded
    await expect(c.complete(load)).rejects.toThrow(/merge/)
    expect(await files('_sluice_loads')).toEqual([])
    expect(jobs).toHaveLength(1)
    expect(filesystem({ bucketUrl: root }).capabilities.mergeStrategies).toEqual([])
    expect(filesystem({ bucketUrl: root }).capabilities.writeDispositions).toEqual(['append', 'replace'])
  })

  it('a repeated package (after a crash) gives the same files and no duplicates', async () => {
    const c = await client()
    const spec = {
      loadId: '1700000001.1',
      schema: schema([entries]),
      tables: [
        {
          table: entries,
          rows: [
            { id: 1, text: 'a' },
            { id: 2, text: 'b' },
          ],
          jobs: 2,
        },
      ],
    }
    // crash after the first job: no record, nothing visible
    const { load, jobs } = await preparePackage(work, spec)
    await c.startLoad(load)
    await c.load(jobs[0]!, new AbortController().signal)
    expect(await files('_sluice_loads')).toEqual([])
    expect(await files('_sluice_pending')).toEqual(['1700000001.1.json'])
    // a fresh client repeats the whole package, twice
    const c2 = await client()
    await runPackage(c2, work, spec)
    await runPackage(c2, work, spec)
    expect(await files('entries')).toEqual(['1700000001.1.0.jsonl', '1700000001.1.1.jsonl'])
    expect((await visible()).map((r) => r['id'])).toEqual([1, 2])
  })

  it('a repeated package with {timestamp} in the layout reuses the first timestamp', async () => {
    let now = 1_700_000_000_000
    const layout = '{dataset}/{table}/{YYYY}/{timestamp}.{load_id}.{file_id}.{ext}'
    const { FilesystemClient, createStore } = await import('../src/index.ts')
    const make = () =>
      new FilesystemClient(ctx, {
        store: createStore({ bucketUrl: root }),
        format: 'jsonl',
        gzip: false,
        layout,
        now: () => now,
      })
    const c1 = make()
    const spec = {
      loadId: '9.1',
      schema: schema([entries]),
      tables: [{ table: entries, rows: [{ id: 1, text: 'a' }] }],
    }
    const { load, jobs } = await preparePackage(work, spec)
    await c1.startLoad(load)
    await c1.load(jobs[0]!, new AbortController().signal)
    now += 3_600_000
    // a new client (new process) with a later clock
    const c2 = make()
    await runPackage(c2, work, spec)
    expect(await files('entries/2023')).toEqual([expect.stringMatching(/^\d+\.9\.1\.0\.jsonl$/)])
    expect(await visible().catch(() => [])).toEqual([])
    const { rows } = await duck(
      `SELECT id FROM read_json_auto(${lit(`${root}/lake/entries/*/*.jsonl`)}) WHERE _sluice_load_id IN (SELECT load_id FROM read_json_auto(${lit(`${root}/lake/_sluice_loads/*.json`)}))`,
    )
    expect(rows).toEqual([{ id: 1 }])
  })

  it('a load is visible only once its _sluice_loads record exists', async () => {
    const c = await client()
    await runPackage(c, work, {
      loadId: '1.1',
      schema: schema([entries]),
      tables: [{ table: entries, rows: [{ id: 1, text: 'a' }] }],
    })
    const { load, jobs } = await preparePackage(work, {
      loadId: '1.2',
      schema: schema([entries], 'hash2'),
      tables: [{ table: entries, rows: [{ id: 2, text: 'b' }] }],
      state: state('pipe', '1.2', 'S2'),
    })
    await c.startLoad(load)
    for (const j of jobs) await c.load(j, new AbortController().signal)
    expect((await visible()).map((r) => r['id'])).toEqual([1])
    expect((await c.getStoredSchema('clockodo'))?.versionHash).toBe('hash1')
    await c.complete(load)
    expect((await visible()).map((r) => r['id'])).toEqual([1, 2])
    expect((await c.getStoredSchema('clockodo'))?.versionHash).toBe('hash2')
  })

  it('restores schema and state from the bucket on a fresh client, ignoring incomplete loads', async () => {
    const c = await client()
    await runPackage(c, work, {
      loadId: '999.5',
      schema: schema([entries], 'hashA'),
      tables: [{ table: entries, rows: [{ id: 1, text: 'a' }] }],
      state: state('pipe', '999.5', 'STATE-A'),
    })
    await runPackage(c, work, {
      loadId: '1000.1',
      schema: schema([entries], 'hashB'),
      tables: [{ table: entries, rows: [{ id: 2, text: 'b' }] }],
      state: state('pipe', '1000.1', 'STATE-B'),
    })
    // an incomplete newer load: data, state and schema written, no record
    const { load, jobs } = await preparePackage(work, {
      loadId: '1700000002.0',
      schema: schema([entries], 'hashC'),
      tables: [{ table: entries, rows: [{ id: 3, text: 'c' }] }],
      state: state('pipe', '1700000002.0', 'STATE-C'),
    })
    await c.startLoad(load)
    for (const j of jobs) await c.load(j, new AbortController().signal)
    await c.complete(load)
    await rm(join(root, 'lake/_sluice_loads/1700000002.0.json'))

    const fresh = await client()
    await fresh.initialize()
    // 1000.1 is newer than 999.5 (numeric, not string order)
    expect(await fresh.getStoredState('pipe')).toMatchObject({ state: 'STATE-B', pipelineName: 'pipe' })
    const stored = await fresh.getStoredSchema('clockodo')
    expect(stored).toMatchObject({ name: 'clockodo', versionHash: 'hashB' })
    expect(stored?.schema.tables['entries']?.columns.map((col) => col.name)).toContain('text')
    expect(await fresh.getStoredState('other')).toBeUndefined()
    expect(await fresh.getStoredSchema('other')).toBeUndefined()
  })

  it('an empty bucket has no state and no schema', async () => {
    const c = await client()
    await c.initialize()
    expect(await c.getStoredState('pipe')).toBeUndefined()
    expect(await c.getStoredSchema('clockodo')).toBeUndefined()
  })

  it('table names can never leave the dataset folder', async () => {
    const c = await client()
    const evil = ['../escape', '/etc/passwd', '..\\x', '..', '.hidden']
    for (const [i, name] of evil.entries()) {
      const t = table(name, [['id', 'bigint']])
      await runPackage(c, work, {
        loadId: `1.${i + 1}`,
        schema: schema([t]),
        tables: [{ table: t, rows: [{ id: i }] }],
      })
    }
    const top = (await readdir(root)).sort()
    expect(top).toEqual(['lake'])
    const inLake = (await readdir(join(root, 'lake'))).filter((n) => !n.startsWith('_sluice')).sort()
    expect(inLake).toEqual(['%2E.', '%2E.%2Fescape', '%2E.%5Cx', '%2Ehidden', '%2Fetc%2Fpasswd'])
    for (const dir of inLake) expect(await readdir(join(root, 'lake', dir))).toHaveLength(1)
  })

  it('uses file:// URLs and reports the location without secrets', async () => {
    const c = await filesystem({ bucketUrl: `file://${root}` }).createClient(ctx)
    clients.push(c)
    expect(c.location).toBe(`file://${root}/lake`)
    const { jobs } = await preparePackage(work, {
      loadId: '1.1',
      schema: schema([entries]),
      tables: [{ table: entries, rows: [{ id: 1, text: 'x' }] }],
    })
    const result = await c.load(jobs[0]!, new AbortController().signal)
    expect(result).toEqual({ rows: 1, location: `file://${root}/lake/entries/1.1.0.jsonl` })
  })

  it('rejects layouts that could leave the dataset folder or collide', () => {
    expect(() => filesystem({ bucketUrl: root, layout: '{table}/{load_id}.{file_id}.{ext}' })).toThrow(
      /start with \{dataset\}/,
    )
    expect(() =>
      filesystem({ bucketUrl: root, layout: '{dataset}/../{table}/{load_id}.{file_id}.{ext}' }),
    ).toThrow(/\.\./)
    expect(() => filesystem({ bucketUrl: root, layout: '{dataset}/{table}.{ext}' })).toThrow(/\{load_id\}/)
    expect(() =>
      filesystem({ bucketUrl: root, layout: '{dataset}/{table}/{nope}.{load_id}.{file_id}' }),
    ).toThrow(/placeholders/)
  })
})

describe('job file checks', () => {
  it('rejects a job line with a column the table does not have, naming the line', async () => {
    const { writeFile } = await import('node:fs/promises')
    const c = await client()
    const file = join(work, 'bad.jsonl')
    await writeFile(file, '{"id":1,"text":"a"}\n{"id":2,"surprise":true}\n')
    const error = await c
      .load(
        { loadId: '1.1', jobId: 'entries.1.jsonl', table: entries, file, format: 'jsonl', rows: 2 },
        new AbortController().signal,
      )
      .catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_UNKNOWN_COLUMN')).toBe(true)
    expect((error as Error).message).toMatch(/line 2 .*"surprise"/)
    expect(await files('entries')).toEqual([])
  })
})
