import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import corePackage from '../../package.json' with { type: 'json' }
import type { PipelineEvent } from '../events.ts'
import { pageReaderHere, parsePageHere } from '../page-workers/page-parse.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import { isHttpError } from './http-error.ts'
import type { BodyReader, HttpClientOptions, RemoteRequest, RemoteResponse } from './http-types.ts'

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
    // the version comes from package.json when the module loads, so a release changes it without a code edit
    expect(headers?.get('user-agent')).toBe(`sluice/${corePackage.version}`)
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

describe('bodies that are not UTF-8', () => {
  const LATIN1 = new Uint8Array([
    ...new TextEncoder().encode('{"name":"Caf'),
    0xe9,
    ...new TextEncoder().encode(' \ufffd"}'),
  ])

  it('decodes them with U+FFFD and reports the count (a warning event by default)', async () => {
    server.use(
      http.get(
        `${BASE}/latin1`,
        () => new HttpResponse(LATIN1, { headers: { 'content-type': 'application/json' } }),
      ),
    )
    const { c, clock, events } = client()
    const res = await clock.run(c.request({ path: 'latin1' }))
    // the U+FFFD the body really holds is not counted
    expect(res.body).toEqual({ name: 'Caf\ufffd \ufffd' })
    expect(events.filter((e) => e.type === 'warning')).toEqual([
      { type: 'warning', message: `${BASE}/latin1: 1 character was not valid UTF-8 and became U+FFFD` },
    ])
    const told: unknown[] = []
    const parsed = client({ onInvalidUtf8: (bad) => told.push(bad) })
    await parsed.clock.run(parsed.c.request({ path: 'latin1' }, { reader: pageReaderHere({}) }))
    expect(told).toEqual([{ url: `${BASE}/latin1`, replaced: 1 }])
    expect(parsed.events.filter((e) => e.type === 'warning')).toEqual([])
  })

  it("fails with HTTP_ENCODING, without a retry, when invalidUtf8 is 'error'", async () => {
    let calls = 0
    server.use(
      http.get(`${BASE}/latin1`, () => {
        calls++
        return new HttpResponse(LATIN1)
      }),
    )
    const { c, clock } = client({ invalidUtf8: 'error' })
    for (const reader of [undefined, pageReaderHere({})]) {
      const error = await clock.run(c.request({ path: 'latin1' }, reader ? { reader } : {})).catch((e) => e)
      expect(error).toMatchObject({ code: 'HTTP_ENCODING', transient: false })
      expect(error.message).toContain(
        `GET ${BASE}/latin1 answered with a body that is not valid UTF-8 (1 invalid character)`,
      )
    }
    expect(calls).toBe(2)
  })
})
