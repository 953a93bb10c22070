import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { JsonObject } from '../json.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import type { ResourceState } from '../storage/package-types.ts'
import { PAGES_AHEAD } from './rest-api-parents.ts'
import { restApiSource } from './rest-api-source.ts'
import type { ResourceContext, ResourceGroup, Source } from './source-types.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test/v1'
const PAGES = 30

/** Users 1..PAGES, one per page, linked by `next`; counts the pages asked for. */
function api() {
  const seen = { users: 0, details: 0 }
  server.use(
    http.get(`${BASE}/users`, ({ request }) => {
      seen.users++
      const page = Number(new URL(request.url).searchParams.get('page') ?? 1)
      const next = page < PAGES ? `${BASE}/users?page=${page + 1}` : null
      return HttpResponse.json({ next, data: [{ id: page }] })
    }),
    http.get(`${BASE}/users/:id`, ({ params }) => {
      seen.details++
      return HttpResponse.json({ id: Number(params['id']), detail: true })
    }),
  )
  return seen
}

const source = (): Source =>
  restApiSource({
    name: 'api',
    client: { baseUrl: BASE, paginator: { type: 'json_link', nextUrlPath: 'next' } },
    resources: [
      { name: 'users', endpoint: 'users' },
      { name: 'user', endpoint: 'users/{resources.users.id}' },
    ],
  })

/** The contexts of a group run, as the extractor makes them. */
function groupRun(source: Source, names: string[], states: Record<string, ResourceState> = {}) {
  const contexts = new Map<string, ResourceContext>()
  const group: ResourceGroup = { name: 'users', contexts }
  for (const name of names) {
    states[name] ??= {}
    contexts.set(name, {
      state: states[name],
      signal: new AbortController().signal,
      emit: () => {},
      replaceRange: () => {},
      warn: () => {},
      group,
    })
  }
  const read = (name: string) => source.resources.find((r) => r.name === name)!.read(contexts.get(name)!)
  return { read, states }
}

async function rows(pages: AsyncIterable<unknown>): Promise<JsonObject[]> {
  const out: JsonObject[] = []
  for await (const page of pages) out.push(...(pageRows(page as JsonObject[]) as JsonObject[]))
  return out
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('restApiSource parent/child reads', () => {
  it('gives both resources of a group the same rows as reading each alone, from one read', async () => {
    const seen = api()
    const aloneUsers = await rows(groupRun(source(), ['users']).read('users'))
    const aloneUser = await rows(groupRun(source(), ['user']).read('user'))
    expect(seen.users).toBe(2 * PAGES)
    seen.users = 0
    const run = groupRun(source(), ['users', 'user'])
    const [users, user] = await Promise.all([rows(run.read('users')), rows(run.read('user'))])
    expect(seen.users).toBe(PAGES)
    expect(users).toEqual(aloneUsers)
    expect(users.map((u) => u['id'])).toEqual(Array.from({ length: PAGES }, (_, i) => i + 1))
    expect(user).toEqual(aloneUser)
  })

  it('does not read the parent further than PAGES_AHEAD pages past a resource that does not read', async () => {
    const seen = api()
    const run = groupRun(source(), ['users', 'user'])
    // the child reads all it can; the parent's own table does not read at all
    const child = rows(run.read('user'))
    await vi.waitFor(() => expect(seen.users).toBeGreaterThanOrEqual(PAGES_AHEAD))
    await settle()
    expect(seen.users).toBeLessThanOrEqual(PAGES_AHEAD + 1)
    // once the parent's table reads, both finish
    const parent = await rows(run.read('users'))
    expect(parent).toHaveLength(PAGES)
    expect(await child).toHaveLength(PAGES)
    expect(seen.users).toBe(PAGES)
  })

  it('lets the others go on when one resource stops reading early', async () => {
    const seen = api()
    const run = groupRun(source(), ['users', 'user'])
    const child = rows(run.read('user'))
    for await (const _ of run.read('users')) break
    expect(await child).toHaveLength(PAGES)
    expect(seen.details).toBe(PAGES)
  })
})
