import { createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'
import { clockodoHandlers } from '@sluice/clockodo-mock/msw'
import { createConfig, envProvider, isSluiceError } from '@sluice/core'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { clockodoOptionsFrom, clockodoSource } from '../src/index.ts'
import { manualClock, resourceOf, runResource } from './helpers.ts'

const BASE = 'http://127.0.0.1:9/api'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  vi.unstubAllEnvs()
})
afterAll(() => server.close())

describe('options from the environment', () => {
  const account = createClockodoAccount({
    seed: 3,
    users: 3,
    years: 1,
    entriesPerWorkday: 1,
    today: '2026-11-20',
  })

  it('clockodoSource({}) reads SOURCES__CLOCKODO__API_USER, __API_KEY and __BASE_URL', async () => {
    server.use(...clockodoHandlers(account))
    vi.stubEnv('SOURCES__CLOCKODO__API_USER', DEFAULT_CREDENTIALS.user)
    vi.stubEnv('SOURCES__CLOCKODO__API_KEY', DEFAULT_CREDENTIALS.apiKey)
    vi.stubEnv('SOURCES__CLOCKODO__BASE_URL', BASE)
    const clock = manualClock()
    const run = await clock.run(runResource(resourceOf(clockodoSource({}, { clock }), 'customers')))
    expect(run.rows.length).toBe(account.expectedCounts().customers)
  })

  it('falls back to SOURCES__<KEY>, and options given win over the environment', () => {
    vi.stubEnv('SOURCES__API_USER', 'fallback@example.com')
    vi.stubEnv('SOURCES__CLOCKODO__API_KEY', 'key-from-env')
    vi.stubEnv('SOURCES__CLOCKODO__ENHANCED_LIST', 'never')
    vi.stubEnv('SOURCES__CLOCKODO__WINDOW_DAYS', '30')
    expect(clockodoOptionsFrom({ apiKey: 'given-key' })).toEqual({
      apiUser: 'fallback@example.com',
      apiKey: 'given-key',
      enhancedList: 'never',
      windowDays: '30',
    })
    // a source built from them validates the strings (the window a whole number, the mode one of three)
    vi.stubEnv('SOURCES__CLOCKODO__ENHANCED_LIST', 'sometimes')
    const error = (() => {
      try {
        clockodoSource({})
      } catch (e) {
        return e
      }
    })()
    expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('enhanced_list must be one of "auto", "always", "never"')
  })

  it('reads a configuration handed in (e.g. loadConfig() with the .sluice files) instead of the process', () => {
    vi.stubEnv('SOURCES__CLOCKODO__API_USER', 'process@example.com')
    const config = createConfig([
      envProvider({ SOURCES__CLOCKODO__API_USER: 'given@example.com', SOURCES__CLOCKODO__API_KEY: 'k-123' }),
    ])
    expect(clockodoOptionsFrom({}, config)).toEqual({ apiUser: 'given@example.com', apiKey: 'k-123' })
    // nothing set anywhere: the error names the option and the variable
    const empty = createConfig([envProvider({})])
    expect(() => clockodoSource({}, { config: empty })).toThrow(
      /pass apiUser to clockodoSource\(\), or set SOURCES__CLOCKODO__API_USER/,
    )
  })
})
