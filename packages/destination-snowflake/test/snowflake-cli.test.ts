import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { clockodoEnv, filesHoldingSecrets, sluiceCli, tableCounts } from '@sluice/destination-testkit/cli'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FakeSnowflake } from './snowflake-fake.ts'

// `sluice run --destination snowflake` end to end: the built CLI (a child process) against the simulated
// Clockodo account and the fake Snowflake server, configured through .sluice/secrets.toml as a user would.
const cli = sluiceCli({
  destinationPackage: '@sluice/destination-snowflake',
  env: { SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true' },
})
const SECRET = 'sk-SNOWFLAKE-CLI-0badc0de'
const PASSWORD = 'pw-SNOWFLAKE-5ecret'
const USER = 'owner@example.com'

let mock: RunningClockodoMock
const fake = new FakeSnowflake({ users: { LOADER: PASSWORD } })

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
  await cli.cleanup()
  await mock.close()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const counts = (dataset: string) => tableCounts(fake.admin, dataset.toUpperCase(), '_SLUICE_')

describe('sluice run --destination snowflake', { timeout: 180_000 }, () => {
  test('loads every table from .sluice/secrets.toml settings; a second run changes nothing', async () => {
    const cwd = await cli.tempCwd('sluice-cli-snowflake-')
    await cli.writeSecrets(
      cwd,
      [
        '[destination.snowflake.credentials]',
        'host = "testorg-testaccount"',
        'username = "LOADER"',
        `password = "${PASSWORD}"`,
        'database = "ANALYTICS"',
        'warehouse = "LOAD_WH"',
        'role = "LOADER_ROLE"',
        '[destination.snowflake]',
        `access_url = "${fake.url}"`,
        '',
      ].join('\n'),
    )
    const env = clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET })
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await cli.run(['run', '--destination', 'snowflake', '--progress', 'none'], cwd, env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('snowflake://LOADER@testorg-testaccount/ANALYTICS')
      const got = await counts('clockodo_data')
      expect(Object.fromEntries(Object.keys(expected).map((t) => [t, got[t]]))).toEqual(expected)
    }
    expect(fake.copies.length).toBeGreaterThan(0)
    expect(fake.copies.every((c) => /MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE/.test(c.options))).toBe(true)
    expect(fake.logins.every((l) => l['LOGIN_NAME'] === 'LOADER')).toBe(true)
    expect(await filesHoldingSecrets(cwd, [PASSWORD, SECRET])).toEqual([])
  })

  test('a wrong password fails the run with a message that names the setting', async () => {
    const cwd = await cli.tempCwd('sluice-cli-snowflake-bad-')
    await cli.writeSecrets(
      cwd,
      `[destination.snowflake]\naccount = "testorg-testaccount"\nuser = "LOADER"\npassword = "wrong-pw-123"\ndatabase = "ANALYTICS"\naccess_url = "${fake.url}"\n`,
    )
    const r = await cli.run(
      ['run', '--destination', 'snowflake', '--progress', 'none'],
      cwd,
      clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET }),
    )
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/Incorrect username or password/)
    expect(r.stderr).toMatch(/DESTINATION__SNOWFLAKE__CREDENTIALS/)
    expect(r.stderr).not.toContain('wrong-pw-123')
  })
})
