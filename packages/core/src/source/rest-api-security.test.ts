import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { base64Utf8 } from '../http/http-credentials.ts'
import type { AuthConfig } from '../http/http-types.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'
import type { ResourceContext } from './source-types.ts'

// restApiSource: credentials only to the base URL's origin (a next link or a parent's URL field to another host
// goes without them; an endpoint path the config names absolutely is trusted), and lists that end.

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const API = 'https://api.example.test'
const OTHER = 'https://other.example.test'
const SECRET = 'rest-SECRET-51ac0e'
const clock = createManualClock()

/** Every request's URL and headers, as text (where a leaked secret would be). */
const seen: { url: string; raw: string }[] = []
const record = (request: Request): void => {
  seen.push({ url: request.url, raw: `${request.url}\n${[...request.headers].join('\n')}` })
}

async function read(config: RestApiSourceConfig, name: string, strict = false) {
  const warnings: string[] = []
  const c: ResourceContext = {
    state: {},
    signal: new AbortController().signal,
    emit: () => {},
    replaceRange: () => {},
    warn: (m) => warnings.push(m),
    strict,
  }
  const rows: unknown[] = []
  const resource = restApiSource(config).resources.find((r) => r.name === name)!
  const error = await clock
    .run(
      (async () => {
        for await (const page of resource.read(c)) rows.push(...pageRows(page))
      })(),
    )
    .catch((e: unknown) => e)
  return { rows, warnings, error }
}

const AUTHS: Record<string, AuthConfig> = {
  'api_key header': { type: 'api_key', name: 'X-Api-Key', value: SECRET },
  'api_key query': { type: 'api_key', name: 'api_key', value: SECRET, location: 'query' },
  bearer: { type: 'bearer', token: SECRET },
  http_basic: { type: 'http_basic', username: 'u', password: SECRET },
}
const leaked = (raw: string) => raw.includes(SECRET) || raw.includes(base64Utf8(`u:${SECRET}`))

describe('restApiSource sends credentials only to the base URL origin', () => {
  it.each(Object.keys(AUTHS))('%s: a JSON next link to another host gets none', async (kind) => {
    seen.length = 0
    server.use(
      http.get(`${API}/items`, ({ request }) => {
        record(request)
        return HttpResponse.json({ data: [{ id: 1 }], next: `${OTHER}/items?page=2` })
      }),
      http.get(`${OTHER}/items`, ({ request }) => {
        record(request)
        return HttpResponse.json({ data: [{ id: 2 }], next: null })
      }),
    )
    const { rows, error } = await read(
      {
        name: 'links',
        client: { baseUrl: API, auth: AUTHS[kind]!, paginator: { type: 'json_link' } },
        resources: [{ name: 'items', endpoint: { path: 'items', dataSelector: 'data' } }],
      },
      'items',
    )
    expect(error).toBeUndefined()
    expect(rows).toEqual([{ id: 1 }, { id: 2 }])
    expect(seen.map((s) => [new URL(s.url).origin, leaked(s.raw)])).toEqual([
      [API, true],
      [OTHER, false],
    ])
  })

  it('an endpoint path the config names absolutely, and allowedHosts, get them', async () => {
    seen.length = 0
    server.use(
      http.get(`${OTHER}/static`, ({ request }) => {
        record(request)
        return HttpResponse.json([{ id: 9 }])
      }),
      http.get(`${API}/moved`, ({ request }) => {
        record(request)
        return new HttpResponse(null, { status: 302, headers: { location: 'https://files.example.test/x' } })
      }),
      http.get('https://files.example.test/x', ({ request }) => {
        record(request)
        return HttpResponse.json([{ id: 8 }])
      }),
    )
    const config = (allowedHosts?: string[]): RestApiSourceConfig => ({
      name: 'hosts',
      client: {
        baseUrl: API,
        auth: AUTHS.bearer!,
        paginator: { type: 'single_page' },
        ...(allowedHosts ? { allowedHosts } : {}),
      },
      resources: [
        { name: 'static', endpoint: `${OTHER}/static` },
        { name: 'moved', endpoint: 'moved' },
      ],
    })
    await read(config(), 'static')
    await read(config(), 'moved')
    await read(config(['files.example.test']), 'moved')
    expect(seen.map((s) => [s.url, leaked(s.raw)])).toEqual([
      [`${OTHER}/static`, true],
      [`${API}/moved`, true],
      ['https://files.example.test/x', false],
      [`${API}/moved`, true],
      ['https://files.example.test/x', true],
    ])
    expect(() => restApiSource(config([42 as unknown as string]))).toThrow(/client\.allowedHosts must be/)
    expect(() => restApiSource(config(['https://x.test/path']))).toThrow(
      /is not a host name or an http\(s\) origin/,
    )
  })
})

describe('restApiSource lists end', () => {
  it('a child page_number endpoint with totalPath whose answer is a bare list fails at once', async () => {
    let calls = 0
    server.use(
      http.get(`${API}/parents`, () => HttpResponse.json([{ id: 1 }])),
      http.get(`${API}/parents/1/children`, () => {
        calls++
        return HttpResponse.json([{ id: 'c' }])
      }),
    )
    const { error } = await read(
      {
        name: 'family',
        client: { baseUrl: API, paginator: { type: 'single_page' } },
        resources: [
          { name: 'parents', endpoint: 'parents' },
          {
            name: 'children',
            endpoint: {
              path: 'parents/{resources.parents.id}/children',
              paginator: { type: 'page_number', basePage: 1, totalPath: 'total_pages' },
            },
          },
        ],
      },
      'children',
    )
    expect(error).toMatchObject({ code: 'PAGINATION_FIELD_MISSING' })
    expect(calls).toBe(1)
  })

  it('warns when pages repeat, and takes endpoint.maxPages', async () => {
    server.use(
      http.get(`${API}/same`, () => HttpResponse.json([{ id: 1 }])),
      http.get(`${API}/more`, ({ request }) =>
        HttpResponse.json([{ id: Number(new URL(request.url).searchParams.get('page')) }]),
      ),
    )
    const config = (path: string, maxPages?: number): RestApiSourceConfig => ({
      name: 'p',
      client: { baseUrl: API, paginator: { type: 'page_number' } },
      resources: [{ name: 'r', endpoint: { path, ...(maxPages !== undefined ? { maxPages } : {}) } }],
    })
    const same = await read(config('same'), 'r')
    expect(same.rows).toEqual([{ id: 1 }])
    expect(same.warnings).toEqual([expect.stringContaining('r: page 2 (')])
    const more = await read(config('more', 3), 'r')
    expect(more.error).toMatchObject({ code: 'PAGINATION_LIMIT' })
    expect(more.rows).toHaveLength(3)
    expect(() => restApiSource(config('more', 0))).toThrow(
      /resources\[0\] \("r"\)\.endpoint\.maxPages must be/,
    )
  })
})
