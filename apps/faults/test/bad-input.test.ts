import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type CountingProxy, runCli, stableText, startCountingProxy, tempDir } from '../src/index.ts'
import { API_KEY, API_USER, cliEnv, postgresUrl, startMock } from './helpers.ts'

// Every configuration mistake and every API refusal gets a message a user can act on and exit code 2
// (usage/configuration) or 1 (the load failed). The messages are snapshot-tested (temp paths and ports
// replaced), so a change in wording is a reviewed change.
let mock: RunningClockodoMock
let refusing: CountingProxy
const REFUSALS: Record<string, number> = {
  '/api/v4/absences': 403,
  '/api/v2/holidaysQuota': 404,
  '/api/v3/teams': 410,
}

beforeAll(async () => {
  mock = await startMock()
  refusing = await startCountingProxy(mock.baseUrl, (path) => REFUSALS[path])
})

afterAll(async () => {
  await refusing?.close()
  await mock?.close()
})

interface Case {
  name: string
  args?: string[]
  /** Environment changes; undefined removes a variable. */
  env?: Record<string, string | undefined>
  files?: Record<string, string>
  code: 1 | 2
  /** Through the refusing proxy instead of the plain mock. */
  refusing?: boolean
}

async function attempt(c: Case): Promise<{ code: number | null; message: string; all: string }> {
  const cwd = await tempDir('sluice-faults-input-')
  for (const [file, text] of Object.entries(c.files ?? {})) {
    await mkdir(join(cwd, file, '..'), { recursive: true })
    await writeFile(join(cwd, file), text)
  }
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({
    ...cliEnv(cwd, c.refusing ? refusing.baseUrl : mock.baseUrl),
    ...c.env,
  })) {
    if (v !== undefined) env[k] = v
  }
  const r = await runCli(c.args ?? ['run', '--progress', 'none'], { cwd, env })
  const all = `${r.stdout}\n${r.stderr}`
  const message = stableText(
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith('[sluice]') || l.startsWith('  caused by'))
      .join('\n'),
    { [cwd]: '<cwd>', [mock.baseUrl]: '<api>', [refusing.baseUrl]: '<api>' },
  )
  return { code: r.code, message, all }
}

const configMistakes: Case[] = [
  { name: 'unknown destination', args: ['run', '--destination', 'oracle'], code: 2 },
  { name: 'unknown command', args: ['runn'], code: 2 },
  { name: 'unknown flag', args: ['run', '--destinaton', 'duckdb'], code: 2 },
  { name: 'unknown source', args: ['run', '--source', 'jira'], code: 2 },
  { name: 'unknown resource', args: ['run', '--resources', 'entries,invoices'], code: 2 },
  { name: 'bad progress mode', args: ['run', '--progress', 'fancy'], code: 2 },
  { name: 'bad dataset name', args: ['run', '--dataset', '1-data'], code: 2 },
  { name: 'bad date', args: ['run', '--since', '2024-31-01'], code: 2 },
  { name: 'impossible day', args: ['run', '--until', '2023-02-30'], code: 2 },
  { name: 'since after until', args: ['run', '--since', '2025-01-01', '--until', '2024-01-01'], code: 2 },
  { name: 'negative lookback', args: ['run', '--lookback-days=-3'], code: 2 },
  { name: 'lookback not a number', args: ['run', '--lookback-days', 'a month'], code: 2 },
  { name: 'base URL not a URL', env: { SOURCES__CLOCKODO__BASE_URL: 'my.clockodo.com/api' }, code: 2 },
  { name: 'base URL not http', env: { SOURCES__CLOCKODO__BASE_URL: 'ftp://my.clockodo.com/api' }, code: 2 },
  {
    name: 'application header without e-mail',
    env: { SOURCES__CLOCKODO__EXTERNAL_APPLICATION: 'my reporting tool' },
    code: 2,
  },
  {
    name: 'application header too long',
    env: { SOURCES__CLOCKODO__EXTERNAL_APPLICATION: `reporting;${'x'.repeat(40)}@example.com` },
    code: 2,
  },
  {
    name: 'application header not ASCII',
    env: { SOURCES__CLOCKODO__EXTERNAL_APPLICATION: 'Büro;ops@example.com' },
    code: 2,
  },
  { name: 'request timeout not a number', env: { SOURCES__CLOCKODO__TIMEOUT_MS: 'soon' }, code: 2 },
  {
    name: 'unreadable config.toml',
    files: { '.sluice/config.toml': '[sources.clockodo\nlookback_days = 7\n' },
    code: 2,
  },
  {
    name: 'unreadable secrets.toml',
    files: { '.sluice/secrets.toml': '[sources.clockodo]\napi_key = "unterminated\n' },
    code: 2,
  },
  { name: 'missing API user', env: { SOURCES__CLOCKODO__API_USER: undefined }, code: 2 },
  { name: 'missing API key', env: { SOURCES__CLOCKODO__API_KEY: undefined }, code: 2 },
  { name: 'missing PostgreSQL credentials', args: ['run', '--destination', 'postgres'], code: 2 },
  {
    name: 'PostgreSQL credentials not a URL',
    args: ['run', '--destination', 'postgres', '--progress', 'none'],
    env: { DESTINATION__POSTGRES__CREDENTIALS: 'host=db user=loader' },
    code: 2,
  },
  { name: 'missing filesystem bucket', args: ['run', '--destination', 'filesystem'], code: 2 },
]

describe('configuration mistakes: exit 2 and a message that says what to set', () => {
  test.each(configMistakes)('$name', async (c) => {
    const r = await attempt(c)
    expect(r.code, r.all).toBe(c.code)
    expect(r.message).toMatch(/^\[sluice\] /)
    expect(r.all).not.toContain(API_KEY)
    expect(r.message).toMatchSnapshot()
  })
})

describe('refusals: exit 1 (or a skipped resource) and what to do', () => {
  const refusals: Case[] = [
    { name: '401 rejected credentials', env: { SOURCES__CLOCKODO__API_KEY: 'wrong-key-0000-1111' }, code: 1 },
    {
      name: '403 under --strict',
      args: ['run', '--progress', 'none', '--strict', '--resources', 'users,absences'],
      refusing: true,
      code: 1,
    },
    {
      name: '404 on a route',
      args: ['run', '--progress', 'none', '--resources', 'holidays_quota'],
      refusing: true,
      code: 1,
    },
    {
      name: '410 retired route',
      args: ['run', '--progress', 'none', '--resources', 'teams'],
      refusing: true,
      code: 1,
    },
    {
      name: 'PostgreSQL server not reachable',
      args: ['run', '--progress', 'none', '--destination', 'postgres', '--resources', 'users'],
      env: {
        DESTINATION__POSTGRES__CREDENTIALS: 'postgresql://postgres:wrong-pass-4711@127.0.0.1:1/nothing',
      },
      code: 1,
    },
  ]
  test.each(refusals)('$name', async (c) => {
    const r = await attempt(c)
    expect(r.code, r.all).toBe(c.code)
    expect(r.all).not.toContain(API_KEY)
    expect(r.all).not.toContain('wrong-key-0000-1111')
    expect(r.all).not.toContain('wrong-pass-4711')
    expect(r.message).toMatchSnapshot()
  })

  test('403 without --strict skips the resource with a warning and loads the rest', async () => {
    const cwd = await tempDir('sluice-faults-403-')
    const r = await runCli(['run', '--progress', 'none', '--resources', 'users,absences'], {
      cwd,
      env: cliEnv(cwd, refusing.baseUrl),
    })
    expect(r.code, r.stderr).toBe(0)
    expect(
      stableText(
        r.stdout
          .split('\n')
          // the lines about the skipped resource (the temp folder's name and the load id may hold "403" too)
          .filter((l) => /skipped|absences/i.test(l))
          .join('\n'),
      ),
    ).toMatchSnapshot()
  })

  test('the PostgreSQL server refusing a wrong password says so without the password', async () => {
    const url = new URL(postgresUrl())
    url.password = 'wrong-pass-4711'
    const r = await attempt({
      name: 'pg auth',
      args: ['run', '--progress', 'none', '--destination', 'postgres', '--resources', 'users'],
      env: { DESTINATION__POSTGRES__CREDENTIALS: url.toString() },
      code: 1,
    })
    expect(r.code, r.all).not.toBe(0)
    expect(r.all).not.toContain('wrong-pass-4711')
    expect(r.message.replace(API_USER, '<user>')).toMatchSnapshot()
  })
})
