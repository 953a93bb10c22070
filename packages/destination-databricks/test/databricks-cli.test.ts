import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FakeDatabricks } from './databricks-fake.ts'

// `sluice run --destination databricks` end to end: the built CLI (a child process) against the simulated Clockodo
// account and the fake workspace, configured through .sluice/secrets.toml or environment variables as a user would.
const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'cli')
const BIN = join(cliDir, 'dist', 'sluice-bin.js')
const SECRET = 'sk-DATABRICKS-CLI-0badc0de'
const TOKEN = 'dapi-DATABRICKS-cli-token'
const OAUTH_SECRET = 'dose-DATABRICKS-cli-secret'
const USER = 'owner@example.com'

function cliResolves(): boolean {
  if (!existsSync(BIN)) return false
  try {
    createRequire(join(cliDir, 'package.json')).resolve('@sluice/destination-databricks/package.json')
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
const fake = new FakeDatabricks({ tokens: [TOKEN], clients: { 'cli-sp': OAUTH_SECRET } })

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

const source = (cwd: string) => ({
  SOURCES__CLOCKODO__API_USER: USER,
  SOURCES__CLOCKODO__API_KEY: SECRET,
  SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
  SLUICE_PIPELINES_DIR: join(cwd, 'p'),
})

async function noSecretIn(cwd: string, secrets: string[]): Promise<void> {
  for (const entry of await readdir(cwd, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name === 'secrets.toml') continue
    const text = (await readFile(join(entry.parentPath, entry.name))).toString('latin1')
    for (const s of secrets) expect(text.includes(s), entry.name).toBe(false)
  }
}

describe('sluice run --destination databricks', { timeout: 180_000 }, () => {
  test('loads every table from .sluice/secrets.toml settings; a second run changes nothing', async () => {
    const cwd = await tempCwd('sluice-cli-databricks-')
    await mkdir(join(cwd, '.sluice'))
    await writeFile(
      join(cwd, '.sluice', 'secrets.toml'),
      [
        '[destination.databricks.credentials]',
        `server_hostname = "${fake.url}"`,
        `http_path = "${fake.httpPath}"`,
        'catalog = "main"',
        `access_token = "${TOKEN}"`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    )
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['run', '--destination', 'databricks', '--progress', 'none'], cwd, source(cwd))
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`databricks://${fake.url.replace('http://', '')}/main?warehouse=`)
      const got = await counts('clockodo_data')
      expect(Object.fromEntries(Object.keys(expected).map((t) => [t, got[t]]))).toEqual(expected)
    }
    const copies = fake.sql(/^COPY INTO `clockodo_data_staging`/)
    expect(copies.length).toBeGreaterThan(0)
    expect(
      copies.every((c) =>
        / FROM '\/Volumes\/main\/clockodo_data_staging\/_sluice_staging' FILEFORMAT = PARQUET FILES = \('[^']+\.parquet'\)/.test(
          c,
        ),
      ),
    ).toBe(true)
    await noSecretIn(cwd, [TOKEN, SECRET])
  })

  test('OAuth machine-to-machine from environment variables', async () => {
    const cwd = await tempCwd('sluice-cli-databricks-oauth-')
    const before = fake.tokenRequests.length
    const r = await runCli(
      ['run', '--destination', 'databricks', '--progress', 'none', '--dataset', 'oauth_data'],
      cwd,
      {
        ...source(cwd),
        DESTINATION__DATABRICKS__CREDENTIALS__SERVER_HOSTNAME: fake.url,
        DESTINATION__DATABRICKS__CREDENTIALS__HTTP_PATH: fake.httpPath,
        DESTINATION__DATABRICKS__CREDENTIALS__CATALOG: 'main',
        DESTINATION__DATABRICKS__CREDENTIALS__CLIENT_ID: 'cli-sp',
        DESTINATION__DATABRICKS__CREDENTIALS__CLIENT_SECRET: OAUTH_SECRET,
      },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(fake.tokenRequests.slice(before).every((id) => id === 'cli-sp')).toBe(true)
    expect(fake.tokenRequests.length).toBeGreaterThan(before)
    expect((await counts('oauth_data'))['entries']).toBe(mock.account.expectedCounts()['entries'])
    await noSecretIn(cwd, [OAUTH_SECRET, SECRET])
  })

  test('a rejected token fails the run with a message that names the setting', async () => {
    const cwd = await tempCwd('sluice-cli-databricks-bad-')
    await mkdir(join(cwd, '.sluice'))
    await writeFile(
      join(cwd, '.sluice', 'secrets.toml'),
      `[destination.databricks.credentials]\nserver_hostname = "${fake.url}"\nhttp_path = "${fake.httpPath}"\ncatalog = "main"\naccess_token = "wrong-pw-123"\n`,
      { mode: 0o600 },
    )
    const r = await runCli(['run', '--destination', 'databricks', '--progress', 'none'], cwd, source(cwd))
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/credentials were rejected/)
    expect(r.stderr).toMatch(/DESTINATION__DATABRICKS__CREDENTIALS/)
    expect(r.stderr).not.toContain('wrong-pw-123')
  })

  test('a missing setting is named with its variable before anything is sent', async () => {
    const cwd = await tempCwd('sluice-cli-databricks-missing-')
    const before = fake.statements.length
    const r = await runCli(['run', '--destination', 'databricks', '--progress', 'none'], cwd, {
      ...source(cwd),
      DESTINATION__DATABRICKS__CREDENTIALS__SERVER_HOSTNAME: fake.url,
      DESTINATION__DATABRICKS__CREDENTIALS__CATALOG: 'main',
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/DESTINATION__DATABRICKS__CREDENTIALS__HTTP_PATH/)
    expect(fake.statements.length).toBe(before)
  })
})
