import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient } from './http-client.ts'
import { originPolicy } from './http-origins.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const TOKEN = 'origin-token-5e1f'

describe('originPolicy', () => {
  it('trusts the base URL origin and the allowed hosts, by scheme, host and port', () => {
    const p = originPolicy('https://api.example.test/v1', ['files.example.test', 'http://127.0.0.1:8080'])
    const trusts = (url: string) => p.trusts(new URL(url))
    expect(trusts('https://api.example.test/v1/x?y=1')).toBe(true)
    expect(trusts('https://api.example.test:443/other')).toBe(true)
    expect(trusts('http://api.example.test/v1')).toBe(false) // https -> http: a downgrade
    expect(trusts('https://api.example.test:8443/v1')).toBe(false) // another port
    expect(trusts('https://evil.api.example.test/v1')).toBe(false)
    expect(trusts('https://files.example.test/a')).toBe(true) // a host name means https
    expect(trusts('http://files.example.test/a')).toBe(false)
    expect(trusts('http://127.0.0.1:8080/a')).toBe(true)
    expect(trusts('http://127.0.0.1:8081/a')).toBe(false)
    expect(p.origins).toEqual([
      'https://api.example.test',
      'https://files.example.test',
      'http://127.0.0.1:8080',
    ])
  })

  it('lets an http base URL on port 80 upgrade to https on the same host, nothing else', () => {
    const p = originPolicy('http://api.example.test/v1')
    expect(p.trusts(new URL('https://api.example.test/v1'))).toBe(true)
    expect(p.trusts(new URL('https://api.example.test:8443/v1'))).toBe(false)
    expect(
      originPolicy('http://api.example.test:8080').trusts(new URL('https://api.example.test:8080')),
    ).toBe(false)
  })

  it('refuses an allowed host that is not a host or an origin', () => {
    for (const bad of ['https://x.test/path', 'ftp://x.test', 'user:pw@x.test', '']) {
      expect(() => originPolicy('https://api.example.test', [bad])).toThrow(/client\.allowedHosts/)
    }
  })
})

describe('credentials across schemes', () => {
  /** The Authorization header each URL got, following one redirect from `from` to `to`. */
  async function follow(from: string, to: string): Promise<(string | null)[]> {
    const seen: (string | null)[] = []
    server.use(
      http.get(from, ({ request }) => {
        seen.push(request.headers.get('authorization'))
        return new HttpResponse(null, { status: 302, headers: { location: to } })
      }),
      http.get(to, ({ request }) => {
        seen.push(request.headers.get('authorization'))
        return HttpResponse.json({ ok: true })
      }),
    )
    const base = new URL(from)
    const client = createHttpClient({ baseUrl: base.origin, auth: { type: 'bearer', token: TOKEN } })
    await client.request({ path: base.pathname })
    return seen
  }

  it('drops them on a redirect from https to http on the same host', async () => {
    expect(await follow('https://api.example.test/a', 'http://api.example.test/b')).toEqual([
      `Bearer ${TOKEN}`,
      null,
    ])
  })

  it('keeps them on a redirect from http to https on the same host (an upgrade)', async () => {
    expect(await follow('http://api.example.test/a', 'https://api.example.test/b')).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ])
  })

  it('drops them on a redirect to another port of the same host', async () => {
    expect(await follow('https://api.example.test/a', 'https://api.example.test:8443/b')).toEqual([
      `Bearer ${TOKEN}`,
      null,
    ])
  })
})
