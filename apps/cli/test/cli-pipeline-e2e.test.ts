import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { type ClockodoAccount, startClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { main } from '../src/cli-main.ts'
import { duckdbCounts, runCli, tempDir } from './cli-helpers.ts'

// `sluice pipeline ...` and `sluice init`, the 403 skip and 429 bursts, through the real CLI.
const USER = 'owner@example.com'
const KEY = 'sk-PIPELINE-CMDS-42aa'

let mock: { baseUrl: string; account: ClockodoAccount; close(): Promise<void> }
let cwd: string
let env: Record<string, string>
const cli = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd, env: { ...env, ...extra } })

beforeAll(async () => {
  mock = await startClockodoMock({
    seed: 3,
    size: { users: 2, years: 1, entriesPerWorkday: 2 },
    credentials: { user: USER, apiKey: KEY },
    rateLimits: false,
  })
  cwd = await tempDir('sluice-cli-pipeline-')
  env = {
    SOURCES__CLOCKODO__API_USER: USER,
    SOURCES__CLOCKODO__API_KEY: KEY,
    SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
    SLUICE_PIPELINES_DIR: join(cwd, 'pipelines'),
  }
  const r = await cli(['run', '--progress', 'none'])
  if (r.code !== 0) throw new Error(r.stderr)
})

afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true })
  await mock?.close()
})

describe('sluice pipeline', () => {
  test('info and trace are readable by default', async () => {
    const info = await cli(['pipeline', 'clockodo_pipeline', 'info'])
    expect(info.code, info.stderr).toBe(0)
    expect(info.stdout).toMatch(/^pipeline clockodo_pipeline \(in .*pipelines\)$/m)
    expect(info.stdout).toMatch(
      /^ {2}destination {2}duckdb at .*clockodo_pipeline\.duckdb, dataset clockodo_data$/m,
    )
    expect(info.stdout).toMatch(/^ {2}schema {7}clockodo version \d+, \d+ tables$/m)
    expect(info.stdout).toMatch(/^ {2}packages {5}1 \(1 loaded\)$/m)
    expect(info.stdout).toMatch(/^ {2}state {8}clockodo: .*entries/m)
    const trace = await cli(['pipeline', 'trace'])
    expect(trace.code, trace.stderr).toBe(0)
    expect(trace.stdout).toMatch(/^last run of pipeline clockodo_pipeline: succeeded$/m)
    expect(trace.stdout).toMatch(/^ {2}extract +\d+(\.\d+)? m?s {2}\d+ rows in \d+ tables/m)
    expect(trace.stdout).not.toContain('{')
  })

  test('info --json lists the schema and the loaded package', async () => {
    const r = await cli(['pipeline', 'clockodo_pipeline', 'info', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(info.pipelineName).toBe('clockodo_pipeline')
    expect(info.schema.name).toBe('clockodo')
    expect(info.schema.tables).toBeGreaterThan(24)
    expect(info.packages).toEqual([{ loadId: expect.stringMatching(/^\d+\.\d+$/), state: 'loaded' }])
  })

  test('trace shows the steps of the last run', async () => {
    const r = await cli(['pipeline', 'trace', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).steps.map((s: { step: string }) => s.step)).toEqual([
      'restore',
      'extract',
      'normalize',
      'load',
    ])
  })

  test('schema as json, yaml and mermaid', async () => {
    const json = await cli(['pipeline', 'schema', '--format', 'json'])
    expect(JSON.parse(json.stdout).tables.entries.columns.map((c: { name: string }) => c.name)).toContain(
      'time_since',
    )
    const yaml = await cli(['pipeline', 'schema'])
    expect(yaml.stdout).toMatch(/^name: clockodo$/m)
    const mermaid = await cli(['pipeline', 'schema', '--format', 'mermaid'])
    expect(mermaid.stdout).toMatch(/^erDiagram/)
    expect(mermaid.stdout).toContain('projects ||--o{ projects__service_assignments')
    expect(yaml.stdout).not.toContain('previousHashes')
    expect(JSON.parse(json.stdout).previousHashes).toBeInstanceOf(Array)
    const dbml = await cli(['pipeline', 'schema', '--format', 'dbml'])
    expect(dbml.code, dbml.stderr).toBe(0)
    expect(dbml.stdout).toMatch(/^Table "entries" \{\n(.*\n)*? {2}"time_since" timestamp/m)
    expect(dbml.stdout).toContain(
      'Ref: "projects__service_assignments"."_sluice_parent_id" > "projects"."_sluice_id"',
    )
    const dot = await cli(['pipeline', 'schema', '--format', 'dot'])
    expect(dot.code, dot.stderr).toBe(0)
    expect(dot.stdout).toMatch(/^digraph "clockodo" \{/)
    expect(dot.stdout).toContain('"projects" -> "projects__service_assignments";')
    expect(dot.stdout).toMatch(/"entries" \[label="\{entries\|.*time_since: timestamp\\l/)
    const bad = await cli(['pipeline', 'schema', '--format', 'svg'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/not one of yaml, json, mermaid, dbml, dot/)
  })

  test('state holds the entries windows; load-package and failed-jobs describe the package', async () => {
    const state = JSON.parse((await cli(['pipeline', 'state'])).stdout)
    expect(state.sources.clockodo.resources.entries.until).toMatch(/^\d{4}-/)
    const pkg = JSON.parse((await cli(['pipeline', 'load-package'])).stdout)
    expect(pkg.state).toBe('loaded')
    expect(Object.keys(pkg.tables)).toContain('entries')
    expect(JSON.parse((await cli(['pipeline', 'failed-jobs'])).stdout)).toEqual([])
    const missing = await cli(['pipeline', 'load-package', '123.456'])
    expect(missing.code).toBe(2)
  })

  test('drop lists what it removes and refuses without a terminal or with unknown names', async () => {
    const db = join(cwd, 'clockodo_pipeline.duckdb')
    const refused = await cli(['pipeline', 'drop', 'customers'])
    expect(refused.code).toBe(2)
    expect(refused.stdout).toMatch(
      /about to drop in pipeline clockodo_pipeline, duckdb dataset clockodo_data/,
    )
    expect(refused.stdout).toMatch(
      /resources customers\n\s+tables \(2\): customers, customers__service_assignments/,
    )
    expect(refused.stderr).toContain('nothing dropped: without a terminal to ask on, confirm with --yes')
    const unknown = await cli(['pipeline', 'drop', 'nope', '--yes'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no resource "nope" in pipeline clockodo_pipeline/)
    expect(unknown.stderr).toMatch(/known resources: .*customers.*users/)
    const none = await cli(['pipeline', 'drop', '--yes'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('--drop-all')
    expect((await duckdbCounts(db, 'clockodo_data')).customers).toBe(mock.account.expectedCounts().customers)
  })

  test('drop asks on a terminal; "n" keeps everything', async () => {
    const db = join(cwd, 'clockodo_pipeline.duckdb')
    const stdin = Object.assign(new PassThrough(), { isTTY: true })
    const stdout = new PassThrough()
    const io = { cwd, env, stdout, stderr: new PassThrough(), stdin, onSignal: () => () => {} }
    const code = main(['pipeline', 'drop', 're:^custom'], io)
    stdin.end('n\n')
    expect(await code).toBe(1)
    expect(String(stdout.read())).toMatch(/resources customers[\s\S]*nothing dropped/)
    expect((await duckdbCounts(db, 'clockodo_data')).customers).toBe(mock.account.expectedCounts().customers)
  })

  test('drop --yes removes a resource table; the next run loads it again', async () => {
    const db = join(cwd, 'clockodo_pipeline.duckdb')
    const dropped = await cli(['pipeline', 'drop', 'customers', '--yes'])
    expect(dropped.code, dropped.stderr).toBe(0)
    expect(dropped.stdout).toContain('dropped 2 table(s) and reset the state of customers')
    expect((await duckdbCounts(db, 'clockodo_data')).customers).toBeUndefined()
    const again = await cli(['run', '--progress', 'none'])
    expect(again.code, again.stderr).toBe(0)
    expect((await duckdbCounts(db, 'clockodo_data')).customers).toBe(mock.account.expectedCounts().customers)
  })

  test('drop --state-paths removes those keys of the state and keeps the tables', async () => {
    const r = await cli(['pipeline', 'drop', 'entries', '--state-paths', 'until', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('the keys until of their state; tables are kept')
    expect(r.stdout).toContain('removed until from the state of entries; tables kept')
    const state = JSON.parse((await cli(['pipeline', 'state'])).stdout)
    expect(state.sources.clockodo.resources.entries).toBeDefined()
    expect(state.sources.clockodo.resources.entries.until).toBeUndefined()
    expect((await duckdbCounts(join(cwd, 'clockodo_pipeline.duckdb'), 'clockodo_data')).entries).toBe(
      mock.account.expectedCounts().entries,
    )
    // the next run of entries reads them again and writes the key anew
    const again = await cli(['run', '--progress', 'none', '--resources', 'entries'])
    expect(again.code, again.stderr).toBe(0)
    const after = JSON.parse((await cli(['pipeline', 'state'])).stdout)
    expect(after.sources.clockodo.resources.entries.until).toMatch(/^\d{4}-/)
  })

  test('--full-refresh --resources refreshes only those and the summary names the dropped tables', async () => {
    const db = join(cwd, 'clockodo_pipeline.duckdb')
    const before = await duckdbCounts(db, 'clockodo_data')
    const r = await cli(['run', '--progress', 'none', '--full-refresh', '--resources', 'customers'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('refresh drop_resources: dropped customers, customers__service_assignments')
    expect(await duckdbCounts(db, 'clockodo_data')).toEqual(before)
  })

  test('--dev-mode loads into a new dataset named with the time, from a fresh state', async () => {
    const r = await cli(['run', '--progress', 'none', '--dev-mode', '--resources', 'users', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(info.datasetName).toMatch(/^clockodo_data_\d{8}_\d{6}$/)
    expect(info.refresh.mode).toBe('drop_sources')
    const counts = await duckdbCounts(join(cwd, 'clockodo_pipeline.duckdb'), info.datasetName)
    expect(counts.users).toBe(mock.account.expectedCounts().users)
    // the pipeline now records the new dataset: back to the usual one for the tests after this one
    const back = await cli([
      'run',
      '--progress',
      'none',
      '--dataset',
      'clockodo_data',
      '--resources',
      'users',
    ])
    expect(back.code, back.stderr).toBe(0)
  })

  test('sync restores state and schema from the destination into an empty pipelines dir', async () => {
    const fresh = join(cwd, 'fresh-pipelines')
    const r = await cli(['pipeline', 'sync'], { SLUICE_PIPELINES_DIR: fresh })
    expect(r.code, r.stderr).toBe(0)
    const state = JSON.parse((await cli(['pipeline', 'state'], { SLUICE_PIPELINES_DIR: fresh })).stdout)
    expect(state.sources.clockodo.resources.entries.until).toMatch(/^\d{4}-/)
  })
})

describe('sluice init', () => {
  test('writes commented templates, keeps existing files, secrets readable by the owner only', async () => {
    const dir = await tempDir('sluice-cli-init-')
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const r = await runCli(['init'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('wrote')
    const { readFile, stat } = await import('node:fs/promises')
    expect(await readFile(join(dir, '.sluice', 'secrets.toml'), 'utf8')).toContain('[sources.clockodo]')
    expect((await stat(join(dir, '.sluice', 'secrets.toml'))).mode & 0o077).toBe(0)
    const again = await runCli(['init'], { cwd: dir })
    expect(again.stdout).toContain('kept')
  })
})

describe('API refusals and bursts', () => {
  test('a resource the key may not read (403) is skipped with a warning; --strict fails', async () => {
    const limited = await startClockodoMock({
      seed: 3,
      size: { users: 2, years: 1, entriesPerWorkday: 2 },
      credentials: { user: USER, apiKey: KEY },
      rateLimits: false,
      forbidden: ['/v4/absences'],
    })
    try {
      const dir = await tempDir('sluice-cli-403-')
      onTestFinished(() => rm(dir, { recursive: true, force: true }))
      const e = { ...env, SOURCES__CLOCKODO__BASE_URL: limited.baseUrl, SLUICE_PIPELINES_DIR: join(dir, 'p') }
      const r = await runCli(['run', '--progress', 'none'], { cwd: dir, env: e })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/skipped resource absences: .*no rights/i)
      const strict = await runCli(['run', '--progress', 'none', '--strict'], { cwd: dir, env: e })
      expect(strict.code).toBe(1)
      expect(strict.stderr).toMatch(/absences/)
    } finally {
      await limited.close()
    }
  })

  test('429 bursts with Retry-After are survived with exact counts', async () => {
    const bursty = await startClockodoMock({
      seed: 3,
      size: { users: 2, years: 1, entriesPerWorkday: 2 },
      credentials: { user: USER, apiKey: KEY },
      rateLimits: false,
      faults: { burst429: { every: 12, count: 2, retryAfterSeconds: 1 } },
    })
    try {
      const dir = await tempDir('sluice-cli-429-')
      onTestFinished(() => rm(dir, { recursive: true, force: true }))
      const e = { ...env, SOURCES__CLOCKODO__BASE_URL: bursty.baseUrl, SLUICE_PIPELINES_DIR: join(dir, 'p') }
      const r = await runCli(['run', '--progress', 'log', '--resources', 'entries,users,customers'], {
        cwd: dir,
        env: e,
      })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(/retry \d+ of .*429/)
      const counts = await duckdbCounts(join(dir, 'clockodo_pipeline.duckdb'), 'clockodo_data')
      const expected = bursty.account.expectedCounts()
      expect(counts).toMatchObject({
        entries: expected.entries,
        users: expected.users,
        customers: expected.customers,
      })
    } finally {
      await bursty.close()
    }
  })
})
