import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FakeBigQuery } from './bigquery-fake.ts'

// `sluice run --destination bigquery` end to end: the built CLI (a child process) against the simulated
// Clockodo account and the fake BigQuery server, configured through .sluice/secrets.toml as a user would.
const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'cli')
const BIN = join(cliDir, 'dist', 'sluice-bin.js')
const SECRET = 'sk-BIGQUERY-CLI-0badc0de'
const TOKEN = 'ya29.fake-BIGQUERY-token'
const USER = 'owner@example.com'

function cliResolves(): boolean {
  if (!existsSync(BIN)) return false
  try {
    createRequire(join(cliDir, 'package.json')).resolve('@sluice/destination-bigquery/package.json')
    return true
  } catch {
    return false
  }
}
if (!cliResolves()) {
  throw new Error(
    'sluice run end-to-end needs the built CLI: run `pnpm exec turbo run build --filter=sluice` (turbo does it before this test)',
  )
}

function runCli(args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let mock: RunningClockodoMock
const dirs: string[] = []
async function tempCwd(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}
const fake = new FakeBigQuery({ tokens: [TOKEN] })

beforeAll(async () => {
  mock = await startClockodoMock({
    seed: 7,
    size: { users: 2, years: 1, entriesPerWorkday: 1 },
    credentials: { user: USER, apiKey: SECRET },
    rateLimits: false,
  })
  await fake.start()
})

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
  await mock.close()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

async function counts(dataset: string): Promise<Record<string, number>> {
  const tables = await fake.admin.runAndReadAll(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${dataset}' AND table_name NOT LIKE '\\_sluice\\_%' ESCAPE '\\'`,
  )
  const out: Record<string, number> = {}
  for (const [name] of tables.getRows() as [string][]) {
    const r = await fake.admin.runAndReadAll(`SELECT count(*) FROM "${dataset}"."${name}"`)
    out[name.toLowerCase()] = Number(r.getRows()[0]?.[0])
  }
  return out
}

describe('sluice run --destination bigquery', { timeout: 180_000 }, () => {
  test('loads every table from .sluice/secrets.toml settings; a second run changes nothing', async () => {
    const cwd = await tempCwd('sluice-cli-bigquery-')
    await mkdir(join(cwd, '.sluice'))
    await writeFile(
      join(cwd, '.sluice', 'secrets.toml'),
      [
        '[destination.bigquery]',
        'location = "EU"',
        `api_endpoint = "${fake.url}"`,
        '[destination.bigquery.credentials]',
        'project_id = "test-project"',
        `access_token = "${TOKEN}"`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    )
    const env = {
      SOURCES__CLOCKODO__API_USER: USER,
      SOURCES__CLOCKODO__API_KEY: SECRET,
      SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
      SLUICE_PIPELINES_DIR: join(cwd, 'p'),
    }
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['run', '--destination', 'bigquery', '--progress', 'none'], cwd, env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('bigquery://test-project?location=EU')
      const got = await counts('clockodo_data')
      expect(Object.fromEntries(Object.keys(expected).map((t) => [t, got[t]]))).toEqual(expected)
    }
    const loads = fake.jobs.filter((j) => j.kind === 'load')
    expect(loads.length).toBeGreaterThan(0)
    for (const j of fake.jobs) expect(j.location).toBe('EU')
    for (const j of loads) {
      expect(j.configuration['load']).toMatchObject({
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        writeDisposition: 'WRITE_APPEND',
        createDisposition: 'CREATE_NEVER',
      })
    }
    expect(fake.datasetLocations.get('clockodo_data')).toBe('EU')
    for (const entry of await readdir(cwd, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || entry.name === 'secrets.toml') continue
      const text = (await readFile(join(entry.parentPath, entry.name))).toString('latin1')
      expect(text.includes(TOKEN), entry.name).toBe(false)
      expect(text.includes(SECRET), entry.name).toBe(false)
    }
  })

  test('a rejected token fails the run with a message that names the setting', async () => {
    const cwd = await tempCwd('sluice-cli-bigquery-bad-')
    await mkdir(join(cwd, '.sluice'))
    await writeFile(
      join(cwd, '.sluice', 'secrets.toml'),
      `[destination.bigquery]\nproject_id = "test-project"\naccess_token = "wrong-pw-123"\napi_endpoint = "${fake.url}"\n`,
      { mode: 0o600 },
    )
    const r = await runCli(['run', '--destination', 'bigquery', '--progress', 'none'], cwd, {
      SOURCES__CLOCKODO__API_USER: USER,
      SOURCES__CLOCKODO__API_KEY: SECRET,
      SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
      SLUICE_PIPELINES_DIR: join(cwd, 'p'),
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/credentials were rejected/)
    expect(r.stderr).toMatch(/DESTINATION__BIGQUERY__CREDENTIALS/)
    expect(r.stderr).not.toContain('wrong-pw-123')
  })
})
