import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { admin, compatUrl, dq, dropDataset } from './redshift-helpers.ts'

// `sluice run --destination redshift` end to end: the built CLI (a child process) against the simulated Clockodo
// account, loading into the compatibility-profile database through the INSERT path, configured through
// `[destination.redshift.credentials]` in .sluice/secrets.toml in dlt's names, as a user would.
const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'cli')
const BIN = join(cliDir, 'dist', 'sluice-bin.js')
const SECRET = 'sk-REDSHIFT-CLI-0badc0de'
const USER = 'owner@example.com'

function cliResolves(): boolean {
  if (!existsSync(BIN)) return false
  try {
    createRequire(join(cliDir, 'package.json')).resolve('@sluice/destination-redshift/package.json')
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
const DATASET = 'clockodo_data'

beforeAll(async () => {
  mock = await startClockodoMock({
    seed: 11,
    size: { users: 2, years: 1, entriesPerWorkday: 1 },
    credentials: { user: USER, apiKey: SECRET },
    rateLimits: false,
  })
  await dropDataset(DATASET)
})

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
  await mock?.close()
  await dropDataset(DATASET)
})

describe('sluice run --destination redshift', { timeout: 180_000 }, () => {
  test('loads every table from [destination.redshift.credentials]; a second run changes nothing', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sluice-cli-redshift-'))
    dirs.push(cwd)
    const url = new URL(compatUrl())
    const password = decodeURIComponent(url.password)
    await mkdir(join(cwd, '.sluice'))
    await writeFile(
      join(cwd, '.sluice', 'secrets.toml'),
      [
        '[destination.redshift.credentials]',
        `host = "${url.hostname}"`,
        `port = ${url.port}`,
        `database = "${url.pathname.slice(1)}"`,
        `username = "${decodeURIComponent(url.username)}"`,
        `password = "${password}"`,
        'sslmode = "disable"',
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
      const r = await runCli(['run', '--destination', 'redshift', '--progress', 'none'], cwd, env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`redshift://postgres@${url.hostname}:${url.port}/redshift_compat`)
      const got: Record<string, number> = {}
      for (const t of Object.keys(expected)) {
        const [row] = await admin<{ n: number }>(`SELECT count(*)::int AS n FROM ${dq(DATASET)}.${dq(t)}`)
        got[t] = row?.n ?? -1
      }
      expect(got).toEqual(expected)
    }
    for (const entry of await readdir(cwd, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || entry.name === 'secrets.toml') continue
      const text = (await readFile(join(entry.parentPath, entry.name))).toString('latin1')
      expect(text.includes(password), entry.name).toBe(false)
      expect(text.includes(SECRET), entry.name).toBe(false)
    }
  }, 180_000) // two runs of the CLI as a child process: about 8 s on an idle machine

  test('missing credentials name the settings to set', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sluice-cli-redshift-missing-'))
    dirs.push(cwd)
    const r = await runCli(['run', '--destination', 'redshift', '--progress', 'none'], cwd, {
      SOURCES__CLOCKODO__API_USER: USER,
      SOURCES__CLOCKODO__API_KEY: SECRET,
      SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
      SLUICE_PIPELINES_DIR: join(cwd, 'p'),
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/DESTINATION__REDSHIFT__CREDENTIALS/)
  })
})
