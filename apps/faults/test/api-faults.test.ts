import type { MockFaults } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { duckdbChecksums, runCli, type TableChecksums, tempDir } from '../src/index.ts'
import { API_KEY, cliEnv, printFigures, rowsIn, startMock } from './helpers.ts'

// API faults from the simulated account (seeded): each run still completes, and the DuckDB dataset equals a
// clean run's, table by table (row count and checksum of the rows without _sluice_ columns).
const DB = 'clockodo_pipeline.duckdb'
let clean: TableChecksums
const figures = { faultsRetried: 0, runsCompared: 0, rowsCompared: 0 }
afterAll(() => printFigures('api-faults', figures))

async function loadWith(
  faults: MockFaults,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; stdout: string; sums: TableChecksums }> {
  const mock = await startMock({ faults })
  try {
    const cwd = await tempDir('sluice-faults-api-')
    const r = await runCli(['run', '--progress', 'log'], { cwd, env: cliEnv(cwd, mock.baseUrl, extraEnv) })
    expect(`${r.stdout}${r.stderr}`).not.toContain(API_KEY)
    expect(r.code, r.stderr).toBe(0)
    figures.faultsRetried += retriesFor(r.stderr, /./)
    const sums = await duckdbChecksums(`${cwd}/${DB}`, 'clockodo_data')
    if (clean) {
      figures.runsCompared++
      figures.rowsCompared += rowsIn(sums)
    }
    return { ...r, sums }
  } finally {
    await mock.close()
  }
}

const retriesFor = (stderr: string, reason: RegExp): number =>
  stderr.split('\n').filter((l) => / retry \d+ of /.test(l) && reason.test(l)).length

beforeAll(async () => {
  clean = (await loadWith({})).sums
  expect(clean.entries?.rows).toBeGreaterThan(1000)
  expect(Object.keys(clean).length).toBeGreaterThan(24)
})

describe('the run completes under API faults and equals a clean run', () => {
  test('429 storms with Retry-After', async () => {
    const r = await loadWith({ burst429: { every: 30, count: 6, retryAfterSeconds: 1 }, seed: 2 })
    expect(retriesFor(r.stderr, /HTTP 429/)).toBeGreaterThan(5)
    expect(r.sums).toEqual(clean)
  })

  test('10% of requests answered 500', async () => {
    const r = await loadWith({ errorRate: 0.1, seed: 3 })
    expect(retriesFor(r.stderr, /HTTP 500/)).toBeGreaterThan(0)
    expect(r.sums).toEqual(clean)
  })

  test('10% connection resets', async () => {
    const r = await loadWith({ resetRate: 0.1, seed: 4 })
    expect(retriesFor(r.stderr, /network error/)).toBeGreaterThan(0)
    expect(r.sums).toEqual(clean)
  })

  test('10% truncated JSON bodies', async () => {
    const r = await loadWith({ truncateRate: 0.1, seed: 5 })
    expect(retriesFor(r.stderr, /truncated|network error/)).toBeGreaterThan(0)
    expect(r.sums).toEqual(clean)
  })

  test('responses slower than the request timeout (SOURCES__CLOCKODO__TIMEOUT_MS)', async () => {
    const r = await loadWith(
      { slowMs: 2500, slowRate: 0.1, seed: 6 },
      { SOURCES__CLOCKODO__TIMEOUT_MS: '800' },
    )
    expect(retriesFor(r.stderr, /timeout/)).toBeGreaterThan(0)
    expect(r.sums).toEqual(clean)
  })

  test('all of them at once', async () => {
    const r = await loadWith(
      {
        burst429: { every: 20, count: 2, retryAfterSeconds: 1 },
        errorRate: 0.05,
        resetRate: 0.05,
        truncateRate: 0.05,
        slowMs: 2500,
        slowRate: 0.05,
        seed: 7,
      },
      // 429s count as attempts too: with every fault at once, 5 attempts are not always enough
      { SOURCES__CLOCKODO__TIMEOUT_MS: '800', SOURCES__CLOCKODO__MAX_ATTEMPTS: '10' },
    )
    expect(retriesFor(r.stderr, /./)).toBeGreaterThan(5)
    expect(r.sums).toEqual(clean)
  })
})

describe('when retries run out', () => {
  let mock: Awaited<ReturnType<typeof startMock>>
  const faults: MockFaults = { errorRate: 0.4, seed: 8 }
  beforeAll(async () => {
    mock = await startMock({ faults })
  })
  afterAll(async () => {
    await mock?.close()
  })

  test('the run fails with the URL (no secret), the status and what to do; the next run resumes and equals a clean run', async () => {
    const cwd = await tempDir('sluice-faults-giveup-')
    const env = cliEnv(cwd, mock.baseUrl, { SOURCES__CLOCKODO__MAX_ATTEMPTS: '2' })
    const failed = await runCli(['run', '--progress', 'none'], { cwd, env })
    expect(failed.code, failed.stderr).toBe(1)
    expect(failed.stderr).not.toContain(API_KEY)
    expect(failed.stdout).not.toContain(API_KEY)
    const message = failed.stderr.split('\n').find((l) => l.startsWith('[sluice]')) ?? ''
    expect(message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/\S+ failed with HTTP 500/)
    expect(message).toMatch(/retry later|try again|run the same command again/i)
    faults.errorRate = 0
    const rerun = await runCli(['run', '--progress', 'none'], { cwd, env })
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(await duckdbChecksums(`${cwd}/${DB}`, 'clockodo_data')).toEqual(clean)
  })
})
