import { delay, HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import { parsePageHere } from '../page-workers/page-parse.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient, parseRetryAfter } from './http-client.ts'
import { isHttpError } from './http-error.ts'
import type { BodyReader, HttpClientOptions, RemoteRequest, RemoteResponse } from './http-types.ts'
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

describe('request building', () => {
  it('serializes deepObject filters and arrays, joins the base URL and sends default headers', async () => {
    let seen: URL | undefined
    let headers: Headers | undefined
    server.use(
      http.get(`${BASE}/entries`, ({ request }) => {
        seen = new URL(request.url)
        headers = request.headers
        return HttpResponse.json({ ok: true })
      }),
    )
    const { c, clock } = client({ headers: { 'X-App': 'a' } })
    const res = await clock.run(
      c.request({
        path: '/entries',
        params: {
          filter: { year: 2024, users_id: [1, 2] },
          ids: [3, 4],
          q: 'x y',
          skip: null,
          none: undefined,
        },
        headers: { 'X-Req': 'b' },
      }),
    )
    expect(res.body).toEqual({ ok: true })
    expect(res.status).toBe(200)
    expect(seen?.pathname).toBe('/v1/entries')
    expect(seen?.searchParams.get('filter[year]')).toBe('2024')
    expect(seen?.searchParams.getAll('filter[users_id][]')).toEqual(['1', '2'])
    expect(seen?.searchParams.getAll('ids[]')).toEqual(['3', '4'])
    expect(seen?.searchParams.get('q')).toBe('x y')
    expect(seen?.searchParams.has('skip')).toBe(false)
    expect(seen?.searchParams.has('none')).toBe(false)
    expect(headers?.get('x-app')).toBe('a')
    expect(headers?.get('x-req')).toBe('b')
    expect(headers?.get('user-agent')).toMatch(/^sluice\//)
  })

  it('sends JSON bodies and accepts absolute URLs', async () => {
    let got: unknown
    server.use(
      http.post('https://other.example.test/search', async ({ request }) => {
        got = await request.json()
        expect(request.headers.get('content-type')).toBe('application/json')
        return HttpResponse.json([1])
      }),
    )
    const { c, clock } = client()
    const res = await clock.run(
      c.request({ method: 'post', path: 'https://other.example.test/search', json: { a: 1 } }),
    )
    expect(got).toEqual({ a: 1 })
    expect(res.body).toEqual([1])
  })
})

/** A handler for `path` that answers JSON cut off mid-body once, then `then` (counting the calls). */
function cutOffOnce(path: string, then: unknown): { calls: number; handler: ReturnType<typeof http.get> } {
  const cut = { calls: 0, handler: http.get(`${BASE}/${path}`, () => answer()) }
  const answer = (): Response => {
    cut.calls++
    return cut.calls === 1
      ? new HttpResponse('{"data":[{"id":1},{"i', { headers: { 'content-type': 'application/json' } })
      : HttpResponse.json(then as never)
  }
  return cut
}

describe('decoding and status errors', () => {
  it('names the URL, the status and the start of the body when the body is not JSON', async () => {
    server.use(http.get(`${BASE}/html`, () => HttpResponse.html('<html><body>Login page</body></html>')))
    const { c, clock } = client()
    const err = await clock.run(c.request({ path: 'html' })).catch((e) => e)
    expect(err.code).toBe('HTTP_DECODE')
    expect(err.transient).toBe(false)
    expect(err.message).toContain(`${BASE}/html`)
    expect(err.message).toContain('200')
    expect(err.message).toContain('<html><body>Login page')
  })

  it('retries cut-off JSON as transient', async () => {
    const cut = cutOffOnce('cut', { data: [] })
    server.use(cut.handler)
    const { c, clock, events } = client()
    const res = await clock.run(c.request({ path: 'cut' }))
    expect(res.body).toEqual({ data: [] })
    expect(cut.calls).toBe(2)
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ reason: 'truncated response', attempt: 1 })
  })

  it('with a parse hook: the hook gets 2xx bodies as bytes, cut-off JSON is retried, other text is not', async () => {
    const cut = cutOffOnce('hooked', { data: [{ id: 2 }] })
    server.use(
      cut.handler,
      http.get(`${BASE}/hooked-html`, () => HttpResponse.html('<html>secret-token-1234 login</html>')),
      http.get(`${BASE}/hooked-404`, () => HttpResponse.json({ error: 'gone' }, { status: 404 })),
    )
    const seen: number[] = []
    const parse = async (bytes: Uint8Array) => {
      seen.push(bytes.length)
      return (await parsePageHere(bytes, { dataKeys: ['data'] })).rows
    }
    const { c, clock, events } = client({ secrets: ['secret-token-1234'] })
    const res = await clock.run(c.request({ path: 'hooked' }, { reader: { parse } }))
    expect(res.body).toEqual([{ id: 2 }])
    expect(cut.calls).toBe(2)
    expect(seen).toHaveLength(2)
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ reason: 'truncated response', attempt: 1 })
    const html = await clock.run(c.request({ path: 'hooked-html' }, { reader: { parse } })).catch((e) => e)
    expect(html).toMatchObject({ code: 'HTTP_DECODE', transient: false })
    expect(html.message).toContain('a body that is not JSON')
    expect(html.message).toContain('<html>*** login</html>')
    // errors other than a body that is not JSON pass through; non-2xx bodies never reach the hook
    const failing = await clock
      .run(
        c.request({ path: 'hooked' }, { reader: { parse: () => Promise.reject(new Error('worker gone')) } }),
      )
      .catch((e) => e)
    expect(failing).toMatchObject({ code: 'HTTP_PARSE', transient: false })
    expect(failing.message).toContain('reading the body failed: worker gone')
    const before = seen.length
    const missing = await clock.run(c.request({ path: 'hooked-404' }, { reader: { parse } })).catch((e) => e)
    expect(missing.code).toBe('HTTP_STATUS')
    expect(seen).toHaveLength(before)
  })

  it('with a reader that fetches elsewhere: sends the request there and keeps auth, retries and redaction here', async () => {
    const sent: RemoteRequest[] = []
    const answers: (() => RemoteResponse<string>)[] = [
      () => {
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') })
      },
      () => ({ status: 503, headers: [['retry-after', '0']], text: '{"error":"busy"}' }),
      () => ({
        status: 200,
        headers: [],
        decodeError: { message: 'Unexpected end', snippet: '{"a":', looksJson: true },
      }),
      () => ({ status: 200, headers: [['x-page', '1']], body: 'the page' }),
    ]
    const reader: BodyReader<string> = {
      parse: () => Promise.reject(new Error('not used')),
      fetch: async (request) => {
        sent.push(request)
        return answers.shift()!()
      },
    }
    const { c, clock, events } = client({ auth: { type: 'bearer', token: 'tok-12345678' } })
    const res = await clock.run(c.request<string>({ path: 'remote', params: { page: 2 } }, { reader }))
    expect(res.body).toBe('the page')
    expect(res.headers.get('x-page')).toBe('1')
    expect(sent).toHaveLength(4)
    expect(sent[0]).toMatchObject({ url: `${BASE}/remote?page=2`, method: 'GET' })
    expect(new Headers(sent[0]!.headers).get('authorization')).toBe('Bearer tok-12345678')
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual([
      'network error',
      'HTTP 503',
      'truncated response',
    ])
    // a client with its own fetch does not hand requests over
    server.use(http.get(`${BASE}/own`, () => HttpResponse.json([1, 2])))
    const own = client({ fetch: (input, init) => globalThis.fetch(input, init) })
    const mine = await own.clock.run(
      own.c.request({ path: 'own' }, { reader: { parse: async () => 'parsed here', fetch: reader.fetch! } }),
    )
    expect(mine.body).toBe('parsed here')
    expect(sent).toHaveLength(4)
  })

  it('with a reader that fetches elsewhere: a request that takes too long is aborted there and times out', async () => {
    let aborted: unknown
    const reader: BodyReader<string> = {
      parse: () => Promise.reject(new Error('not used')),
      fetch: (_request, signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = signal.reason
            reject(signal.reason)
          }),
        ),
    }
    const { c, clock } = client({ timeoutMs: 1000, retry: { maxAttempts: 1 } })
    const error = await clock.run(c.request({ path: 'slow' }, { reader })).catch((e) => e)
    expect(error.code).toBe('HTTP_TIMEOUT')
    expect(aborted).toBeDefined()
  })

  it.each([
    [401, /check the credentials/],
    [403, /no rights/],
    [404, /retired or the path is wrong/],
    [410, /retired or the path is wrong/],
  ])('fails at once on %i with the API message and a hint', async (status, hint) => {
    let calls = 0
    server.use(
      http.get(`${BASE}/x`, () => {
        calls++
        return HttpResponse.json({ errors: [{ message: 'Route gone' }] }, { status })
      }),
    )
    const { c, clock } = client()
    const err = await clock.run(c.request({ path: 'x' })).catch((e) => e)
    expect(isHttpError(err, status)).toBe(true)
    expect(err.status).toBe(status)
    expect(err.message).toContain(`HTTP ${status}`)
    expect(err.message).toContain('Route gone')
    expect(err.message).toMatch(hint)
    expect(calls).toBe(1)
  })

  it('reads v2-style {error:{message}} bodies', async () => {
    server.use(
      http.get(`${BASE}/x`, () =>
        HttpResponse.json({ error: { message: 'Array expected.' } }, { status: 400 }),
      ),
    )
    const { c, clock } = client()
    const err = await clock.run(c.request({ path: 'x' })).catch((e) => e)
    expect(err.message).toContain('Array expected.')
  })
})

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
