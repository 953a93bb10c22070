import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import { restApiSource } from '../source/rest-api-source.ts'
import type { RestApiSourceConfig } from '../source/rest-api-types.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import type { AuthConfig } from './http-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'
const OTHER = 'https://files.elsewhere.test'
const TOKEN_URL = 'https://oauth2.example.test/token'
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
}

async function keyPair(): Promise<{ pem: string; publicKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))
  const b64 = btoa(String.fromCharCode(...der))
  const pem = `-----BEGIN PRIVATE KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`
  return { pem, publicKey: pair.publicKey }
}

const fromB64Url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const json = (s: string) => JSON.parse(new TextDecoder().decode(fromB64Url(s)))

interface Grant {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  valid: boolean
}

/** A token endpoint that verifies each assertion with `publicKey` and answers a token only for a valid one. */
function tokenEndpoint(publicKey: CryptoKey, expiresIn = 600) {
  const grants: Grant[] = []
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      const form = new URLSearchParams(await request.text())
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return HttpResponse.json({ error: 'unsupported_grant_type' }, { status: 400 })
      const [h, c, sig] = form.get('assertion')!.split('.')
      const valid = await crypto.subtle.verify(
        'RSASSA-PKCS1-v1_5',
        publicKey,
        fromB64Url(sig!),
        new TextEncoder().encode(`${h}.${c}`),
      )
      grants.push({ header: json(h!), claims: json(c!), valid })
      if (!valid)
        return HttpResponse.json(
          { error: 'invalid_grant', error_description: 'bad signature' },
          { status: 400 },
        )
      return HttpResponse.json({ access_token: `tok-${grants.length}`, expires_in: expiresIn })
    }),
  )
  return grants
}

/** The API: echoes the Authorization header; /me links to a file on another origin. */
function api() {
  const seen: { url: string; auth: string | null }[] = []
  const echo = ({ request }: { request: Request }) => {
    seen.push({ url: request.url, auth: request.headers.get('authorization') })
    return HttpResponse.json({ auth: request.headers.get('authorization') })
  }
  server.use(http.get(`${BASE}/me`, echo), http.get(`${OTHER}/file`, echo))
  return seen
}

describe('oauth2_jwt_bearer auth', () => {
  it('signs an RS256 assertion the token endpoint verifies, caches the token until it expires', async () => {
    const { pem, publicKey } = await keyPair()
    const grants = tokenEndpoint(publicKey)
    const seen = api()
    const clock = createManualClock()
    const events: PipelineEvent[] = []
    const auth: AuthConfig = {
      type: 'oauth2_jwt_bearer',
      accessTokenUrl: TOKEN_URL,
      clientId: 'loader@project.iam.example.test',
      privateKey: pem,
      privateKeyId: 'key-1',
      subject: 'me@example.test',
      scope: ['read', 'reports'],
    }
    const c = createHttpClient({ baseUrl: BASE, auth, clock, emit: (e) => events.push(e) })
    const me = () => clock.run(c.request<{ auth: string }>({ path: '/me' }))
    const both = await clock.run(Promise.all([me(), me()]))
    expect(both.map((r) => r.body.auth)).toEqual(['Bearer tok-1', 'Bearer tok-1'])
    expect(grants).toHaveLength(1)
    const iat = Math.floor(clock.now() / 1000)
    expect(grants[0]).toEqual({
      header: { alg: 'RS256', typ: 'JWT', kid: 'key-1' },
      claims: {
        iss: 'loader@project.iam.example.test',
        sub: 'me@example.test',
        aud: TOKEN_URL,
        scope: 'read reports',
        iat,
        exp: iat + 3600,
      },
      valid: true,
    })
    clock.advance(8 * 60 * 1000) // 8 of 10 minutes: still valid
    expect((await me()).body.auth).toBe('Bearer tok-1')
    clock.advance(60 * 1000) // within the refresh margin
    expect((await me()).body.auth).toBe('Bearer tok-2')
    expect(grants).toHaveLength(2)
    expect(grants[1]!.claims['iat']).toBe(iat + 9 * 60)
    // only the configured origins get the token
    await clock.run(c.request({ path: `${OTHER}/file` }))
    expect(seen.at(-1)).toEqual({ url: `${OTHER}/file`, auth: null })
    expect(JSON.stringify(events)).not.toMatch(/tok-1|tok-2|PRIVATE KEY/)
  })

  it('a key the endpoint does not know fails with HTTP_AUTH, without the key or the assertion', async () => {
    const registered = await keyPair()
    const other = await keyPair()
    const grants = tokenEndpoint(registered.publicKey)
    const clock = createManualClock()
    const c = createHttpClient({
      baseUrl: BASE,
      clock,
      auth: { type: 'oauth2_jwt_bearer', accessTokenUrl: TOKEN_URL, clientId: 'svc', privateKey: other.pem },
    })
    const err = await clock.run(c.request({ path: '/me' })).catch((e) => e)
    expect(grants.map((g) => g.valid)).toEqual([false])
    expect(err).toMatchObject({
      code: 'HTTP_AUTH',
      message: expect.stringMatching(/invalid_grant: bad signature/),
    })
    expect(err.hint).toMatch(/the private key/)
    const body = other.pem.split('\n')[1]!
    expect(JSON.stringify({ m: err.message, h: err.hint, c: String(err.cause) })).not.toContain(body)
  })

  it('refuses a PKCS#1 or encrypted key when the auth is made, with the openssl command', () => {
    for (const kind of ['RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']) {
      const make = () =>
        createHttpClient({
          baseUrl: BASE,
          auth: {
            type: 'oauth2_jwt_bearer',
            accessTokenUrl: TOKEN_URL,
            clientId: 'svc',
            privateKey: `-----BEGIN ${kind}-----\nMIIEsecretsecretsecret\n-----END ${kind}-----`,
          },
        })
      expect(make).toThrow(new RegExp(`auth.privateKey is a "${kind}" PEM`))
      try {
        make()
      } catch (e) {
        expect(e).toMatchObject({
          code: 'CONFIG_INVALID',
          hint: expect.stringMatching(/openssl pkcs8 -topk8/),
        })
        expect(String(e)).not.toContain('MIIEsecret')
      }
    }
  })

  it('works in a dlt-style REST config (auth_endpoint, scopes, a key with \\n escapes as in an env var)', async () => {
    const { pem, publicKey } = await keyPair()
    const grants = tokenEndpoint(publicKey)
    server.use(
      http.get(`${BASE}/items`, ({ request }) =>
        HttpResponse.json([{ auth: request.headers.get('authorization') }]),
      ),
    )
    const source = restApiSource(
      JSON.parse(
        JSON.stringify({
          client: {
            base_url: BASE,
            auth: {
              type: 'oauth2_jwt_bearer',
              client_id: 'svc',
              private_key: pem.replace(/\n/g, '\\n'),
              auth_endpoint: TOKEN_URL,
              scopes: ['items.read'],
            },
          },
          resources: [{ name: 'items', endpoint: { path: 'items', paginator: 'single_page' } }],
        }),
      ) as RestApiSourceConfig,
    )
    const rows: unknown[] = []
    const ctx = {
      state: {},
      signal: new AbortController().signal,
      emit: () => {},
      replaceRange: () => {},
      warn: () => {},
    }
    for await (const page of source.resources[0]!.read(ctx)) rows.push(...pageRows(page))
    expect(rows).toEqual([{ auth: 'Bearer tok-1' }])
    expect(grants[0]!.claims).toMatchObject({ iss: 'svc', sub: 'svc', aud: TOKEN_URL, scope: 'items.read' })
  })
})
