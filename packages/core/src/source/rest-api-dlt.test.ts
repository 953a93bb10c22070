import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pageRows } from '../page-workers/page-parse.ts'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'
import type { ResourceContext, Source } from './source-types.ts'

// dlt's documented RESTAPIConfig examples, transcribed as JSON (dlt's rest_api docs and `dlt init rest_api`).
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const fromJson = (json: string): RestApiSourceConfig => JSON.parse(json) as RestApiSourceConfig

async function readAll(source: Source, name: string): Promise<Record<string, unknown>[]> {
  const r = source.resources.find((x) => x.name === name)
  if (!r) throw new Error(`no resource ${name}`)
  const c: ResourceContext = {
    state: {},
    signal: new AbortController().signal,
    emit: () => {},
    replaceRange: () => {},
    warn: () => {},
  }
  const rows: Record<string, unknown>[] = []
  for await (const page of r.read(c)) rows.push(...(pageRows(page) as Record<string, unknown>[]))
  return rows
}

describe("dlt's snake_case RESTAPIConfig", () => {
  it('loads the quick example (posts and their comments, json_link paging, token auth)', async () => {
    const config = fromJson(`{
      "client": {
        "base_url": "https://api.example.com/",
        "auth": { "token": "your_api_token" },
        "paginator": { "type": "json_link", "next_url_path": "paging.next" }
      },
      "resources": [
        "posts",
        { "name": "comments", "endpoint": { "path": "posts/{resources.posts.id}/comments", "params": { "sort": "created_at" } } }
      ]
    }`)
    const seen: string[] = []
    server.use(
      http.get('https://api.example.com/posts', ({ request }) => {
        expect(request.headers.get('authorization')).toBe('Bearer your_api_token')
        const page = new URL(request.url).searchParams.get('page')
        seen.push(`posts ${page ?? 1}`)
        return page === '2'
          ? HttpResponse.json({ data: [{ id: 2 }], paging: { next: null } })
          : HttpResponse.json({ data: [{ id: 1 }], paging: { next: 'https://api.example.com/posts?page=2' } })
      }),
      http.get('https://api.example.com/posts/:id/comments', ({ request, params }) => {
        expect(new URL(request.url).searchParams.get('sort')).toBe('created_at')
        return HttpResponse.json({ data: [{ id: Number(params['id']) * 10 }], paging: {} })
      }),
    )
    const source = restApiSource(config)
    expect(source.name).toBe('rest_api')
    expect(await readAll(source, 'posts')).toEqual([{ id: 1 }, { id: 2 }])
    expect((await readAll(source, 'comments')).map((r) => r['id'])).toEqual([10, 20])
    expect(seen).toContain('posts 2')
  })

  it('loads the Pokemon example (resource_defaults, resources as strings)', async () => {
    const config = fromJson(`{
      "client": { "base_url": "https://pokeapi.co/api/v2/" },
      "resource_defaults": { "endpoint": { "params": { "limit": 1000 } } },
      "resources": ["pokemon", "berry", "location"]
    }`)
    const limits: (string | null)[] = []
    server.use(
      http.get('https://pokeapi.co/api/v2/:kind', ({ request, params }) => {
        limits.push(new URL(request.url).searchParams.get('limit'))
        return HttpResponse.json({
          count: 1,
          next: null,
          previous: null,
          results: [{ name: `${String(params['kind'])}-1`, url: 'https://pokeapi.co/api/v2/x/1/' }],
        })
      }),
    )
    const source = restApiSource(config)
    expect(source.resources.map((r) => r.name)).toEqual(['pokemon', 'berry', 'location'])
    expect(await readAll(source, 'berry')).toEqual([
      { name: 'berry-1', url: 'https://pokeapi.co/api/v2/x/1/' },
    ])
    expect(limits).toEqual(['1000'])
  })

  it('loads the GitHub example (merge defaults, incremental param, resolve param, include_from_parent)', async () => {
    const config = fromJson(`{
      "client": {
        "base_url": "https://api.github.com/repos/dlt-hub/dlt/",
        "auth": { "type": "bearer", "token": "ghp_secret" }
      },
      "resource_defaults": {
        "primary_key": "id",
        "write_disposition": "merge",
        "endpoint": { "params": { "per_page": 100 } }
      },
      "resources": [
        {
          "name": "issues",
          "endpoint": {
            "path": "issues",
            "params": {
              "sort": "updated",
              "direction": "desc",
              "state": "open",
              "since": { "type": "incremental", "cursor_path": "updated_at", "initial_value": "2024-01-25T11:21:28Z" }
            }
          }
        },
        {
          "name": "issue_comments",
          "endpoint": {
            "path": "issues/{issue_number}/comments",
            "params": { "issue_number": { "type": "resolve", "resource": "issues", "field": "number" } }
          },
          "include_from_parent": ["id"]
        }
      ]
    }`)
    const queries: string[] = []
    server.use(
      http.get('https://api.github.com/repos/dlt-hub/dlt/issues', ({ request }) => {
        queries.push(new URL(request.url).search)
        return HttpResponse.json([{ id: 501, number: 7, updated_at: '2024-02-01T00:00:00Z' }])
      }),
      http.get('https://api.github.com/repos/dlt-hub/dlt/issues/7/comments', ({ request }) => {
        expect(new URL(request.url).searchParams.get('per_page')).toBe('100')
        return HttpResponse.json([{ id: 9001, body: 'hi' }])
      }),
    )
    const source = restApiSource(config)
    const issues = source.resources.find((r) => r.name === 'issues')
    expect(issues?.primaryKey).toBe('id')
    expect(issues?.writeDisposition).toBe('merge')
    expect(await readAll(source, 'issues')).toHaveLength(1)
    expect(queries[0]).toContain('since=2024-01-25T11%3A21%3A28Z')
    expect(queries[0]).toContain('per_page=100')
    expect(await readAll(source, 'issue_comments')).toEqual([{ id: 9001, body: 'hi', _issues_id: 501 }])
  })

  it('maps paginator, data_selector, response_actions and incremental start_param', async () => {
    const config = fromJson(`{
      "client": { "base_url": "https://api.example.com/v1/" },
      "resources": [
        {
          "name": "orders",
          "table_name": "shop_orders",
          "endpoint": {
            "path": "orders",
            "data_selector": "result.items",
            "paginator": { "type": "page_number", "base_page": 1, "page_param": "p", "total_path": "result.pages" },
            "incremental": { "start_param": "from", "cursor_path": "ts", "initial_value": 5 },
            "response_actions": [{ "status_code": 404, "action": "ignore" }]
          }
        }
      ]
    }`)
    const urls: string[] = []
    server.use(
      http.get('https://api.example.com/v1/orders', ({ request }) => {
        urls.push(new URL(request.url).search)
        const p = Number(new URL(request.url).searchParams.get('p'))
        return HttpResponse.json({ result: { pages: 2, items: [{ ts: 5 + p }] } })
      }),
    )
    const source = restApiSource(config)
    expect(source.resources[0]?.tableName).toBe('shop_orders')
    expect(await readAll(source, 'orders')).toEqual([{ ts: 6 }, { ts: 7 }])
    expect(urls).toEqual(['?from=5&p=1', '?from=5&p=2'])
  })

  it('refuses both spellings of one key', () => {
    expect(() =>
      restApiSource(
        fromJson(
          '{ "name": "x", "client": { "base_url": "https://a.test", "baseUrl": "https://a.test" }, "resources": ["a"] }',
        ),
      ),
    ).toThrow(/client has both base_url and baseUrl/)
  })
})
