// The HTTP client's retries, backoff, timeouts and limits (http-client.ts with rate-limiter.ts).
import { delay, HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import { parseRetryAfter } from './http-status.ts'
import type { HttpClientOptions } from './http-types.ts'
import { createRateLimiter } from './rate-limiter.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test/v1'

function client(extra: Partial<HttpClientOptions> = {}) {
  const clock = createManualClock()
  const events: PipelineEvent[] = []
  const c = createHttpClient({
    baseUrl: BASE,
    clock,
    random: () => 0.5,
    emit: (e) => events.push(e),
    ...extra,
  })
  return { c, clock, events }
}

describe('retries', () => {
  it('honours Retry-After in seconds on 429 and reports the retry', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/r`, () => {
        calls++
        return calls === 1
          ? HttpResponse.json({}, { status: 429, headers: { 'Retry-After': '7' } })
          : HttpResponse.json({ ok: 1 })
      }),
    )
    const { c, clock, events } = client()
    const t0 = clock.now()
    await clock.run(c.request({ path: 'r' }))
    const retry = events.find((e) => e.type === 'retry')
    expect(retry).toMatchObject({ attempt: 1, waitMs: 7000, reason: 'HTTP 429' })
    expect(clock.now() - t0).toBeGreaterThanOrEqual(7000)
  })

  it('honours Retry-After as an HTTP date', async () => {
    const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'))
    let calls = 0
    server.use(
      http.get(`${BASE}/r`, () => {
        calls++
        return calls === 1
          ? HttpResponse.json(
              {},
              { status: 503, headers: { 'Retry-After': 'Thu, 01 Jan 2026 00:00:30 GMT' } },
            )
          : HttpResponse.json({ ok: 1 })
      }),
    )
    const events: PipelineEvent[] = []
    const c = createHttpClient({ baseUrl: BASE, clock, emit: (e) => events.push(e) })
    await clock.run(c.request({ path: 'r' }))
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ waitMs: 30_000 })
    expect(parseRetryAfter('garbage', 0)).toBeUndefined()
  })

  it('backs off exponentially with jitter on 5xx and gives up after maxAttempts', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/down`, () => {
        calls++
        return HttpResponse.json({ message: 'boom' }, { status: 502 })
      }),
    )
    const { c, clock, events } = client({ retry: { maxAttempts: 4, baseDelayMs: 1000 } })
    const err = await clock.run(c.request({ path: 'down' })).catch((e) => e)
    expect(calls).toBe(4)
    expect(err.code).toBe('HTTP_STATUS')
    expect(err.transient).toBe(true)
    expect(err.status).toBe(502)
    // random() = 0.5: half of 1000, 2000, 4000
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { waitMs: number }).waitMs)).toEqual([
      500, 1000, 2000,
    ])
  })

  it('caps one wait at maxDelayMs and stops when the total wait would exceed maxTotalWaitMs', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/down`, () => {
        calls++
        return new HttpResponse(null, { status: 500 })
      }),
    )
    const { c, clock, events } = client({
      random: () => 1,
      retry: { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 3000, maxTotalWaitMs: 7000 },
    })
    const err = await clock.run(c.request({ path: 'down' })).catch((e) => e)
    expect(err.status).toBe(500)
    const waits = events.filter((e) => e.type === 'retry').map((e) => (e as { waitMs: number }).waitMs)
    expect(waits).toEqual([1000, 2000, 3000])
    expect(calls).toBe(4)
  })

  it('retries network errors', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/net`, () => {
        calls++
        return calls < 3 ? HttpResponse.error() : HttpResponse.json([1, 2])
      }),
    )
    const { c, clock, events } = client()
    const res = await clock.run(c.request({ path: 'net' }))
    expect(res.body).toEqual([1, 2])
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual([
      'network error',
      'network error',
    ])
  })

  it('fails with HTTP_NETWORK when network errors persist', async () => {
    server.use(http.get(`${BASE}/net`, () => HttpResponse.error()))
    const { c, clock } = client({ retry: { maxAttempts: 2 } })
    const err = await clock.run(c.request({ path: 'net' })).catch((e) => e)
    expect(err.code).toBe('HTTP_NETWORK')
    expect(err.message).toContain(`${BASE}/net`)
  })

  it('times out a hanging request, retries it, and fails with HTTP_TIMEOUT', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/slow`, async () => {
        calls++
        await delay('infinite')
        return HttpResponse.json({})
      }),
    )
    const { c, clock, events } = client({ timeoutMs: 5000, retry: { maxAttempts: 2 } })
    const err = await clock.run(c.request({ path: 'slow' })).catch((e) => e)
    expect(err.code).toBe('HTTP_TIMEOUT')
    expect(calls).toBe(2)
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ reason: 'timeout' })
  })

  it('does not retry statuses outside retryStatuses and stops on abort', async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/x`, () => {
        calls++
        return new HttpResponse(null, { status: 503 })
      }),
    )
    const { c, clock } = client({ retry: { retryStatuses: [429] } })
    const err = await clock.run(c.request({ path: 'x' })).catch((e) => e)
    expect(err.status).toBe(503)
    expect(calls).toBe(1)
    const ctrl = new AbortController()
    ctrl.abort(new Error('stop'))
    const aborted = await clock.run(c.request({ path: 'x' }, { signal: ctrl.signal })).catch((e) => e)
    expect(aborted.message).toBe('stop')
    expect(calls).toBe(1)
  })
})

describe('concurrency', () => {
  it('never has more than maxInFlight requests in flight', async () => {
    let current = 0
    let peak = 0
    server.use(
      http.get(`${BASE}/c`, async () => {
        current++
        peak = Math.max(peak, current)
        for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0))
        current--
        return HttpResponse.json([])
      }),
    )
    const { c, clock, events } = client({ maxInFlight: 3 })
    await clock.run(Promise.all(Array.from({ length: 12 }, () => c.request({ path: 'c' }))))
    expect(peak).toBe(3)
    const inFlight = events
      .filter((e) => e.type === 'request')
      .map((e) => (e as { inFlight: number }).inFlight)
    expect(Math.max(...inFlight)).toBe(3)
  })

  it('slows down after a 429: other requests wait for Retry-After too', async () => {
    let calls = 0
    const times: number[] = []
    const { c, clock } = client({ maxInFlight: 4 })
    server.use(
      http.get(`${BASE}/c`, () => {
        calls++
        times.push(clock.now())
        return calls === 1
          ? HttpResponse.json({}, { status: 429, headers: { 'Retry-After': '10' } })
          : HttpResponse.json([])
      }),
    )
    const t0 = clock.now()
    await clock.run(c.request({ path: 'c' }))
    await clock.run(c.request({ path: 'c' }))
    // the second request, issued after the retry finished, is not delayed further; the retry waited 10 s
    expect(times[1]! - t0).toBeGreaterThanOrEqual(10_000)
    expect(calls).toBe(3)
  })
})

describe('extra limiter per request', () => {
  it('applies an endpoint limiter on top of the client limiter', async () => {
    server.use(http.get(`${BASE}/e`, () => HttpResponse.json([])))
    const { c, clock, events } = client()
    const endpoint = createRateLimiter({
      clock,
      windows: [{ limit: 2, intervalMs: 60_000, name: 'enhanced' }],
    })
    const t0 = clock.now()
    for (let i = 0; i < 3; i++) await clock.run(c.request({ path: 'e' }, { limiter: endpoint }))
    await clock.run(c.request({ path: 'e' }))
    expect(events.filter((e) => e.type === 'rate-limit-wait')).toEqual([
      { type: 'rate-limit-wait', resource: undefined, waitMs: 60_000, window: 'enhanced' },
    ])
    expect(clock.now() - t0).toBe(60_000)
    expect(endpoint.inFlight).toBe(0)
  })
})
