import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_CREDENTIALS } from '../src/index.ts'
import { get, HEADERS, mswServer, smallAccount } from './mock-fixture.ts'
import { check, componentValidator } from './openapi-schemas.ts'

const account = smallAccount()
const fixture = mswServer(account)
const APP = { 'X-Clockodo-External-Application': 'sluice-tests;dev@sluice.dev' }
const AUTH_FAILED = {
  errors: [{ type: 'authentication', message: 'Authentication failed', details: null, path: null }],
}

afterEach(() => {
  vi.useRealTimers()
})

describe('authentication', () => {
  it('accepts the API headers', async () => {
    expect((await get('/v3/teams')).status).toBe(200)
  })

  it('accepts HTTP Basic auth', async () => {
    const basic =
      'Basic ' + Buffer.from(`${DEFAULT_CREDENTIALS.user}:${DEFAULT_CREDENTIALS.apiKey}`).toString('base64')
    expect((await get('/v3/teams', {}, { ...APP, Authorization: basic })).status).toBe(200)
    const wrong = 'Basic ' + Buffer.from(`${DEFAULT_CREDENTIALS.user}:nope`).toString('base64')
    const res = await get('/v3/teams', {}, { ...APP, Authorization: wrong })
    expect(res.status).toBe(401)
    expect(res.body).toEqual(AUTH_FAILED)
  })

  it.each([
    ['missing', APP],
    ['wrong key', { ...APP, 'X-ClockodoApiUser': DEFAULT_CREDENTIALS.user, 'X-ClockodoApiKey': 'wrong' }],
    [
      'wrong user',
      { ...APP, 'X-ClockodoApiUser': 'someone@else.de', 'X-ClockodoApiKey': DEFAULT_CREDENTIALS.apiKey },
    ],
    ['user only', { ...APP, 'X-ClockodoApiUser': DEFAULT_CREDENTIALS.user }],
  ])('answers 401 with the GeneralErrors body when credentials are %s', async (_name, headers) => {
    const res = await get(
      '/v2/entries',
      { time_since: '2026-01-01T00:00:00Z', time_until: '2026-01-02T00:00:00Z' },
      headers,
    )
    expect(res.status).toBe(401)
    expect(res.body).toEqual(AUTH_FAILED)
    expect(check(componentValidator('GeneralErrors'), res.body)).toBe('')
  })

  it('uses custom credentials when given', async () => {
    fixture.use(account, { rateLimits: false, credentials: { user: 'ops@firma.de', apiKey: 'k-1' } })
    expect((await get('/v3/teams')).status).toBe(401)
    expect(
      (await get('/v3/teams', {}, { ...APP, 'X-ClockodoApiUser': 'ops@firma.de', 'X-ClockodoApiKey': 'k-1' }))
        .status,
    ).toBe(200)
  })
})

describe('X-Clockodo-External-Application', () => {
  it('is required: missing -> 400 naming the header', async () => {
    const { 'X-Clockodo-External-Application': _, ...noApp } = HEADERS
    const res = await get('/v3/teams', {}, noApp)
    expect(res.status).toBe(400)
    expect((res.body as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'X-Clockodo-External-Application',
    )
    expect(check(componentValidator('GeneralErrors'), res.body)).toBe('')
  })

  it('may have at most 50 characters', async () => {
    const ok = 'a'.repeat(40) + ';x@y.de' // 47 characters
    expect((await get('/v3/teams', {}, { ...HEADERS, 'X-Clockodo-External-Application': ok })).status).toBe(
      200,
    )
    const long = 'a'.repeat(44) + ';x@y.de' // 51 characters
    expect((await get('/v3/teams', {}, { ...HEADERS, 'X-Clockodo-External-Application': long })).status).toBe(
      400,
    )
  })
})

describe('routes', () => {
  it.each([
    '/v2/customers',
    '/v2/projects',
    '/absences',
    '/v2/absences',
    '/v3/absences',
    '/nonbusinessgroups',
    '/v1/entries',
    '/v2/teams',
    '/holidaysquota',
    '/v2/customers/countProjects',
    '/v2/users/me',
  ])('retired %s answers 410', async (path) => {
    const res = await get(path)
    expect(res.status).toBe(410)
    expect(check(componentValidator('GeneralErrors'), res.body)).toBe('')
  })

  it.each([
    '/v2/nonbusinessdays',
    '/v3/Customers',
    '/V2/entries',
    '/v4/customers',
    '/v2/targethours',
    '/v9/whatever',
  ])('%s answers 404 (case-sensitive, unknown)', async (path) => {
    const res = await get(path)
    expect(res.status).toBe(404)
    expect(check(componentValidator('GeneralErrors'), res.body)).toBe('')
  })

  it('entries need time_since and time_until in ISO format (v2 error body)', async () => {
    const noUntil = await get('/v2/entries', { time_since: '2026-01-01T00:00:00Z' })
    expect(noUntil.status).toBe(400)
    expect(noUntil.body).toMatchObject({ error: { code: 400, fields: ['time_until'] } })
    const bareDate = await get('/v2/entries', {
      time_since: '2026-01-01',
      time_until: '2026-01-02T00:00:00Z',
    })
    expect(bareDate.status).toBe(400)
    expect(bareDate.body).toMatchObject({ error: { fields: ['time_since'] } })
    expect(
      (
        await get('/v2/entries', {
          time_since: '2026-01-01T00:00:00Z',
          time_until: '2026-01-02T00:00:00Z',
          items_per_page: 1001,
        })
      ).status,
    ).toBe(400)
  })

  it('enhanced_list adds the *_name fields, otherwise they are absent', async () => {
    const q = { time_since: '2026-02-02T00:00:00Z', time_until: '2026-02-03T00:00:00Z', items_per_page: 5 }
    const plain = (await get('/v2/entries', q)).body as { entries: Record<string, unknown>[] }
    const rich = (await get('/v2/entries', { ...q, enhanced_list: 1 })).body as {
      entries: Record<string, unknown>[]
    }
    expect(plain.entries[0]).not.toHaveProperty('users_name')
    expect(rich.entries[0]).toMatchObject({
      users_name: expect.any(String),
      customers_name: expect.any(String),
    })
    expect(rich.entries.map((e) => e.id)).toEqual(plain.entries.map((e) => e.id))
  })

  it('filters: filter[active], filter[year], year, users_id, filter[users_id]', async () => {
    const active = (await get('/v3/customers', { 'filter[active]': 'false' })).body as {
      data: { active: boolean }[]
    }
    expect(active.data.every((c) => c.active === false)).toBe(true)
    const abs = (await get('/v4/absences', { 'filter[year]': 2025, 'filter[users_id]': 102 })).body as {
      data: { date_since: string; users_id: number }[]
    }
    expect(abs.data.length).toBeGreaterThan(0)
    expect(abs.data.every((a) => a.date_since.startsWith('2025') && a.users_id === 102)).toBe(true)
    const carry = (await get('/v3/holidaysCarry', { year: 2024, users_id: 103 })).body as {
      data: { year: number; users_id: number }[]
    }
    expect(carry.data).toHaveLength(1)
    expect(carry.data[0]).toMatchObject({ year: 2024, users_id: 103 })
    const th = (await get('/targethours', { users_id: 104 })).body as { targethours: { users_id: number }[] }
    expect(th.targethours.length).toBeGreaterThan(0)
    expect(th.targethours.every((t) => t.users_id === 104)).toBe(true)
    expect((await get('/userreports')).status).toBe(400)
    expect((await get('/v2/workTimes', { users_id: 101 })).status).toBe(400)
  })

  it('unknown query parameters are ignored', async () => {
    const a = await get('/v3/teams')
    const b = await get('/v3/teams', { whatever: 'x' })
    expect(b.body).toEqual(a.body)
  })
})

describe('rate limits (injectable clock)', () => {
  it('900 requests per minute, then 429 with Retry-After until the window ends', async () => {
    let now = Date.parse('2026-03-12T10:00:15Z')
    fixture.use(account, { rateLimits: true, now: () => now })
    for (let batch = 0; batch < 9; batch++) {
      const results = await Promise.all(Array.from({ length: 100 }, () => get('/v2/nonbusinessGroups')))
      expect(results.every((r) => r.status === 200)).toBe(true)
    }
    const limited = await get('/v2/nonbusinessGroups')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('45')
    now += 45_000
    expect((await get('/v2/nonbusinessGroups')).status).toBe(200)
  }, 30_000)

  it('custom limits per window, and 300 per 15 minutes for enhanced entry lists', async () => {
    let now = Date.parse('2026-03-12T10:00:00Z')
    fixture.use(account, {
      rateLimits: { perMinute: 1000, per15Minutes: 5000, perHour: 5000, perDay: 5000 },
      now: () => now,
    })
    const q = { time_since: '2026-03-07T00:00:00Z', time_until: '2026-03-08T00:00:00Z' }
    for (let batch = 0; batch < 3; batch++) {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => get('/v2/entries', { ...q, enhanced_list: 1 })),
      )
      expect(results.every((r) => r.status === 200)).toBe(true)
    }
    const limited = await get('/v2/entries', { ...q, enhanced_list: 1 })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBe(900)
    expect((await get('/v2/entries', q)).status).toBe(200)
    now += 900_000
    expect((await get('/v2/entries', { ...q, enhanced_list: 1 })).status).toBe(200)
  }, 30_000)

  it('uses Date.now by default, so fake timers drive the windows', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-03-12T10:00:50Z'))
    fixture.use(account, { rateLimits: { perMinute: 3 } })
    for (let i = 0; i < 3; i++) expect((await get('/v3/teams')).status).toBe(200)
    const limited = await get('/v3/teams')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('10')
    vi.setSystemTime(new Date('2026-03-12T10:01:00Z'))
    expect((await get('/v3/teams')).status).toBe(200)
  })
})

describe('per-user access maps (SDK shape, not in the spec)', () => {
  it('owners have full access, workers maps of ids, unknown users 404', async () => {
    expect((await get('/v2/users/101/access/customers-projects')).body).toEqual({
      add: true,
      report: true,
      edit: true,
    })
    const users = (await get('/v3/users')).body as { data: { id: number; role: string }[] }
    const worker = users.data.find((u) => u.role === 'worker')!
    const cp = (await get(`/v2/users/${worker.id}/access/customers-projects`)).body as Record<string, unknown>
    expect(Object.keys(cp).sort()).toEqual(['add', 'edit', 'report'])
    for (const [customer, v] of Object.entries(cp.add as Record<string, unknown>)) {
      expect(customer).toMatch(/^\d+$/)
      expect(
        v === true || (typeof v === 'object' && Object.values(v as object).every((x) => x === true)),
      ).toBe(true)
    }
    const services = (await get(`/v2/users/${worker.id}/access/services`)).body as {
      add: Record<string, boolean>
    }
    expect(Object.values(services.add).every((x) => x === true)).toBe(true)
    expect((await get('/v2/users/99999/access/services')).status).toBe(404)
  })
})

describe('any base URL', () => {
  it('routes the key has no rights for answer 403 (GeneralErrors body), others stay 200', async () => {
    fixture.use(account, { rateLimits: false, forbidden: ['/v4/absences'] })
    const res = await get('/v4/absences')
    expect(res.status).toBe(403)
    expect(res.body).toEqual({
      errors: [
        {
          type: 'authorization',
          message: 'The user has no rights to access /v4/absences',
          details: null,
          path: null,
        },
      ],
    })
    expect((await get('/v3/teams')).status).toBe(200)
  })

  it('works without /api in the base', async () => {
    const url =
      'https://other.test/clockodo/v2/entries?time_since=2026-02-02T00:00:00Z&time_until=2026-02-03T00:00:00Z'
    const res = await fetch(url, { headers: HEADERS })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { entries: unknown[] }).entries.length).toBe(24)
    expect((await fetch('https://other.test/clockodo/v2/Entries', { headers: HEADERS })).status).toBe(404)
    expect(
      (await fetch('https://other.test/clockodo/v2/users/102/access/services', { headers: HEADERS })).status,
    ).toBe(200)
  })
})
