import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import { createHttpClient } from '../http/http-client.ts'
import type { BodyReader } from '../http/http-types.ts'
import type { JsonObject } from '../json.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig, RestEndpointConfig } from './rest-api-types.ts'
import type { ResourceContext } from './source-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://actions.example.test/api'
const KEY = 'k3y-very-secret'

/** Reads the one resource of `config`; `ctx.pageReader` fails if the source ever used it. */
async function read(config: unknown) {
  const clock = createManualClock()
  const c = config as RestApiSourceConfig
  c.client.clock = clock
  const source = restApiSource(c)
  const events: PipelineEvent[] = []
  const ctx: ResourceContext = {
    state: {},
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
    replaceRange: () => {},
    warn: () => {},
    pageReader: () => {
      throw new Error('the REST source read a page through ctx.pageReader')
    },
  }
  const rows: JsonObject[] = []
  await clock.run(
    (async () => {
      for await (const page of source.resources[0]!.read(ctx)) rows.push(...(pageRows(page) as JsonObject[]))
    })(),
  )
  return { rows, events }
}

const config = (endpoint: Partial<RestEndpointConfig>, retry?: { maxAttempts: number }) => ({
  name: 'actions',
  client: {
    baseUrl: BASE,
    auth: { type: 'api_key', name: 'X-Key', value: KEY },
    paginator: { type: 'page_number', basePage: 1, totalPath: 'pages' },
    retry,
  },
  resources: [
    { name: 'items', endpoint: { path: 'items', dataSelector: 'data', parallel: false, ...endpoint } },
  ],
})

/** Three pages; `answer(page, call)` may replace a page's answer. Returns the pages requested, in order. */
function itemsApi(answer: (page: number, call: number) => Response | undefined = () => undefined) {
  const requested: number[] = []
  server.use(
    http.get(`${BASE}/items`, ({ request }) => {
      const page = Number(new URL(request.url).searchParams.get('page'))
      requested.push(page)
      const call = requested.filter((p) => p === page).length
      return answer(page, call) ?? HttpResponse.json({ data: [{ id: page }], pages: 3 })
    }),
  )
  return requested
}

/** dlt#1786: an API that answers 200 with an error in the body. */
const busy = () => HttpResponse.json({ status_code: 200, content: 'error', detail: `busy (key ${KEY})` })

describe('restApiSource responseActions', () => {
  it('retries a 200 whose body holds an error, with the client backoff (dlt#1786)', async () => {
    const requested = itemsApi((page, call) => (page === 2 && call < 3 ? busy() : undefined))
    const { rows, events } = await read(
      config({ responseActions: [{ status: 200, content: '"error"', action: 'retry' }] }),
    )
    expect(rows.map((r) => r['id'])).toEqual([1, 2, 3])
    expect(requested).toEqual([1, 2, 2, 2, 3])
    const retries = events.filter((e) => e.type === 'retry')
    expect(retries.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2])
  })

  it('fails as usual once the attempts run out, without the secret in the error', async () => {
    const requested = itemsApi((page) => (page === 2 ? busy() : undefined))
    const run = read(config({ responseActions: [{ content: 'error', action: 'retry' }] }, { maxAttempts: 3 }))
    await expect(run).rejects.toMatchObject({ code: 'HTTP_RESPONSE_RETRIED' })
    const error = await run.catch((e: Error) => e)
    expect(String(error)).toContain('busy (key ***)')
    expect(String(error)).not.toContain(KEY)
    expect(requested).toEqual([1, 2, 2, 2])
    // a retried error status fails with its own usual error
    itemsApi((page) => (page === 1 ? HttpResponse.json({ message: 'teapot' }, { status: 418 }) : undefined))
    await expect(
      read(config({ responseActions: [{ status: 418, action: 'retry' }] }, { maxAttempts: 2 })),
    ).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 418 })
  })

  it('ignores a 200 error body (dlt snake_case config from JSON): the list ends there without its rows', async () => {
    const requested = itemsApi((page) => (page === 2 ? busy() : undefined))
    const dlt = JSON.parse(
      JSON.stringify({
        client: {
          base_url: BASE,
          paginator: { type: 'page_number', base_page: 1, total_path: 'pages' },
        },
        resources: [
          {
            name: 'items',
            endpoint: {
              path: 'items',
              parallel: false,
              data_selector: 'data',
              response_actions: [{ status_code: 200, content: 'error', action: 'ignore' }],
            },
          },
        ],
      }),
    )
    expect((await read(dlt)).rows).toEqual([{ id: 1 }])
    expect(requested).toEqual([1, 2])
    // fetched in parallel, page 3 may be requested ahead; its rows still do not come
    itemsApi((page) => (page === 2 ? busy() : undefined))
    const ignore = [{ status: 200, content: 'error', action: 'ignore' as const }]
    expect((await read(config({ responseActions: ignore, parallel: true }))).rows).toEqual([{ id: 1 }])
  })

  it("a child's ignored response ends only that parent's list", async () => {
    server.use(
      http.get(`${BASE}/users`, () =>
        HttpResponse.json({ data: [{ id: 1 }, { id: 2 }, { id: 3 }], pages: 1 }),
      ),
      http.get(`${BASE}/users/:id/notes`, ({ params }) =>
        params['id'] === '2'
          ? HttpResponse.json({ code: 'E_ARCHIVED' }, { status: 404 })
          : HttpResponse.json({ data: [{ note: `n${String(params['id'])}` }], pages: 1 }),
      ),
    )
    const c = config({})
    const child = {
      name: 'notes',
      endpoint: {
        path: 'users/{resources.users.id}/notes',
        dataSelector: 'data',
        responseActions: [{ status: 404, content: 'E_ARCHIVED', action: 'ignore' }],
      },
    }
    const withChild = {
      ...c,
      resources: [{ name: 'users', endpoint: { path: 'users', dataSelector: 'data' } }, child],
    }
    const source = restApiSource({
      ...withChild,
      client: { ...withChild.client, clock: createManualClock() },
    } as never)
    const rows: JsonObject[] = []
    const ctx = {
      state: {},
      signal: new AbortController().signal,
      emit: () => {},
      replaceRange: () => {},
      warn: () => {},
    }
    for await (const page of source.resources[1]!.read(ctx)) rows.push(...(pageRows(page) as JsonObject[]))
    expect(rows.map((r) => r['note']).sort()).toEqual(['n1', 'n3'])
  })

  it('matches content in the body, not in the error message', async () => {
    const gone = () => HttpResponse.json({ code: 'E_ARCHIVED', message: 'not found' }, { status: 404 })
    itemsApi((page) => (page === 3 ? gone() : undefined))
    const actions = [{ status: 404, content: 'E_ARCHIVED', action: 'ignore' as const }]
    expect((await read(config({ responseActions: actions }))).rows).toEqual([{ id: 1 }, { id: 2 }])
    const other = [{ status: 404, content: 'E_OTHER', action: 'ignore' as const }]
    await expect(read(config({ responseActions: other }))).rejects.toThrow(/HTTP 404: not found/)
  })

  it('a hook may rewrite a response, ask for a retry, or raise', async () => {
    const requested = itemsApi((page, call) =>
      page === 1 && call === 1 ? HttpResponse.json({ message: 'later' }, { status: 400 }) : undefined,
    )
    const seen: string[] = []
    const { rows } = await read(
      config({
        responseActions: [
          (res) => {
            seen.push(`${res.status} ${new URL(res.url).search}`)
            return res.status === 400 ? 'retry' : undefined
          },
          {
            status: 200,
            action: async (res) => {
              const body = (await res.json()) as { data: { id: number }[]; pages: number }
              return Response.json({ ...body, data: body.data.map((d) => ({ ...d, rewritten: true })) })
            },
          },
        ],
      }),
    )
    expect(rows).toEqual([1, 2, 3].map((id) => ({ id, rewritten: true })))
    expect(requested).toEqual([1, 1, 2, 3])
    expect(seen[0]).toBe('400 ?page=1')
    const raise = (message: string) => () => {
      throw new Error(message)
    }
    const failed = read(config({ responseActions: [{ content: 'id', action: raise(`refused ${KEY}`) }] }))
    await expect(failed).rejects.toMatchObject({ code: 'HTTP_RESPONSE_HOOK' })
    const message = String(await failed.catch((e: Error) => e))
    expect(message).toMatch(/a response hook failed: refused \*\*\*/)
    expect(message).not.toContain(KEY)
    const notJson = read(config({ responseActions: [() => new Response('<html>')] }))
    await expect(notJson).rejects.toThrow(/the HTTP 200 response a hook returned is not JSON/)
  })

  it.each([
    [[{ action: 'ignore' }], /responseActions\[0\] matches nothing/],
    [[{ status: 404, action: 'skip' }], /responseActions\[0\]\.action is "skip"/],
    [[{ status: 404, action: 'ignore', when: 1 }], /responseActions\[0\]\.when is not a known key/],
    [[{ status: '404', action: 'ignore' }], /responseActions\[0\]\.status is "404"/],
    [[{ content: '', action: 'retry' }], /responseActions\[0\]\.content must be a non-empty string/],
  ])('refuses %j when the config is read', (actions, message) => {
    expect(() => restApiSource(config({ responseActions: actions as never }) as RestApiSourceConfig)).toThrow(
      message,
    )
  })
})

describe('HTTP client onResponse', () => {
  it('runs on this thread: with a hook the body reader (page workers) is not used', async () => {
    server.use(http.get(`${BASE}/one`, () => HttpResponse.json({ status: 'error' })))
    const reader: BodyReader<unknown> = {
      parse: () => Promise.reject(new Error('parsed elsewhere')),
      fetch: () => Promise.reject(new Error('fetched elsewhere')),
    }
    const client = createHttpClient({ baseUrl: BASE, retry: { maxAttempts: 1 } })
    const texts: string[] = []
    const res = await client.request(
      { path: 'one' },
      {
        reader,
        onResponse: async (r) => {
          texts.push(await r.text())
          return Response.json({ status: 'ok' })
        },
      },
    )
    expect(texts).toEqual(['{"status":"error"}'])
    expect(res.body).toEqual({ status: 'ok' })
    // without a hook the reader is used
    await expect(client.request({ path: 'one' }, { reader })).rejects.toThrow(/elsewhere/)
  })
})
