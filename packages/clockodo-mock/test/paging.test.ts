import { describe, expect, it } from 'vitest'
import { get, getAllPages, mswServer, smallAccount } from './mock-fixture.ts'

const account = smallAccount(7)
mswServer(account)

function expectExactlyOnce(
  items: Record<string, unknown>[],
  expected: number,
  key = (r: Record<string, unknown>) => String(r.id),
): void {
  const keys = items.map(key)
  expect(keys.length).toBe(expected)
  expect(new Set(keys).size).toBe(expected)
}

describe('paging', () => {
  it.each([1, 7, 1000])(
    'entries: every item exactly once across pages of %i, count_items correct',
    async (ipp) => {
      const query = { time_since: '2026-01-05T10:00:00Z', time_until: '2026-01-09T13:30:00Z' }
      const { items, pagings } = await getAllPages('/v2/entries', 'entries', query, ipp)
      const expected = [...account.entriesBetween(query.time_since, query.time_until)].map((e) => e.id)
      expect(expected.length).toBeGreaterThan(0)
      expectExactlyOnce(items, expected.length)
      expect(items.map((e) => e.id)).toEqual(expected)
      for (const [i, p] of pagings.entries()) {
        expect(p).toEqual({
          items_per_page: ipp,
          current_page: i + 1,
          count_pages: Math.ceil(expected.length / ipp),
          count_items: expected.length,
        })
      }
    },
  )

  it('entries window edge rule: time_since >= since and time_since < until', async () => {
    const all = [...account.entriesBetween('2026-02-02T00:00:00Z', '2026-02-03T00:00:00Z')]
    const first = all.reduce((a, b) => (a.time_since < b.time_since ? a : b))
    const at = await get('/v2/entries', { time_since: first.time_since, time_until: '2026-02-03T00:00:00Z' })
    expect((at.body as { entries: { id: number }[] }).entries.map((e) => e.id)).toContain(first.id)
    const until = await get('/v2/entries', {
      time_since: '2026-02-02T00:00:00Z',
      time_until: first.time_since,
    })
    expect((until.body as { entries: { id: number }[] }).entries.map((e) => e.id)).not.toContain(first.id)
    for (const e of (at.body as { entries: { time_since: string }[] }).entries)
      expect(e.time_since >= first.time_since).toBe(true)
  })

  it('entries filtered by users_id and by customers_id page consistently', async () => {
    const query = {
      time_since: '2025-06-01T00:00:00Z',
      time_until: '2025-07-01T00:00:00Z',
      'filter[users_id]': 103,
    }
    const { items } = await getAllPages('/v2/entries', 'entries', query, 13)
    expect(items.length).toBe(21 * 4) // 21 workdays in June 2025, 4 entries per day
    expect(items.every((e) => e.users_id === 103)).toBe(true)
    expectExactlyOnce(items, items.length)
    const customer = items[0]!.customers_id as number
    const byCustomer = await getAllPages(
      '/v2/entries',
      'entries',
      { ...query, 'filter[customers_id]': customer },
      2,
    )
    expect(byCustomer.items.length).toBe(items.filter((e) => e.customers_id === customer).length)
    expect(byCustomer.items.every((e) => e.customers_id === customer)).toBe(true)
  })

  it('an empty list has count_pages 0 and current_page 1', async () => {
    const { body } = await get('/v2/entries', {
      time_since: '2010-01-01T00:00:00Z',
      time_until: '2010-02-01T00:00:00Z',
    })
    expect(body).toEqual({
      paging: { items_per_page: 1000, current_page: 1, count_pages: 0, count_items: 0 },
      entries: [],
    })
    const weekend = await get('/v2/entries', {
      time_since: '2026-03-07T00:00:00Z',
      time_until: '2026-03-09T00:00:00Z',
      items_per_page: 10,
    })
    expect((weekend.body as { paging: unknown }).paging).toEqual({
      items_per_page: 10,
      current_page: 1,
      count_pages: 0,
      count_items: 0,
    })
    const customers = await get('/v3/customers', { 'filter[fulltext]': 'does-not-exist' })
    expect((customers.body as { paging: unknown }).paging).toEqual({
      items_per_page: 1000,
      current_page: 1,
      count_pages: 0,
      count_items: 0,
    })
  })

  it.each([
    ['/v3/customers', 'data', 'customers', 5000],
    ['/v4/projects', 'data', 'projects', 5000],
    ['/v3/subprojects', 'data', 'subprojects', 5000],
    ['/v4/services', 'data', 'services', 5000],
    ['/v4/lumpSumServices', 'data', 'lumpsum_services', 5000],
    ['/v3/users', 'data', 'users', 1000],
    ['/v3/teams', 'data', 'teams', 1000],
    ['/v3/usersNonbusinessGroups', 'data', 'users_nonbusiness_groups', 1000],
    ['/v2/workTimes/changeRequests', 'change_requests', 'work_time_change_requests', 1000],
    ['/v4/projects/reports', 'data', 'project_reports', 250],
  ] as const)(
    '%s: pages cover every item once; max items_per_page %i, one over is a 400',
    async (path, key, table, max) => {
      const expected = account.expectedCounts()[table]!
      const { items } = await getAllPages(path, key, {}, 3)
      const id = (r: Record<string, unknown>) =>
        table === 'project_reports' ? `${r.projects_id}/${r.subprojects_id ?? ''}` : String(r.id)
      expectExactlyOnce(items, expected, id)
      expect((await get(path, { items_per_page: max })).status).toBe(200)
      const over = await get(path, { items_per_page: max + 1 })
      expect(over.status).toBe(400)
      expect((over.body as { errors: { path: string }[] }).errors[0]!.path).toBe('items_per_page')
    },
  )

  it('usersNonbusinessDays: max 100, default 50 per page, one row per user', async () => {
    expect((await get('/v2/usersNonbusinessDays', { year: 2025, items_per_page: 101 })).status).toBe(400)
    const { body } = await get('/v2/usersNonbusinessDays', { year: 2025 })
    expect((body as { paging: { items_per_page: number; count_items: number } }).paging).toMatchObject({
      items_per_page: 50,
      count_items: 6,
    })
  })

  it('a page past the end is empty but keeps the counts', async () => {
    const { body } = await get('/v3/teams', { page: 9, items_per_page: 1 })
    expect(body).toMatchObject({
      paging: { current_page: 9, count_items: account.expectedCounts().teams },
      data: [],
    })
  })
})
