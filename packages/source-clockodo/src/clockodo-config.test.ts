import { isSluiceError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { validateClockodoConfig, validateExternalApplication } from './clockodo-config.ts'
import { CLOCKODO_RESOURCES } from './clockodo-resource-names.ts'

const base = { apiUser: 'ops@example.com', apiKey: 'abc123def456' }
const fail = (input: Parameters<typeof validateClockodoConfig>[0]): Error => {
  try {
    validateClockodoConfig(input)
  } catch (e) {
    expect(isSluiceError(e, 'CONFIG_INVALID')).toBe(true)
    return e as Error
  }
  throw new Error('expected CONFIG_INVALID')
}

describe('validateClockodoConfig', () => {
  it('fills the defaults', () => {
    const c = validateClockodoConfig(base)
    expect(c).toMatchObject({
      apiUser: 'ops@example.com',
      baseUrl: 'https://my.clockodo.com/api',
      externalApplication: 'sluice;ops@example.com',
      lookbackDays: 30,
      enhancedList: 'auto',
      strict: false,
      windowDays: 92,
    })
    expect(c.startDate).toBeUndefined()
    expect(c.resources).toBeUndefined()
  })

  it('says which variable or TOML key to set for missing credentials', () => {
    const user = fail({ apiKey: 'x' }).message
    expect(user).toContain('SOURCES__CLOCKODO__API_USER')
    expect(user).toContain('api_user')
    expect(user).toContain('[sources.clockodo]')
    // a library script calls clockodoSource(): the message names its option too
    expect(user).toContain('pass apiUser to clockodoSource()')
    const key = fail({ apiUser: 'ops@example.com', apiKey: '  ' }).message
    expect(key).toContain('SOURCES__CLOCKODO__API_KEY')
    expect(key).toContain('Personal data')
    expect(key).toContain('pass apiKey to clockodoSource()')
  })

  it('validates the external application header', () => {
    expect(validateExternalApplication('Acme GmbH;it@acme.de')).toBe('Acme GmbH;it@acme.de')
    const tooLong = fail({ ...base, externalApplication: `sluice;${'a'.repeat(40)}@example.com` }).message
    expect(tooLong).toContain('SOURCES__CLOCKODO__EXTERNAL_APPLICATION')
    expect(tooLong).toMatch(/at most 50/)
    expect(fail({ ...base, externalApplication: 'sluice' }).message).toMatch(/name;e-mail/)
    expect(fail({ ...base, externalApplication: 'sluice;not-an-email' }).message).toMatch(/name;e-mail/)
    expect(fail({ ...base, externalApplication: 'slüice;a@b.de' }).message).toMatch(/ASCII/)
    // the default needs an e-mail as API user that fits
    expect(fail({ apiUser: 'admin', apiKey: 'k' }).message).toContain(
      'SOURCES__CLOCKODO__EXTERNAL_APPLICATION',
    )
    expect(
      validateClockodoConfig({ apiUser: 'admin', apiKey: 'k', externalApplication: 'x;y@z.io' })
        .externalApplication,
    ).toBe('x;y@z.io')
  })

  it('checks base URL, dates, numbers and resource names', () => {
    expect(validateClockodoConfig({ ...base, baseUrl: 'http://127.0.0.1:4010/api/' }).baseUrl).toBe(
      'http://127.0.0.1:4010/api',
    )
    expect(fail({ ...base, baseUrl: 'my.clockodo.com' }).message).toContain('SOURCES__CLOCKODO__BASE_URL')
    expect(fail({ ...base, startDate: '01.02.2024' }).message).toContain('start_date')
    expect(fail({ ...base, startDate: '2024-02-30' }).message).toContain('start_date')
    expect(fail({ ...base, startDate: '2025-01-01', endDate: '2024-01-01' }).message).toMatch(/not before/)
    expect(
      validateClockodoConfig({ ...base, startDate: '2024-02-01', endDate: '2024-03-01T00:00:00Z' }).endDate,
    ).toBe('2024-03-01T00:00:00Z')
    expect(fail({ ...base, lookbackDays: -1 }).message).toContain('lookback_days')
    expect(fail({ ...base, windowDays: 0 }).message).toContain('window_days')
    expect(validateClockodoConfig({ ...base, lookbackDays: 0 }).lookbackDays).toBe(0)
    const bad = fail({ ...base, resources: ['entries', 'timesheets'] }).message
    expect(bad).toContain('timesheets')
    expect(bad).toContain('work_times')
    expect(validateClockodoConfig({ ...base, resources: ['users', 'users', 'entries'] }).resources).toEqual([
      'users',
      'entries',
    ])
  })

  it('is idempotent (the source validates again)', () => {
    const once = validateClockodoConfig({ ...base, startDate: '2024-01-01' })
    expect(validateClockodoConfig(once)).toEqual(once)
  })

  it('takes a request timeout and attempts, from numbers or strings, and rejects nonsense naming the key', () => {
    const c = validateClockodoConfig({ ...base, timeoutMs: '1500' as unknown as number, maxAttempts: 2 })
    expect([c.timeoutMs, c.maxAttempts]).toEqual([1500, 2])
    expect(validateClockodoConfig(base).timeoutMs).toBeUndefined()
    expect(() => validateClockodoConfig({ ...base, timeoutMs: 'soon' as unknown as number })).toThrow(
      /timeout_ms must be a whole number/,
    )
    expect(() => validateClockodoConfig({ ...base, maxAttempts: 0 })).toThrow(/max_attempts/)
  })

  it('lists the 24 tables', () => {
    expect(CLOCKODO_RESOURCES).toHaveLength(24)
    expect(CLOCKODO_RESOURCES[0]).toBe('entries')
    expect(CLOCKODO_RESOURCES.at(-1)).toBe('surcharge_models')
  })
})

describe('parseClockodoDate', () => {
  it('reads dates and date-times as UTC and rejects impossible days', async () => {
    const { parseClockodoDate } = await import('./clockodo-config.ts')
    expect(parseClockodoDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z')
    expect(parseClockodoDate('2024-02-29T10:00:00')?.toISOString()).toBe('2024-02-29T10:00:00.000Z')
    expect(parseClockodoDate('2024-02-29T10:00:00+02:00')?.toISOString()).toBe('2024-02-29T08:00:00.000Z')
    expect(parseClockodoDate('2023-02-29')).toBeUndefined()
    expect(parseClockodoDate('yesterday')).toBeUndefined()
  })
})
