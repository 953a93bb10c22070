import { isSluiceError } from '@sluice/core'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clockodoSource } from '../src/index.ts'
import { type ManualClock, manualClock, resourceOf, runResource as runPlain } from './helpers.ts'

const BASE = 'http://127.0.0.1:9/api'
const KEY = 'k3y-9f8e7d6c5b4a-secret'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  clock = manualClock()
})
afterAll(() => server.close())

const now = (): Date => new Date('2026-11-28T12:00:00Z')
let clock: ManualClock = manualClock()
const runResource = (...args: Parameters<typeof runPlain>) => clock.run(runPlain(...args))
const make = (extra: Partial<Parameters<typeof clockodoSource>[0]> = {}) =>
  clockodoSource(
    { apiUser: 'ops@example.com', apiKey: KEY, baseUrl: BASE, now, startDate: '2026-01-01', ...extra },
    { clock, retry: { maxAttempts: 4, baseDelayMs: 10 } },
  )

const paged = (data: unknown[], page: number, pages: number, key = 'data') => ({
  paging: { items_per_page: 2, current_page: page, count_pages: pages, count_items: data.length },
  [key]: data,
})

describe('requests', () => {
  it('sends the Clockodo headers on every request, the key only as X-ClockodoApiKey', async () => {
    const seen: Headers[] = []
    server.use(
      http.get(`${BASE}/v3/customers`, ({ request }) => {
        seen.push(request.headers)
        const page = Number(new URL(request.url).searchParams.get('page'))
        return HttpResponse.json(paged([{ id: page * 10 }, { id: page * 10 + 1 }], page, 3))
      }),
    )
    const run = await runResource(resourceOf(make({ externalApplication: 'acme;it@acme.test' }), 'customers'))
    expect(run.rows.map((r) => r.id)).toEqual([10, 11, 20, 21, 30, 31])
    expect(seen).toHaveLength(3)
    for (const h of seen) {
      expect(h.get('x-clockodoapiuser')).toBe('ops@example.com')
      expect(h.get('x-clockodoapikey')).toBe(KEY)
      expect(h.get('x-clockodo-external-application')).toBe('acme;it@acme.test')
      expect(h.get('x-clockodoenableisoutcdatetimes')).toBe('1')
      expect(h.get('accept-language')).toBe('en')
    }
  })

  it('asks for the maximum page size and stops on count_pages: 0', async () => {
    const urls: URL[] = []
    server.use(
      http.get(`${BASE}/v4/projects`, ({ request }) => {
        urls.push(new URL(request.url))
        return HttpResponse.json({
          paging: { items_per_page: 5000, current_page: 1, count_pages: 0, count_items: 0 },
          data: [],
        })
      }),
    )
    const run = await runResource(resourceOf(make(), 'projects'))
    expect(run.rows).toEqual([])
    expect(urls).toHaveLength(1)
    expect(urls[0]!.searchParams.get('items_per_page')).toBe('5000')
    expect(urls[0]!.searchParams.get('page')).toBe('1')
  })

  it('stops at an empty page even when count_pages says more', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/v3/teams`, ({ request }) => {
        calls++
        const page = Number(new URL(request.url).searchParams.get('page'))
        return HttpResponse.json(paged(page === 1 ? [{ id: 1 }] : [], page, 2))
      }),
    )
    const run = await runResource(resourceOf(make(), 'teams'))
    expect(run.rows).toEqual([{ id: 1 }])
    expect(calls).toBe(2)
  })

  it('reads a long list with many requests in flight without a MaxListeners warning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error): void => {
      warnings.push(`${w.name}: ${w.message}`)
    }
    process.on('warning', onWarning)
    try {
      server.use(
        http.get(`${BASE}/v3/customers`, ({ request }) => {
          const page = Number(new URL(request.url).searchParams.get('page'))
          return HttpResponse.json(paged([{ id: page * 10 }, { id: page * 10 + 1 }], page, 40))
        }),
      )
      const run = await runResource(resourceOf(make({ maxInFlight: 16 }), 'customers'))
      expect(run.rows).toHaveLength(80)
      expect(run.rows.at(-1)).toEqual({ id: 401 })
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('survives 429 bursts, honouring Retry-After', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/v4/services`, () => {
        calls++
        if (calls <= 2)
          return HttpResponse.json({ errors: [] }, { status: 429, headers: { 'Retry-After': '7' } })
        return HttpResponse.json(paged([{ id: 1 }], 1, 1))
      }),
    )
    const events: string[] = []
    const src = make({ emit: (e) => events.push(e.type) })
    const run = await runResource(resourceOf(src, 'services'))
    expect(run.rows).toEqual([{ id: 1 }])
    expect(calls).toBe(3)
    expect(clock.sleeps.filter((w) => w === 7000).length).toBeGreaterThanOrEqual(2)
    expect(run.events.some((e) => e.type === 'retry')).toBe(true)
    expect(events).toContain('retry')
  })
})

describe('errors', () => {
  const reject = (status: number) =>
    http.get(`${BASE}/v3/users`, () =>
      HttpResponse.json({ errors: [{ type: 'x', message: `echo ${KEY}` }] }, { status }),
    )

  it('403 skips the resource (RESOURCE_SKIPPED) unless strict', async () => {
    server.use(reject(403))
    const err = await runResource(resourceOf(make(), 'users')).catch((e: unknown) => e)
    expect(isSluiceError(err, 'RESOURCE_SKIPPED')).toBe(true)
    expect((err as Error).message).toMatch(/no rights for users/)
    const strictErr = await runResource(resourceOf(make({ strict: true }), 'users')).catch((e: unknown) => e)
    expect(isSluiceError(strictErr, 'RESOURCE_SKIPPED')).toBe(false)
    expect(isSluiceError(strictErr, 'RESOURCE_FORBIDDEN')).toBe(true)
  })

  it('401 says the credentials were rejected and where to get a key', async () => {
    server.use(reject(401))
    const err = await runResource(resourceOf(make(), 'users')).catch((e: unknown) => e)
    expect(isSluiceError(err, 'AUTH_FAILED')).toBe(true)
    expect((err as Error).message).toMatch(/credentials were rejected/)
    expect((err as Error).message).toMatch(/Personal data/)
    expect((err as Error).message).toMatch(/SOURCES__CLOCKODO__API_KEY/)
  })

  it('410 names the retired route', async () => {
    server.use(reject(410))
    const err = await runResource(resourceOf(make(), 'users')).catch((e: unknown) => e)
    expect(isSluiceError(err, 'ROUTE_RETIRED')).toBe(true)
    expect((err as Error).message).toContain('/v3/users')
    expect((err as Error).message).toMatch(/retired/)
  })

  it('never puts the API key in errors or events', async () => {
    for (const status of [400, 401, 403, 410, 500]) {
      server.use(reject(status))
      const events: unknown[] = []
      const src = make({ emit: (e) => events.push(e) })
      const err = await runResource(resourceOf(src, 'users')).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      const dump = (e: unknown, depth = 0): string => {
        if (!(e instanceof Error) || depth > 5) return String(e)
        return `${e.message} ${e.stack ?? ''} ${JSON.stringify(e)} ${dump(e.cause, depth + 1)}`
      }
      expect(dump(err)).not.toContain(KEY)
      expect(JSON.stringify(events)).not.toContain(KEY)
      expect(events.length).toBeGreaterThan(0)
    }
  })
})

describe('unconfirmed routes', () => {
  it('a 404 on surcharge_models skips it; on a confirmed route it fails', async () => {
    server.use(
      http.get(`${BASE}/v2/surchargeModels`, () => HttpResponse.json({ errors: [] }, { status: 404 })),
      http.get(`${BASE}/v2/accessGroups`, () => HttpResponse.json({ errors: [] }, { status: 404 })),
    )
    const skipped = await runResource(resourceOf(make(), 'surcharge_models')).catch((e: unknown) => e)
    expect(isSluiceError(skipped, 'RESOURCE_SKIPPED')).toBe(true)
    const strict = await runResource(resourceOf(make({ strict: true }), 'surcharge_models')).catch(
      (e: unknown) => e,
    )
    expect(isSluiceError(strict, 'RESOURCE_NOT_FOUND')).toBe(true)
    const failed = await runResource(resourceOf(make(), 'access_groups')).catch((e: unknown) => e)
    expect(isSluiceError(failed, 'HTTP_STATUS')).toBe(true)
    expect((failed as Error).message).toContain(
      'failed with HTTP 404: Clockodo has no route /v2/accessGroups for access_groups',
    )
    expect((failed as Error).message).not.toMatch(/retired/)
  })

  it('a 404 with a base URL without /api says that it must end in /api and names SOURCES__CLOCKODO__BASE_URL', async () => {
    const root = 'http://127.0.0.1:9'
    server.use(http.get(`${root}/v3/users`, () => HttpResponse.json({ errors: [] }, { status: 404 })))
    const err = await runResource(resourceOf(make({ baseUrl: root }), 'users')).catch((e: unknown) => e)
    expect((err as Error).message).toContain(`the base URL ${root} does not end in /api`)
    expect((err as Error).message).toContain('set SOURCES__CLOCKODO__BASE_URL')
    expect((err as Error).message).not.toMatch(/retired/)
  })
})
