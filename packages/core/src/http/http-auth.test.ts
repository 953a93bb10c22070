import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import type { AuthConfig, HttpClientOptions } from './http-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'
const TOKEN_URL = 'https://auth.example.test/oauth/token'

function echo() {
  return http.get(`${BASE}/me`, ({ request }) =>
    HttpResponse.json({
      auth: request.headers.get('authorization'),
      key: request.headers.get('x-api-key'),
      user: request.headers.get('x-user'),
      q: new URL(request.url).searchParams.get('api_key'),
    }),
  )
}

async function call(auth: AuthConfig | HttpClientOptions['auth'], clock = createManualClock()) {
  const events: PipelineEvent[] = []
  const c = createHttpClient({ baseUrl: BASE, auth, clock, emit: (e) => events.push(e) })
  const res = await clock.run(c.request<Record<string, string | null>>({ path: '/me' }))
  return { body: res.body, events, url: res.url }
}

describe('auth', () => {
  it('api_key in a header (default Authorization) and in the query, redacted in URLs', async () => {
    server.use(echo())
    expect((await call({ type: 'api_key', value: 'secret-1' })).body.auth).toBe('secret-1')
    expect((await call({ type: 'api_key', name: 'X-Api-Key', value: 'secret-2' })).body.key).toBe('secret-2')
    const q = await call({ type: 'api_key', name: 'api_key', value: 'secret-3', location: 'query' })
    expect(q.body.q).toBe('secret-3')
    expect(q.url).toContain('api_key=***')
    expect(JSON.stringify(q.events)).not.toContain('secret-3')
  })

  it('api_keys sets several headers', async () => {
    server.use(echo())
    const { body } = await call({ type: 'api_keys', headers: { 'X-User': 'me@x.test', 'X-Api-Key': 'kkkk' } })
    expect(body).toMatchObject({ user: 'me@x.test', key: 'kkkk' })
  })

  it('http_basic and bearer', async () => {
    server.use(echo())
    const basic = await call({ type: 'http_basic', username: 'üser', password: 'pässword' })
    const decoded = new TextDecoder().decode(
      Uint8Array.from(atob(basic.body.auth!.slice(6)), (c) => c.charCodeAt(0)),
    )
    expect(decoded).toBe('üser:pässword')
    expect((await call({ type: 'bearer', token: 'tok-123' })).body.auth).toBe('Bearer tok-123')
  })

  it('custom auth is an object with one method', async () => {
    server.use(echo())
    const { body } = await call({
      apply: ({ headers, url }) => {
        headers.set('X-User', 'custom')
        url.searchParams.set('api_key', 'from-custom')
      },
    })
    expect(body).toMatchObject({ user: 'custom', q: 'from-custom' })
  })

  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    'oauth2 client credentials with %s, refreshed before expiry',
    async (authMethod) => {
      const tokenRequests: { form: URLSearchParams; auth: string | null }[] = []
      server.use(
        echo(),
        http.post(TOKEN_URL, async ({ request }) => {
          const form = new URLSearchParams(await request.text())
          tokenRequests.push({ form, auth: request.headers.get('authorization') })
          return HttpResponse.json({
            access_token: `at-${tokenRequests.length}`,
            expires_in: 3600,
            token_type: 'Bearer',
          })
        }),
      )
      const clock = createManualClock()
      const events: PipelineEvent[] = []
      const c = createHttpClient({
        baseUrl: BASE,
        clock,
        emit: (e) => events.push(e),
        auth: {
          type: 'oauth2_client_credentials',
          accessTokenUrl: TOKEN_URL,
          clientId: 'my-client',
          clientSecret: 'cl!ent-secret',
          scope: 'read',
          authMethod,
          extraParams: { audience: 'api' },
        },
      })
      const a = await clock.run(
        Promise.all([
          c.request<{ auth: string }>({ path: '/me' }),
          c.request<{ auth: string }>({ path: '/me' }),
        ]),
      )
      expect(a.map((r) => r.body.auth)).toEqual(['Bearer at-1', 'Bearer at-1'])
      expect(tokenRequests).toHaveLength(1)
      const { form, auth } = tokenRequests[0]!
      expect(form.get('grant_type')).toBe('client_credentials')
      expect(form.get('scope')).toBe('read')
      expect(form.get('audience')).toBe('api')
      if (authMethod === 'client_secret_post') {
        expect(form.get('client_id')).toBe('my-client')
        expect(form.get('client_secret')).toBe('cl!ent-secret')
        expect(auth).toBeNull()
      } else {
        expect(form.has('client_secret')).toBe(false)
        expect(atob(auth!.slice(6))).toBe('my-client:cl%21ent-secret')
      }
      clock.advance(3000 * 1000) // 50 min: still valid
      expect((await clock.run(c.request<{ auth: string }>({ path: '/me' }))).body.auth).toBe('Bearer at-1')
      clock.advance(9.5 * 60 * 1000) // 59.5 min: within the refresh margin
      expect((await clock.run(c.request<{ auth: string }>({ path: '/me' }))).body.auth).toBe('Bearer at-2')
      expect(tokenRequests).toHaveLength(2)
      expect(JSON.stringify(events)).not.toMatch(/at-1|at-2|cl!ent-secret/)
    },
  )

  it('oauth2 token failures say what to check without leaking the secret', async () => {
    server.use(
      http.post(TOKEN_URL, () =>
        HttpResponse.json(
          { error: 'invalid_client', error_description: 'bad cl!ent-secret' },
          { status: 401 },
        ),
      ),
    )
    const err = await call({
      type: 'oauth2_client_credentials',
      accessTokenUrl: TOKEN_URL,
      clientId: 'id',
      clientSecret: 'cl!ent-secret',
    }).catch((e) => e)
    expect(err.code).toBe('HTTP_AUTH')
    expect(err.message).toMatch(/invalid_client/)
    expect(err.message).toMatch(/check clientId\/clientSecret/)
    // the body echoed the secret; the client redacts it
    expect(err.message).not.toContain('cl!ent-secret')
  })

  it('rejects incomplete auth configs clearly', () => {
    expect(() => createHttpClient({ baseUrl: BASE, auth: { type: 'bearer', token: '' } })).toThrow(
      /auth\.token/,
    )
    expect(() => createHttpClient({ baseUrl: BASE, auth: { type: 'x' } as never })).toThrow(
      /auth\.type "x" is unknown/,
    )
  })
})

describe('oauth2 on 401', () => {
  it('drops the cached token after a 401 and retries once with a new one', async () => {
    let tokens = 0
    const seen: (string | null)[] = []
    server.use(
      http.post(TOKEN_URL, () => {
        tokens++
        return HttpResponse.json({ access_token: `tok-${tokens}`, expires_in: 3600 })
      }),
      http.get(`${BASE}/me`, ({ request }) => {
        const auth = request.headers.get('authorization')
        seen.push(auth)
        return auth === 'Bearer tok-1'
          ? HttpResponse.json({}, { status: 401 })
          : HttpResponse.json({ ok: true })
      }),
    )
    const clock = createManualClock()
    const c = createHttpClient({
      baseUrl: BASE,
      clock,
      retry: { maxAttempts: 1 },
      auth: {
        type: 'oauth2_client_credentials',
        accessTokenUrl: TOKEN_URL,
        clientId: 'a',
        clientSecret: 'bbbb',
      },
    })
    const res = await clock.run(c.request({ path: '/me' }))
    expect(res.body).toEqual({ ok: true })
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-2'])
  })
})
