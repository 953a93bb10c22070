import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type ClockodoAccount, startClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { duckdbCounts, duckdbQuery, readAllFiles, runCli, tempDir } from './cli-helpers.ts'

// The real CLI, spawned as a process, against the simulated account served over HTTP on 127.0.0.1.
const SECRET = 'sk-RECOGNIZABLE-7f3a9c1e55d2'
const USER = 'owner@example.com'

let mock: { baseUrl: string; account: ClockodoAccount; close(): Promise<void> }
let cwd: string
let env: Record<string, string>

beforeAll(async () => {
  mock = await startClockodoMock({
    seed: 7,
    size: { users: 4, years: 2, entriesPerWorkday: 3 },
    credentials: { user: USER, apiKey: SECRET },
    rateLimits: false,
  })
  cwd = await tempDir('sluice-cli-e2e-')
  env = {
    SOURCES__CLOCKODO__API_USER: USER,
    SOURCES__CLOCKODO__API_KEY: SECRET,
    SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
    SLUICE_PIPELINES_DIR: join(cwd, 'pipelines'),
  }
})

afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true })
  await mock?.close()
})

const db = () => join(cwd, 'clockodo_pipeline.duckdb')

describe('sluice run into DuckDB', () => {
  test('loads every table with exactly the generated row counts', async () => {
    const r = await runCli(['run', '--progress', 'log'], { cwd, env })
    expect(r.stderr + r.stdout).not.toContain(SECRET)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /load package\(s\) were loaded to destination duckdb and into dataset clockodo_data/,
    )
    expect(r.stdout).toMatch(/^Load package \d+\.\d+ is LOADED and contains no failed jobs$/m)
    const counts = await duckdbCounts(db(), 'clockodo_data')
    const expected = mock.account.expectedCounts()
    for (const [table, rows] of Object.entries(expected)) {
      expect({ table, rows: counts[table] ?? 0 }).toEqual({ table, rows })
    }
  })

  test('a second run changes nothing', async () => {
    const before = await duckdbQuery(
      db(),
      'select count(*), sum(id), sum(coalesce(duration, 0)) from clockodo_data.entries',
    )
    const r = await runCli(['run', '--progress', 'none'], { cwd, env })
    expect(r.code, r.stderr).toBe(0)
    const after = await duckdbQuery(
      db(),
      'select count(*), sum(id), sum(coalesce(duration, 0)) from clockodo_data.entries',
    )
    expect(after).toEqual(before)
    expect(await duckdbCounts(db(), 'clockodo_data')).toMatchObject(mock.account.expectedCounts())
  })

  test('edits, additions and deletions within the lookback show up after the next run', async () => {
    const recent = [...mock.account.entriesBetween(daysAgo(20), daysAgo(5))]
    expect(recent.length).toBeGreaterThan(3)
    const edited = recent[0]!
    const deleted = recent[1]!
    mock.account.editEntry(edited.id, { text: 'edited by the e2e test' })
    mock.account.deleteEntry(deleted.id)
    const added = mock.account.addEntry({
      time_since: `${daysAgo(3)}T09:00:00Z`,
      time_until: `${daysAgo(3)}T10:00:00Z`,
    })
    const customers = mock.account.expectedCounts().customers ?? 0
    const r = await runCli(['run', '--progress', 'none', '--json'], { cwd, env })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).pipelineName).toBe('clockodo_pipeline')
    const rows = await duckdbQuery(
      db(),
      `select id::INTEGER, text from clockodo_data.entries where id in (${edited.id}, ${deleted.id}, ${added.id}) order by id`,
    )
    expect(rows).toContainEqual([edited.id, 'edited by the e2e test'])
    expect(rows.map((row) => row[0])).not.toContain(deleted.id)
    expect(rows.map((row) => row[0])).toContain(added.id)
    const counts = await duckdbCounts(db(), 'clockodo_data')
    expect(counts.entries).toBe(mock.account.expectedCounts().entries)
    expect(counts.customers).toBe(customers)
  })

  test('the secret never appears in the trace, the state, the load packages or the database', async () => {
    for (const { file, text } of await readAllFiles(cwd)) {
      expect(text.includes(SECRET), file).toBe(false)
    }
  })
})

describe('sluice run --page-workers', () => {
  test('page workers load the same entries and schema as the main thread alone', async () => {
    const load = async (workers: string) => {
      const dir = await tempDir(`sluice-cli-workers-${workers}-`)
      onTestFinished(() => rm(dir, { recursive: true, force: true }))
      const r = await runCli(['run', '--progress', 'none', '--page-workers', workers], {
        cwd: dir,
        env: { ...env, SLUICE_PIPELINES_DIR: join(dir, 'pipelines') },
      })
      expect(r.code, r.stderr).toBe(0)
      const file = join(dir, 'clockodo_pipeline.duckdb')
      const columns = await duckdbQuery(
        file,
        "select column_name, data_type from information_schema.columns where table_schema = 'clockodo_data' and table_name = 'entries' order by ordinal_position",
      )
      const content = await duckdbQuery(
        file,
        "select count(*), count(distinct id), sum(hash(columns(c -> c not in ('_sluice_id', '_sluice_load_id')))) from clockodo_data.entries",
      )
      return { columns, content, counts: await duckdbCounts(file, 'clockodo_data') }
    }
    const [here, workers] = [await load('0'), await load('2')]
    expect(workers.columns).toEqual(here.columns)
    expect(workers.content).toEqual(here.content)
    expect(workers.counts).toEqual(here.counts)
    expect(Number(here.content[0]![0])).toBe(mock.account.expectedCounts().entries)
  })
})

describe('sluice run: job-file size (file_max_bytes)', () => {
  test('DATA_WRITER__FILE_MAX_BYTES rotates the job files; the rows are the same', async () => {
    const dir = await tempDir('sluice-cli-filesize-')
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const size = 32 * 1024
    const runEnv = {
      ...env,
      SLUICE_PIPELINES_DIR: join(dir, 'pipelines'),
      DATA_WRITER__FILE_MAX_BYTES: String(size),
    }
    const r = await runCli(['run', '--progress', 'none', '--resources', 'entries'], { cwd: dir, env: runEnv })
    expect(r.code, r.stderr).toBe(0)
    const pkg = await runCli(['pipeline', 'clockodo_pipeline', 'load-package'], { cwd: dir, env: runEnv })
    const jobs = (JSON.parse(pkg.stdout).jobs as { table: string; bytes: number; rows: number }[]).filter(
      (j) => j.table === 'entries',
    )
    expect(jobs.length).toBeGreaterThan(3)
    // every file but the last reached the size (the first one half of it, as it loads during extraction)
    for (const job of jobs.slice(1, -1)) expect(job.bytes).toBeGreaterThanOrEqual(size)
    expect(jobs[0]!.bytes).toBeGreaterThanOrEqual(size / 2)
    const expected = mock.account.expectedCounts().entries
    expect(jobs.reduce((n, j) => n + j.rows, 0)).toBe(expected)
    expect((await duckdbCounts(join(dir, 'clockodo_pipeline.duckdb'), 'clockodo_data')).entries).toBe(
      expected,
    )
  })

  test('a size that is not a whole number of bytes is a usage error naming the setting', async () => {
    const r = await runCli(['run', '--progress', 'none'], {
      cwd,
      env: { ...env, NORMALIZE__DATA_WRITER__FILE_MAX_BYTES: '8MB' },
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('normalize.data_writer.file_max_bytes is "8MB"')
    expect(r.stderr).toContain('NORMALIZE__DATA_WRITER__FILE_MAX_BYTES')
  })
})

describe('sluice run: refusals and configuration', () => {
  test('missing credentials name the variable and the TOML key', async () => {
    const dir = await tempDir('sluice-cli-nocreds-')
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const r = await runCli(['run'], { cwd: dir, env: { SOURCES__CLOCKODO__API_USER: USER } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('SOURCES__CLOCKODO__API_KEY')
    expect(r.stderr).toContain('[sources.clockodo]')
  })

  test('rejected credentials (401) say so and how to get a key', async () => {
    const dir = await tempDir('sluice-cli-401-')
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const r = await runCli(['run', '--progress', 'none'], {
      cwd: dir,
      env: { ...env, SOURCES__CLOCKODO__API_KEY: 'wrong-key-123456', SLUICE_PIPELINES_DIR: join(dir, 'p') },
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/credentials were rejected/i)
    expect(r.stderr).toMatch(/API key/)
    expect(r.stderr).not.toContain('wrong-key-123456')
  })

  test('an unknown destination says what to use', async () => {
    const r = await runCli(['run', '--destination', 'oracle'], { cwd, env })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown destination "oracle": use one of duckdb, postgres/)
  })

  test('a bad date is a usage error', async () => {
    const r = await runCli(['run', '--since', '2024-31-01'], { cwd, env })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--since "2024-31-01" is not a date/)
  })
})

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)
}
