import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type ClockodoAccount, startClockodoMock } from '@sluice/clockodo-mock'
import { startTestPostgres, type TestPostgres } from '@sluice/destination-postgres/test-server'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { duckdbQuery, readAllFiles, runCli, tempDir } from './cli-helpers.ts'

// `sluice run --destination postgres|filesystem` end to end: the real CLI against the simulated account over HTTP.
const SECRET = 'sk-DESTINATIONS-51c0ffee'
const USER = 'owner@example.com'

let mock: { baseUrl: string; account: ClockodoAccount; close(): Promise<void> }
let server: TestPostgres
let env: Record<string, string>

beforeAll(async () => {
  mock = await startClockodoMock({
    seed: 21,
    size: { users: 3, years: 1, entriesPerWorkday: 2 },
    credentials: { user: USER, apiKey: SECRET },
    rateLimits: false,
  })
  server = await startTestPostgres()
  env = {
    SOURCES__CLOCKODO__API_USER: USER,
    SOURCES__CLOCKODO__API_KEY: SECRET,
    SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
  }
})

afterAll(async () => {
  await mock?.close()
  await server?.stop()
})

async function pgCounts(url: string, dataset: string, tables: string[]): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const out: Record<string, number> = {}
    for (const t of tables) {
      const r = await client.query(`select count(*)::int as n from "${dataset}"."${t}"`)
      out[t] = r.rows[0].n
    }
    return out
  } finally {
    await client.end()
  }
}

describe('sluice run --destination postgres', () => {
  test('loads every table with the generated row counts; a second run changes nothing', async () => {
    const cwd = await tempDir('sluice-cli-pg-')
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const runEnv = {
      ...env,
      DESTINATION__POSTGRES__CREDENTIALS: server.url,
      SLUICE_PIPELINES_DIR: join(cwd, 'p'),
    }
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['run', '--destination', 'postgres', '--progress', 'none'], { cwd, env: runEnv })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(
        /The postgres destination used postgres:\/\/postgres@127\.0\.0\.1:\d+\/sluice_test location/,
      )
      expect(await pgCounts(server.url, 'clockodo_data', Object.keys(expected))).toEqual(expected)
    }
    const password = new URL(server.url).password
    for (const { file, text } of await readAllFiles(cwd)) {
      expect(text.includes(SECRET), file).toBe(false)
      expect(text.includes(password), file).toBe(false)
    }
  })

  test('a refused connection says which setting to fix', async () => {
    const cwd = await tempDir('sluice-cli-pg-refused-')
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const r = await runCli(['run', '--destination', 'postgres', '--progress', 'none'], {
      cwd,
      env: {
        ...env,
        DESTINATION__POSTGRES__CREDENTIALS: 'postgresql://loader:pw-secret-1234@127.0.0.1:1/db',
        SLUICE_PIPELINES_DIR: join(cwd, 'p'),
      },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/127\.0\.0\.1:1/)
    expect(r.stderr).toMatch(/DESTINATION__POSTGRES__CREDENTIALS/)
    expect(r.stderr).not.toContain('pw-secret-1234')
  })
})

describe('sluice run --destination filesystem', () => {
  test('writes parquet files that read back with the generated row counts, twice without duplicates', async () => {
    const cwd = await tempDir('sluice-cli-fs-')
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const lake = join(cwd, 'lake')
    const runEnv = {
      ...env,
      DESTINATION__FILESYSTEM__BUCKET_URL: lake,
      DESTINATION__FILESYSTEM__FORMAT: 'parquet',
      SLUICE_PIPELINES_DIR: join(cwd, 'p'),
    }
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['run', '--destination', 'filesystem', '--progress', 'none'], {
        cwd,
        env: runEnv,
      })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(
        /filesystem has no merge: entries and work times are read in full and replaced/,
      )
      for (const table of ['entries', 'customers', 'work_times']) {
        const rows = await duckdbQuery(
          ':memory:',
          `select count(*)::INTEGER, count(distinct ${table === 'work_times' ? "users_id || '-' || date" : 'id'})::INTEGER from read_parquet('${lake}/clockodo_data/${table}/*.parquet')`,
        )
        expect({ table, rows: rows[0] }).toEqual({ table, rows: [expected[table], expected[table]] })
      }
    }
  })
})
