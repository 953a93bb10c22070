import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clockodoSource, validateClockodoConfig } from '../src/index.ts'
import { type ManualClock, manualClock, resourceOf, runResource as runPlain } from './helpers.ts'

// The Clockodo source's HTTP rules: its user and key only to the base URL's origin, a cap on bodies, bodies that
// are not UTF-8 counted (or refused when strict), lists that end. (The same through the CLI, with page workers and
// real servers: apps/faults/test/credentials.test.ts and limits.test.ts.)

const BASE = 'https://my.clockodo.test/api'
const OTHER = 'https://elsewhere.test'
const KEY = 'k3y-1c2b3a4d5e6f-secret'
const USER = 'ops@example.com'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  clock = manualClock()
})
afterAll(() => server.close())

let clock: ManualClock = manualClock()
const runResource = (...args: Parameters<typeof runPlain>) => clock.run(runPlain(...args))
const make = (extra: Partial<Parameters<typeof clockodoSource>[0]> = {}) =>
  clockodoSource(
    {
      apiUser: USER,
      apiKey: KEY,
      baseUrl: BASE,
      now: () => new Date('2026-11-28T12:00:00Z'),
      startDate: '2026-01-01',
      ...extra,
    },
    { clock, retry: { maxAttempts: 1 } },
  )
const paged = (data: unknown[], page: number, pages: number) => ({
  paging: { items_per_page: 5000, current_page: page, count_pages: pages, count_items: data.length },
  data,
})

describe('the API user and key go only to the base URL origin', () => {
  it.each([302, 307])('a %i to another origin is followed without them', async (status) => {
    const seen: Record<string, string | null>[] = []
    const headers = (request: Request) => ({
      url: request.url,
      user: request.headers.get('x-clockodoapiuser'),
      key: request.headers.get('x-clockodoapikey'),
      app: request.headers.get('x-clockodo-external-application'),
    })
    server.use(
      http.get(`${BASE}/v3/customers`, ({ request }) => {
        seen.push(headers(request))
        return new HttpResponse(null, { status, headers: { location: `${OTHER}/customers` } })
      }),
      http.get(`${OTHER}/customers`, ({ request }) => {
        seen.push(headers(request))
        return HttpResponse.json(paged([{ id: 7 }], 1, 1))
      }),
    )
    const run = await runResource(resourceOf(make(), 'customers'))
    expect(run.rows).toEqual([{ id: 7 }])
    expect(seen).toEqual([
      { url: expect.stringContaining(`${BASE}/v3/customers?`), user: USER, key: KEY, app: `sluice;${USER}` },
      { url: `${OTHER}/customers`, user: null, key: null, app: null },
    ])
  })

  it('a refusal from the other origin is not reported as rejected credentials', async () => {
    server.use(
      http.get(
        `${BASE}/v3/teams`,
        () => new HttpResponse(null, { status: 302, headers: { location: `${OTHER}/x` } }),
      ),
      http.get(`${OTHER}/x`, () => HttpResponse.json({ error: 'no' }, { status: 401 })),
    )
    const error = await runResource(resourceOf(make(), 'teams')).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 401 })
    expect((error as Error).message).toContain(`[clockodo] GET ${BASE}/v3/teams`)
    expect((error as Error).message).toContain(
      `Clockodo redirected to ${OTHER}, which gets no API user or key`,
    )
    expect((error as Error).message).toContain('SOURCES__CLOCKODO__BASE_URL')
    expect((error as Error).message).not.toContain(KEY)
  })
})

describe('bodies', () => {
  const latin1 = () =>
    new HttpResponse(Buffer.from(JSON.stringify(paged([{ id: 1, name: 'Café Müller' }], 1, 1)), 'latin1'), {
      headers: { 'content-type': 'application/json' },
    })

  it('not UTF-8: loaded with U+FFFD and one warning with the count; an error when strict', async () => {
    server.use(http.get(`${BASE}/v3/customers`, latin1))
    const run = await runResource(resourceOf(make(), 'customers'))
    expect(run.rows).toEqual([{ id: 1, name: 'Caf\ufffd M\ufffdller' }])
    expect(run.warnings).toEqual([
      '[clockodo] customers: 2 characters in 1 response were not valid UTF-8 and were loaded as U+FFFD (run with --strict to fail instead)',
    ])
    const strict = await runResource(resourceOf(make({ strict: true }), 'customers')).catch((e: unknown) => e)
    expect(strict).toMatchObject({ code: 'HTTP_ENCODING' })
  })

  it('larger than maxResponseBytes: HTTP_TOO_LARGE naming the setting', async () => {
    server.use(
      http.get(`${BASE}/v3/customers`, () =>
        HttpResponse.json(paged([{ id: 1, note: 'x'.repeat(5000) }], 1, 1)),
      ),
    )
    const error = await runResource(resourceOf(make({ maxResponseBytes: 2048 }), 'customers')).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'HTTP_TOO_LARGE' })
    const message = (error as Error).message
    expect(message).toMatch(
      /^\[clockodo\] GET https:\/\/my\.clockodo\.test\/api\/v3\/customers\?\S+ sent a body larger than 2048 bytes/,
    )
    expect(message).toContain('SOURCES__CLOCKODO__MAX_RESPONSE_BYTES')
    expect(() => validateClockodoConfig({ apiUser: USER, apiKey: KEY, maxResponseBytes: 10 })).toThrow(
      /max_response_bytes must be a whole number from 1024/,
    )
  })
})

describe('lists that end', () => {
  it('a page with the same rows as the one before ends the list with a warning', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/v3/teams`, () => {
        calls++
        return HttpResponse.json({ ...paged([{ id: 1 }, { id: 2 }], 1, 3) })
      }),
    )
    const run = await runResource(resourceOf(make(), 'teams'))
    expect(run.rows).toEqual([{ id: 1 }, { id: 2 }])
    expect(calls).toBeLessThanOrEqual(3)
    expect(run.warnings).toEqual([expect.stringContaining('teams: page 2 (')])
  })

  it('entries: a count_pages beyond reason fails, pages that repeat end the window', async () => {
    const entries = (pages: number) =>
      http.get(`${BASE}/v2/entries`, () =>
        HttpResponse.json({
          paging: { items_per_page: 1000, current_page: 1, count_pages: pages, count_items: 2 },
          entries: [{ id: 1 }, { id: 2 }],
        }),
      )
    server.use(entries(1_000_000_000))
    const cfg = { startDate: '2026-11-01', endDate: '2026-11-28', enhancedList: 'always' as const }
    const huge = await runResource(resourceOf(make(cfg), 'entries')).catch((e: unknown) => e)
    expect(huge).toMatchObject({ code: 'PAGINATION_LIMIT' })
    server.use(entries(5))
    const run = await runResource(resourceOf(make(cfg), 'entries'))
    expect(run.rows).toEqual([{ id: 1 }, { id: 2 }])
    expect(run.warnings).toEqual([
      expect.stringContaining('entries: page 2 of GET /v2/entries has the same rows'),
    ])
  })
})
