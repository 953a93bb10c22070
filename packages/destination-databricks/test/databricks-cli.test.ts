import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { clockodoEnv, filesHoldingSecrets, sluiceCli, tableCounts } from '@sluice/destination-testkit/cli'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FakeDatabricks } from './databricks-fake.ts'

// `sluice run --destination databricks` end to end: the built CLI (a child process) against the simulated Clockodo
// account and the fake workspace, configured through .sluice/secrets.toml or environment variables as a user would.
const cli = sluiceCli({ destinationPackage: '@sluice/destination-databricks' })
const SECRET = 'sk-DATABRICKS-CLI-0badc0de'
const TOKEN = 'dapi-DATABRICKS-cli-token'
const OAUTH_SECRET = 'dose-DATABRICKS-cli-secret'
const USER = 'owner@example.com'

let mock: RunningClockodoMock
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
  await cli.cleanup()
  await mock.close()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const counts = (dataset: string) => tableCounts(fake.admin, dataset)

const source = (cwd: string) => clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET })

describe('sluice run --destination databricks', { timeout: 180_000 }, () => {
  test('loads every table from .sluice/secrets.toml settings; a second run changes nothing', async () => {
    const cwd = await cli.tempCwd('sluice-cli-databricks-')
    await cli.writeSecrets(
      cwd,
      [
        '[destination.databricks.credentials]',
        `server_hostname = "${fake.url}"`,
        `http_path = "${fake.httpPath}"`,
        'catalog = "main"',
        `access_token = "${TOKEN}"`,
        '',
      ].join('\n'),
    )
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await cli.run(['run', '--destination', 'databricks', '--progress', 'none'], cwd, source(cwd))
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
    expect(await filesHoldingSecrets(cwd, [TOKEN, SECRET])).toEqual([])
  })

  test('OAuth machine-to-machine from environment variables', async () => {
    const cwd = await cli.tempCwd('sluice-cli-databricks-oauth-')
    const before = fake.tokenRequests.length
    const r = await cli.run(
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
    expect(await filesHoldingSecrets(cwd, [OAUTH_SECRET, SECRET])).toEqual([])
  })

  test('a rejected token fails the run with a message that names the setting', async () => {
    const cwd = await cli.tempCwd('sluice-cli-databricks-bad-')
    await cli.writeSecrets(
      cwd,
      `[destination.databricks.credentials]\nserver_hostname = "${fake.url}"\nhttp_path = "${fake.httpPath}"\ncatalog = "main"\naccess_token = "wrong-pw-123"\n`,
    )
    const r = await cli.run(['run', '--destination', 'databricks', '--progress', 'none'], cwd, source(cwd))
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/credentials were rejected/)
    expect(r.stderr).toMatch(/DESTINATION__DATABRICKS__CREDENTIALS/)
    expect(r.stderr).not.toContain('wrong-pw-123')
  })

  test('a missing setting is named with its variable before anything is sent', async () => {
    const cwd = await cli.tempCwd('sluice-cli-databricks-missing-')
    const before = fake.statements.length
    const r = await cli.run(['run', '--destination', 'databricks', '--progress', 'none'], cwd, {
      ...source(cwd),
      DESTINATION__DATABRICKS__CREDENTIALS__SERVER_HOSTNAME: fake.url,
      DESTINATION__DATABRICKS__CREDENTIALS__CATALOG: 'main',
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/DESTINATION__DATABRICKS__CREDENTIALS__HTTP_PATH/)
    expect(fake.statements.length).toBe(before)
  })
})
