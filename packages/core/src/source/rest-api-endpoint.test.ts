import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pageRows } from '../page-workers/page-parse.ts'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'
import type { ResourceContext } from './source-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'

async function rows(config: RestApiSourceConfig, name: string): Promise<unknown[]> {
  const ctx: ResourceContext = {
    state: {},
    signal: new AbortController().signal,
    emit: () => {},
    replaceRange: () => {},
    warn: () => {},
  }
  const r = restApiSource(config).resources.find((x) => x.name === name)!
  const out: unknown[] = []
  for await (const page of r.read(ctx)) out.push(...pageRows(page))
  return out
}

describe('endpoint data, auth and the token shorthand', () => {
  it('sends data as a form body, with placeholders filled', async () => {
    const seen: { type: string | null; body: string }[] = []
    server.use(
      http.post(`${BASE}/search`, async ({ request }) => {
        seen.push({ type: request.headers.get('content-type'), body: await request.text() })
        return HttpResponse.json({ data: [{ id: 1 }] })
      }),
    )
    const config: RestApiSourceConfig = {
      name: 's',
      client: { baseUrl: BASE, paginator: 'single_page' },
      resources: [
        {
          name: 'hits',
          endpoint: {
            path: 'search',
            method: 'POST',
            data: { q: 'a b&c', since: '{incremental.start_value}', limit: 10 },
            incremental: { cursorPath: 'id', initialValue: 0 },
          },
        },
      ],
    }
    expect(await rows(config, 'hits')).toEqual([{ id: 1 }])
    expect(seen).toEqual([{ type: 'application/x-www-form-urlencoded', body: 'q=a+b%26c&since=0&limit=10' }])
  })

  it('refuses data together with json', () => {
    expect(() =>
      restApiSource({
        name: 's',
        client: { baseUrl: BASE },
        resources: [{ name: 'x', endpoint: { path: 'x', method: 'POST', data: { a: 1 }, json: { b: 2 } } }],
      }),
    ).toThrow(/endpoint\.data is set together with json/)
  })

  it("uses an endpoint's own auth for that endpoint and the client's for the others; { token } is bearer", async () => {
    const auths: Record<string, string | null> = {}
    server.use(
      http.get(`${BASE}/:name`, ({ request, params }) => {
        auths[String(params['name'])] = request.headers.get('authorization')
        return HttpResponse.json([{ id: 1 }])
      }),
    )
    const config = {
      name: 's',
      client: { baseUrl: BASE, auth: { token: 'client-token' }, paginator: 'single_page' },
      resources: [
        'plain',
        {
          name: 'special',
          endpoint: { path: 'special', auth: { type: 'http_basic', username: 'u', password: 'p' } },
        },
        { name: 'other', endpoint: { path: 'other', auth: { token: 'other-token' } } },
      ],
    } as RestApiSourceConfig
    for (const name of ['plain', 'special', 'other']) await rows(config, name)
    expect(auths).toEqual({
      plain: 'Bearer client-token',
      special: `Basic ${btoa('u:p')}`,
      other: 'Bearer other-token',
    })
  })
})
