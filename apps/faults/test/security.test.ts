import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { type Destination, defineResource, defineSource } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { filesystem } from '@sluice/destination-filesystem'
import { postgres } from '@sluice/destination-postgres'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { type CliResult, postgresQuery, readAllFiles, runCli, tempDir } from '../src/index.ts'
import { API_KEY, API_USER, cliEnv, postgresUrl, startMock } from './helpers.ts'

let mock: RunningClockodoMock
beforeAll(async () => {
  mock = await startMock()
})
afterAll(async () => {
  await mock?.close()
})

describe('secrets never leave their place', () => {
  test('the API key and the PostgreSQL password appear in no output, file or table', async () => {
    const password = inject('postgresPassword')
    const url = postgresUrl()
    expect(url).toContain(password)
    const cwd = await tempDir('sluice-faults-secrets-')
    const env = cliEnv(cwd, mock.baseUrl, {
      DESTINATION__POSTGRES__CREDENTIALS: url,
      DESTINATION__FILESYSTEM__BUCKET_URL: join(cwd, 'bucket'),
    })
    const outputs: CliResult[] = []
    const run = async (args: string[], runEnv = env): Promise<CliResult> => {
      const r = await runCli(args, { cwd, env: runEnv })
      outputs.push(r)
      return r
    }
    for (const destination of ['duckdb', 'postgres', 'filesystem']) {
      const name = `secrets_${destination}`
      const r = await run([
        'run',
        '--progress',
        'log',
        '--destination',
        destination,
        '--pipeline-name',
        name,
        '--dataset',
        name,
      ])
      expect(r.code, r.stderr).toBe(0)
      const json = await run([
        'run',
        '--json',
        '--destination',
        destination,
        '--pipeline-name',
        name,
        '--dataset',
        name,
      ])
      expect(json.code, json.stderr).toBe(0)
      for (const cmd of ['info', 'trace', 'state', 'load-package', 'failed-jobs', 'schema']) {
        const r2 = await run(['pipeline', name, cmd])
        expect(r2.code, `${cmd}: ${r2.stderr}`).toBe(0)
      }
    }
    // failures carry URLs and driver errors: still no secret
    const failing = await startMock({ faults: { errorRate: 1 } })
    try {
      const r = await run(['run', '--progress', 'log', '--pipeline-name', 'secrets_fail'], {
        ...env,
        SOURCES__CLOCKODO__BASE_URL: failing.baseUrl,
        SOURCES__CLOCKODO__MAX_ATTEMPTS: '1',
      })
      expect(r.code).toBe(1)
    } finally {
      await failing.close()
    }
    const badPg = new URL(url)
    badPg.pathname = '/no_such_database'
    const pgFail = await run(['run', '--destination', 'postgres', '--pipeline-name', 'secrets_pgfail'], {
      ...env,
      DESTINATION__POSTGRES__CREDENTIALS: badPg.toString(),
    })
    expect(pgFail.code).toBe(1)
    expect(pgFail.stderr).toContain('no_such_database')

    // a run killed as its load starts keeps its job files on disk (jobs/ or, once loaded, completed/): they are searched too
    const killed = await runCli(['run', '--progress', 'log', '--pipeline-name', 'secrets_killed'], {
      cwd,
      env,
      killWhen: (stderr) => stderr.includes('load started'),
    })
    outputs.push(killed)
    expect(killed.signal).toBe('SIGKILL')

    for (const [i, r] of outputs.entries()) {
      for (const secret of [API_KEY, password]) {
        expect(r.stdout.includes(secret), `stdout of run ${i}`).toBe(false)
        expect(r.stderr.includes(secret), `stderr of run ${i}`).toBe(false)
      }
    }
    // trace, state, schemas, load packages, job files, the DuckDB file and the filesystem bucket
    const files = await readAllFiles(cwd)
    expect(files.some((f) => f.file.endsWith('trace.json'))).toBe(true)
    expect(files.some((f) => f.file.endsWith('.duckdb'))).toBe(true)
    expect(files.some((f) => f.file.includes('/bucket/'))).toBe(true)
    const jobFiles = files.filter((f) =>
      /\/secrets_killed\/packages\/[^/]+\/(jobs|completed)\/entries\.\d+\.(csv|jsonl)$/.test(f.file),
    )
    expect(jobFiles.length).toBeGreaterThan(0)
    for (const { file, text } of files) {
      expect(text.includes(API_KEY), file).toBe(false)
      expect(text.includes(password), file).toBe(false)
    }
    // every row of every table in the PostgreSQL dataset, system tables included
    const tables = await postgresQuery<{ table_name: string }>(
      url,
      `select table_name from information_schema.tables where table_schema = 'secrets_postgres'`,
    )
    expect(tables.map((t) => t.table_name)).toContain('_sluice_pipeline_state')
    for (const { table_name } of tables) {
      const rows = await postgresQuery<{ t: string }>(
        url,
        `select t::text as t from "secrets_postgres"."${table_name}" t`,
      )
      const text = rows.map((r) => r.t).join('\n')
      expect(text.includes(API_KEY), table_name).toBe(false)
      expect(text.includes(password), table_name).toBe(false)
    }
  })
})

describe('world-readable secrets', () => {
  test('a world-readable .sluice/secrets.toml gets a warning saying chmod 600; a private one does not', async () => {
    const cwd = await tempDir('sluice-faults-toml-')
    await mkdir(join(cwd, '.sluice'))
    const file = join(cwd, '.sluice', 'secrets.toml')
    await writeFile(file, `[sources.clockodo]\napi_user = "${API_USER}"\napi_key = "${API_KEY}"\n`)
    await chmod(file, 0o644)
    const env = { SOURCES__CLOCKODO__BASE_URL: mock.baseUrl, SLUICE_PIPELINES_DIR: join(cwd, 'pipelines') }
    const open = await runCli(['run', '--progress', 'none', '--resources', 'users'], { cwd, env })
    expect(open.code, open.stderr).toBe(0)
    expect(open.stderr).toContain(`[sluice] warning: ${file} is readable by every user on this machine`)
    expect(open.stderr).toContain(`chmod 600 ${file}`)
    expect(`${open.stdout}${open.stderr}`).not.toContain(API_KEY)
    await chmod(file, 0o600)
    const closed = await runCli(['run', '--progress', 'none', '--resources', 'users'], { cwd, env })
    expect(closed.code, closed.stderr).toBe(0)
    expect(closed.stderr).not.toContain('readable by every user')
  })
})

const NASTY = {
  id: 1,
  'name"; DROP TABLE items; --': 'a',
  "x'); DELETE FROM items; --": 'b',
  select: 'reserved',
  order: 2,
  'Robert"); DROP SCHEMA public CASCADE; --': "'); DROP TABLE items; --",
}

async function duck(file: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file)
  const conn = await instance.connect()
  try {
    return (await conn.runAndReadAll(sql)).getRows() as unknown[][]
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

function nastySource() {
  return defineSource({
    name: 'nasty',
    resources: [
      defineResource({
        name: 'items',
        async *read() {
          yield [NASTY]
        },
      }),
      defineResource({
        name: 'other',
        async *read() {
          yield [{ id: 1 }]
        },
      }),
    ],
  })
}

describe('identifiers from data are quoted', () => {
  test.each([
    {
      name: 'duckdb',
      make: (dir: string): Destination => duckdb({ path: join(dir, 'nasty.duckdb') }),
      columns: async (dir: string, dataset: string) =>
        (
          await duck(
            join(dir, 'nasty.duckdb'),
            `select column_name from information_schema.columns where table_schema = '${dataset}' and table_name = 'items'`,
          )
        ).map((r) => r[0] as string),
      values: async (dir: string, dataset: string, column: string) =>
        (await duck(join(dir, 'nasty.duckdb'), `select "${column}" from "${dataset}".items`)).map(
          (r) => r[0],
        ),
      tables: async (dir: string, dataset: string) =>
        (
          await duck(
            join(dir, 'nasty.duckdb'),
            `select table_name from information_schema.tables where table_schema = '${dataset}'`,
          )
        ).map((r) => r[0] as string),
    },
    {
      name: 'postgres',
      make: (): Destination => postgres({ credentials: postgresUrl() }),
      columns: async (_dir: string, dataset: string) =>
        (
          await postgresQuery<{ c: string }>(
            postgresUrl(),
            `select column_name as c from information_schema.columns where table_schema = $1 and table_name = 'items'`,
            [dataset],
          )
        ).map((r) => r.c),
      values: async (_dir: string, dataset: string, column: string) =>
        (
          await postgresQuery<{ v: unknown }>(
            postgresUrl(),
            `select "${column}" as v from "${dataset}".items`,
          )
        ).map((r) => r.v),
      tables: async (_dir: string, dataset: string) =>
        (
          await postgresQuery<{ t: string }>(
            postgresUrl(),
            `select table_name as t from information_schema.tables where table_schema = $1`,
            [dataset],
          )
        ).map((r) => r.t),
    },
  ])(
    'a field named like an SQL injection loads as a column ($name)',
    async ({ name, make, columns, values, tables }) => {
      const dir = await tempDir(`sluice-faults-nasty-${name}-`)
      const dataset = `nasty_${name}`
      await pipeline({
        pipelineName: `nasty_${name}`,
        destination: make(dir),
        datasetName: dataset,
        pipelinesDir: dir,
      }).run(nastySource())
      const cols = await columns(dir, dataset)
      expect(cols).toEqual(expect.arrayContaining(['id', 'select', 'order']))
      const injected = cols.filter((c) => /drop|delete/.test(c))
      expect(injected).toHaveLength(3)
      expect(await values(dir, dataset, 'select')).toEqual(['reserved'])
      const robert = injected.find((c) => c.startsWith('robert'))!
      expect(await values(dir, dataset, robert)).toEqual(["'); DROP TABLE items; --"])
      expect(await tables(dir, dataset)).toEqual(expect.arrayContaining(['items', 'other']))
      if (name === 'postgres') {
        const schemas = await postgresQuery<{ n: string }>(
          postgresUrl(),
          `select nspname as n from pg_namespace`,
        )
        expect(schemas.map((s) => s.n)).toContain('public')
      }
    },
  )
})

describe('file paths from data stay inside the dataset folder', () => {
  test('a table, a field, a child table and a dataset named ../../etc write only under the bucket', async () => {
    const root = await tempDir('sluice-faults-paths-')
    const bucket = join(root, 'deep', 'bucket')
    await mkdir(bucket, { recursive: true })
    const source = defineSource({
      name: 'paths',
      resources: [
        defineResource({
          name: 'escape',
          tableName: '../../etc',
          async *read() {
            yield [{ id: 1, '../../etc': 'x', '../../../etc/passwd': [{ line: 'root:x:0:0' }] }]
          },
        }),
      ],
    })
    await pipeline({
      pipelineName: 'paths',
      destination: filesystem({ bucketUrl: bucket }),
      datasetName: '../../etc',
      pipelinesDir: join(root, 'pipelines'),
    }).run(source)
    const written: string[] = []
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) written.push(relative(root, join(entry.parentPath, entry.name)))
    }
    const data = written.filter((f) => !f.startsWith('pipelines/'))
    expect(data.length).toBeGreaterThan(2)
    for (const f of data) expect(f.startsWith('deep/bucket/_etc/'), f).toBe(true)
    expect(data.some((f) => f.startsWith('deep/bucket/_etc/_etc/'))).toBe(true)
    expect(
      data.some((f) => /deep\/bucket\/_etc\/_etc__[^/]*passwd\//.test(f)),
      data.join('\n'),
    ).toBe(true)
    expect(await readdir(join(root, 'deep'))).toEqual(['bucket'])
  })
})
