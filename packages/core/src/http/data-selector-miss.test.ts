import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import { paginate } from './paginate.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'

async function warningsOf(
  dataSelector: string,
  body: unknown,
): Promise<{ rows: number; warnings: string[] }> {
  server.use(http.get(`${BASE}/users`, () => HttpResponse.json(body as never)))
  const clock = createManualClock()
  const client = createHttpClient({ baseUrl: BASE, clock })
  const warnings: string[] = []
  let rows = 0
  await clock.run(
    (async () => {
      for await (const page of paginate(
        client,
        { path: '/users' },
        { paginator: 'single_page', dataSelector, resource: 'users', onWarning: (m) => warnings.push(m) },
      ))
        rows += page.items.length
    })(),
  )
  return { rows, warnings }
}

describe('a dataSelector that matches nothing', () => {
  it('warns and names the keys the page had', async () => {
    const { rows, warnings } = await warningsOf('data', { results: [{ id: 1 }], paging: { next: null } })
    expect(rows).toBe(0)
    expect(warnings).toEqual([
      `users: dataSelector "data" matches nothing in ${BASE}/users; the page has the keys results, paging`,
    ])
  })
  it('says so when the page is a list', async () => {
    const { warnings } = await warningsOf('$.items', [{ id: 1 }])
    expect(warnings[0]).toMatch(/the page is a list: use the dataSelector "\$"/)
  })
  it('stays quiet for an empty list or null at the path', async () => {
    expect((await warningsOf('data', { data: [] })).warnings).toEqual([])
    expect((await warningsOf('data', { data: null })).warnings).toEqual([])
  })
})
