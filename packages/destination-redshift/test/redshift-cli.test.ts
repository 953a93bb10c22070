import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { clockodoEnv, filesHoldingSecrets, sluiceCli } from '@sluice/destination-testkit/cli'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { admin, compatUrl, dq, dropDataset } from './redshift-helpers.ts'

// `sluice run --destination redshift` end to end: the built CLI (a child process) against the simulated Clockodo
// account, loading into the compatibility-profile database through the INSERT path, configured through
// `[destination.redshift.credentials]` in .sluice/secrets.toml in dlt's names, as a user would.
const cli = sluiceCli({ destinationPackage: '@sluice/destination-redshift' })
const SECRET = 'sk-REDSHIFT-CLI-0badc0de'
const USER = 'owner@example.com'

let mock: RunningClockodoMock
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
  await cli.cleanup()
  await mock?.close()
  await dropDataset(DATASET)
})

describe('sluice run --destination redshift', { timeout: 180_000 }, () => {
  test('loads every table from [destination.redshift.credentials]; a second run changes nothing', async () => {
    const cwd = await cli.tempCwd('sluice-cli-redshift-')
    const url = new URL(compatUrl())
    const password = decodeURIComponent(url.password)
    await cli.writeSecrets(
      cwd,
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
    )
    const env = clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET })
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await cli.run(['run', '--destination', 'redshift', '--progress', 'none'], cwd, env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`redshift://postgres@${url.hostname}:${url.port}/redshift_compat`)
      const got: Record<string, number> = {}
      for (const t of Object.keys(expected)) {
        const [row] = await admin<{ n: number }>(`SELECT count(*)::int AS n FROM ${dq(DATASET)}.${dq(t)}`)
        got[t] = row?.n ?? -1
      }
      expect(got).toEqual(expected)
    }
    expect(await filesHoldingSecrets(cwd, [password, SECRET])).toEqual([])
  }, 180_000) // two runs of the CLI as a child process: about 8 s on an idle machine

  test('missing credentials name the settings to set', async () => {
    const cwd = await cli.tempCwd('sluice-cli-redshift-missing-')
    const r = await cli.run(
      ['run', '--destination', 'redshift', '--progress', 'none'],
      cwd,
      clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET }),
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/DESTINATION__REDSHIFT__CREDENTIALS/)
  })
})
