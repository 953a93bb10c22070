import { type RunningClockodoMock, startClockodoMock } from '@sluice/clockodo-mock'
import { clockodoEnv, filesHoldingSecrets, sluiceCli, tableCounts } from '@sluice/destination-testkit/cli'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FakeBigQuery } from './bigquery-fake.ts'

// `sluice run --destination bigquery` end to end: the built CLI (a child process) against the simulated
// Clockodo account and the fake BigQuery server, configured through .sluice/secrets.toml as a user would.
const cli = sluiceCli({ destinationPackage: '@sluice/destination-bigquery' })
const SECRET = 'sk-BIGQUERY-CLI-0badc0de'
const TOKEN = 'ya29.fake-BIGQUERY-token'
const USER = 'owner@example.com'

let mock: RunningClockodoMock
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
  await cli.cleanup()
  await mock.close()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const counts = (dataset: string) => tableCounts(fake.admin, dataset)

describe('sluice run --destination bigquery', { timeout: 180_000 }, () => {
  test('loads every table from .sluice/secrets.toml settings; a second run changes nothing', async () => {
    const cwd = await cli.tempCwd('sluice-cli-bigquery-')
    await cli.writeSecrets(
      cwd,
      [
        '[destination.bigquery]',
        'location = "EU"',
        `api_endpoint = "${fake.url}"`,
        '[destination.bigquery.credentials]',
        'project_id = "test-project"',
        `access_token = "${TOKEN}"`,
        '',
      ].join('\n'),
    )
    const env = clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET })
    const expected = mock.account.expectedCounts()
    for (let i = 0; i < 2; i++) {
      const r = await cli.run(['run', '--destination', 'bigquery', '--progress', 'none'], cwd, env)
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
    expect(await filesHoldingSecrets(cwd, [TOKEN, SECRET])).toEqual([])
  })

  test('a rejected token fails the run with a message that names the setting', async () => {
    const cwd = await cli.tempCwd('sluice-cli-bigquery-bad-')
    await cli.writeSecrets(
      cwd,
      `[destination.bigquery]\nproject_id = "test-project"\naccess_token = "wrong-pw-123"\napi_endpoint = "${fake.url}"\n`,
    )
    const r = await cli.run(
      ['run', '--destination', 'bigquery', '--progress', 'none'],
      cwd,
      clockodoEnv(cwd, mock, { user: USER, apiKey: SECRET }),
    )
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/credentials were rejected/)
    expect(r.stderr).toMatch(/DESTINATION__BIGQUERY__CREDENTIALS/)
    expect(r.stderr).not.toContain('wrong-pw-123')
  })
})
