import { join } from 'node:path'
import {
  type RunningClockodoMock,
  type StartClockodoMockOptions,
  startClockodoMock,
} from '@sluice/clockodo-mock'
import { inject } from 'vitest'

/** A recognizable API key: every output and file is searched for it. */
export const API_KEY = 'CLOCKODO-KEY-RECOGNIZABLE-9d41c7'
export const API_USER = 'owner@example.com'
/** Small account: 3 users × 1 year (about 2,000 entries), seeded; rate limits off (bursts are injected). */
export const ACCOUNT = { seed: 11, size: { users: 3, years: 2, entriesPerWorkday: 3 } } as const

/** Starts the simulated account with the suite's credentials. */
export function startMock(options: Partial<StartClockodoMockOptions> = {}): Promise<RunningClockodoMock> {
  return startClockodoMock({
    seed: ACCOUNT.seed,
    size: ACCOUNT.size,
    credentials: { user: API_USER, apiKey: API_KEY },
    rateLimits: false,
    ...options,
  })
}

/** The CLI environment for a working directory and an API base URL. */
export function cliEnv(
  cwd: string,
  baseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SOURCES__CLOCKODO__API_USER: API_USER,
    SOURCES__CLOCKODO__API_KEY: API_KEY,
    SOURCES__CLOCKODO__BASE_URL: baseUrl,
    SLUICE_PIPELINES_DIR: join(cwd, 'pipelines'),
    ...extra,
  }
}

/** The suite's PostgreSQL URL; throws (failing the test) with how to get a server when there is none. */
export function postgresUrl(): string {
  const error = inject('postgresError')
  if (error) throw new Error(error)
  return inject('postgresUrl')
}

/** Rows in a set of table checksums (what an equality check compared). */
export function rowsIn(sums: Record<string, { rows: number }>): number {
  return Object.values(sums).reduce((n, t) => n + t.rows, 0)
}

/** Prints one line of figures for the README's reliability section. */
export function printFigures(file: string, figures: Record<string, number>): void {
  console.log(
    `[figures] ${file}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  )
}
