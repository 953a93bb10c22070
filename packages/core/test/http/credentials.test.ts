import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHttpClient } from '../../src/http/http-client.ts'
import { base64Utf8 } from '../../src/http/http-credentials.ts'
import type { HttpClientOptions, HttpResponse } from '../../src/http/http-types.ts'
import { nodeFileSystem, nodePageWorkers } from '../../src/node/index.ts'
import { pageReaderHere } from '../../src/page-workers/page-parse.ts'
import type { ParsedPage } from '../../src/page-workers/page-types.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Source } from '../../src/source/source-types.ts'
import { FakeDestination } from '../pipeline/fake-destination.ts'
import { json, type Received, startServer, type TestServer } from './test-servers.ts'

// Credentials go only to the base URL's origin (and the allowed hosts): two servers on 127.0.0.1, two ports, two
// origins. The API redirects (302, 307) or links (a JSON `next`) to the other origin; the other origin must see
// none of the credentials, whichever kind, on the pipeline's thread (global fetch) and on page workers (node:http).
// Page workers run the built entry in dist/node (`build` runs before these tests).

// whole pipelines, some with a worker thread: seconds each on a busy machine
vi.setConfig({ testTimeout: 30_000 })

const SECRET = 'cred-SECRET-7f3a9c1e'
const CLIENT_SECRET = 'client-SECRET-0b5d2a'
/** Every form a credential of the variants below takes on the wire. */
const FORMS = [SECRET, CLIENT_SECRET, base64Utf8(`user:${SECRET}`), base64Utf8(`id:${CLIENT_SECRET}`)]
const leaks = (r: Received): string[] => FORMS.filter((f) => r.raw.includes(f))

let api: TestServer
let other: TestServer
beforeAll(async () => {
  other = await startServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    if (path === '/refuse') json(res, 401, { error: 'who are you?' })
    else if (path === '/token') json(res, 200, { access_token: SECRET, expires_in: 3600 })
    else json(res, 200, { data: [{ id: 'other' }] })
  })
  api = await startServer((req, res) => {
    const { pathname: path, search } = new URL(req.url, 'http://x')
    const moved = (status: number, location: string): void => {
      res.writeHead(status, { location, 'content-length': '0' })
      res.end()
    }
    if (path === '/token') json(res, 200, { access_token: SECRET, expires_in: 3600 })
    else if (path === '/token-moved') moved(307, `${other.origin}/token`)
    // the redirects keep the query, as many servers do (an api_key in it would go along)
    else if (path === '/start/302') moved(302, `${other.origin}/landing${search}`)
    else if (path === '/start/307') moved(307, `${other.origin}/landing${search}`)
    else if (path === '/start/link')
      json(res, 200, { data: [{ id: 'api' }], next: `${other.origin}/landing` })
    else if (path === '/start/same') moved(302, '/page2')
    else if (path === '/start/refused') moved(302, `${other.origin}/refuse`)
    else if (path === '/loop') moved(302, '/loop')
    else if (path === '/see-other') moved(303, '/page2')
    else json(res, 200, { data: [{ id: 'api-page2' }] })
  })
})
afterAll(async () => {
  await api?.close()
  await other?.close()
})

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-credentials-'))
  api.received.length = 0
  other.received.length = 0
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** Every kind of credential a client can carry. */
const VARIANTS: Record<string, (origin: string) => Partial<HttpClientOptions>> = {
  'api_key header': () => ({ auth: { type: 'api_key', name: 'X-Api-Key', value: SECRET } }),
  'api_key query': () => ({ auth: { type: 'api_key', name: 'api_key', value: SECRET, location: 'query' } }),
  api_keys: () => ({ auth: { type: 'api_keys', headers: { 'X-Account': 'me', 'X-Key': SECRET } } }),
  bearer: () => ({ auth: { type: 'bearer', token: SECRET } }),
  http_basic: () => ({ auth: { type: 'http_basic', username: 'user', password: SECRET } }),
  oauth2: (origin) => ({
    auth: {
      type: 'oauth2_client_credentials',
      accessTokenUrl: `${origin}/token`,
      clientId: 'id',
      clientSecret: CLIENT_SECRET,
    },
  }),
  'userinfo in the base URL': (origin) => ({ baseUrl: origin.replace('http://', `http://user:${SECRET}@`) }),
  'cookie, proxy and secret headers': () => ({
    headers: { Cookie: `sid=${SECRET}`, 'Proxy-Authorization': `Basic ${SECRET}`, 'X-Token': SECRET },
    secrets: [SECRET],
  }),
}

/** A source that reads `start` and then every JSON `next` link, through `ctx.pageReader` when there is one. */
function following(start: string, options: Partial<HttpClientOptions>): Source {
  return {
    name: 'linked',
    resources: [
      {
        name: 'items',
        async *read(ctx) {
          const client = createHttpClient({ baseUrl: api.origin, ...options })
          const reader = (ctx.pageReader ?? pageReaderHere)({ dataKeys: ['data'], meta: ['next'] })
          let path: string | undefined = start
          while (path) {
            const res: HttpResponse<ParsedPage> = await client.request<ParsedPage>(
              { path },
              { reader, signal: ctx.signal },
            )
            yield res.body
            const next: unknown = res.body.meta.next
            path = typeof next === 'string' ? next : undefined
          }
        },
      },
    ],
  }
}

async function load(source: Source, workers: boolean): Promise<string[]> {
  const destination = new FakeDestination('csv')
  const p = pipeline({
    pipelineName: 'credentials',
    destination,
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    ...(workers ? { pageWorkers: nodePageWorkers({ size: 1 }) } : {}),
  })
  await p.run(source)
  return destination.rows('items').map((r) => String(r.id))
}

describe.each([
  ['the pipeline thread (fetch)', false],
  ['page workers (node:http)', true],
])('credentials stay at their origin: %s', (_, workers) => {
  for (const [variant, options] of Object.entries(VARIANTS)) {
    it.each(['302', '307', 'link'])(`${variant}: a %s to another origin goes without them`, async (how) => {
      const ids = await load(following(`/start/${how}`, options(api.origin)), workers)
      // the other origin was asked (and answered: its row is loaded) ...
      expect(ids).toContain('other')
      expect(other.received.length).toBeGreaterThan(0)
      // ... without any credential, while the API got them
      for (const r of other.received) expect(leaks(r), r.raw).toEqual([])
      expect(api.received.some((r) => leaks(r).length > 0)).toBe(true)
      // the request went the path under test: fetch sends sec-fetch-mode, node:http does not
      expect(other.received.every((r) => (r.headers['sec-fetch-mode'] !== undefined) === !workers)).toBe(true)
    })
  }

  it('a redirect within the origin keeps them, and allowedHosts extends the origins', async () => {
    await load(following('/start/same', VARIANTS.bearer!(api.origin)), workers)
    expect(api.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRET}`, `Bearer ${SECRET}`])
    api.received.length = 0
    const allowed = { ...VARIANTS.bearer!(api.origin), allowedHosts: [other.origin] }
    await load(following('/start/307', allowed), workers)
    expect(other.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRET}`])
  })
})

describe('redirects are followed by the client', () => {
  const client = (extra: Partial<HttpClientOptions> = {}) =>
    createHttpClient({ baseUrl: api.origin, auth: { type: 'bearer', token: SECRET }, ...extra })

  it('a refusal from the other origin says it got no credentials and how to allow it', async () => {
    const error = await client()
      .request({ path: '/start/refused' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 401, url: `${other.origin}/refuse` })
    const message = (error as Error).message
    expect(message).toContain(`redirected to ${other.origin}/refuse`)
    expect(message).toContain(`${other.origin} got no credentials`)
    expect(message).toContain(`sends them only to ${api.origin}`)
    expect(message).toContain('allowedHosts')
    expect(message).not.toContain(SECRET)
  })

  it('stops after maxRedirects hops', async () => {
    const error = await client({ maxRedirects: 3 })
      .request({ path: '/loop' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'HTTP_REDIRECT' })
    expect((error as Error).message).toContain('redirected more than 3 times')
    expect(api.received).toHaveLength(4)
  })

  it('continues a POST answered 303 as a GET without its body', async () => {
    const res = await client().request({ method: 'POST', path: '/see-other', json: { q: 1 } })
    expect(res.body).toEqual({ data: [{ id: 'api-page2' }] })
    expect(api.received.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST /see-other {"q":1}',
      'GET /page2 ',
    ])
    expect(res.url).toBe(`${api.origin}/page2`)
  })

  it('does not follow a redirect of the OAuth2 token endpoint (its form holds the client secret)', async () => {
    const error = await client({
      auth: {
        type: 'oauth2_client_credentials',
        accessTokenUrl: `${api.origin}/token-moved`,
        clientId: 'id',
        clientSecret: CLIENT_SECRET,
      },
    })
      .request({ path: '/page2' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'HTTP_AUTH' })
    expect((error as Error).message).toContain('answered a redirect (HTTP 307')
    expect(other.received).toHaveLength(0)
  })
})
