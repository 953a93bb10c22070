import { describe, expect, it } from 'vitest'
import { get, getAllPages, mswServer, smallAccount } from './mock-fixture.ts'
import { check, componentValidator, responseValidator } from './openapi-schemas.ts'

const account = smallAccount()
mswServer(account)

type Case = [specPath: string, path: string, key: string, query?: Record<string, string | number>]
const MONTH = { time_since: '2026-02-01T00:00:00Z', time_until: '2026-03-01T00:00:00Z' }
const cases: Case[] = [
  ['/v2/entries', '/v2/entries', 'entries', MONTH],
  ['/v2/entries', '/v2/entries', 'entries', { ...MONTH, enhanced_list: 1 }],
  ['/v2/entrygroups', '/v2/entrygroups', 'groups', { ...MONTH, 'grouping[]': 'users_id' }],
  ['/v3/customers', '/v3/customers', 'data'],
  ['/v3/customers/countProjects', '/v3/customers/countProjects', 'data'],
  ['/v4/projects', '/v4/projects', 'data'],
  ['/v3/subprojects', '/v3/subprojects', 'data'],
  ['/v4/services', '/v4/services', 'data'],
  ['/v4/lumpSumServices', '/v4/lumpSumServices', 'data'],
  ['/v3/users', '/v3/users', 'data'],
  ['/v3/teams', '/v3/teams', 'data'],
  ['/v4/absences', '/v4/absences', 'data'],
  ['/v4/absences', '/v4/absences', 'data', { 'filter[year]': 2025 }],
  ['/v2/holidaysQuota', '/v2/holidaysQuota', 'data'],
  ['/v3/holidaysCarry', '/v3/holidaysCarry', 'data'],
  ['/v3/overtimeCarry', '/v3/overtimeCarry', 'data'],
  ['/v3/overtimeReductions', '/v3/overtimeReductions', 'data'],
  ['/v2/nonbusinessGroups', '/v2/nonbusinessGroups', 'data'],
  ['/v2/nonbusinessDays', '/v2/nonbusinessDays', 'data', { year: 2025 }],
  ['/v2/usersNonbusinessDays', '/v2/usersNonbusinessDays', 'data', { year: 2025 }],
  ['/v3/usersNonbusinessGroups', '/v3/usersNonbusinessGroups', 'data'],
  ['/targethours', '/targethours', 'targethours'],
  ['/userreports', '/userreports', 'userreports', { year: 2025 }],
  ['/userreports', '/userreports', 'userreports', { year: 2025, type: 1 }],
  ['/userreports', '/userreports', 'userreports', { year: 2025, type: 2 }],
  ['/userreports', '/userreports', 'userreports', { year: 2025, type: 3 }],
  ['/userreports', '/userreports', 'userreports', { year: 2026, type: 4 }],
  [
    '/v2/workTimes',
    '/v2/workTimes',
    'work_time_days',
    { users_id: 101, date_since: '2026-02-01', date_until: '2026-03-12' },
  ],
  ['/v2/workTimes/changeRequests', '/v2/workTimes/changeRequests', 'change_requests'],
  ['/v3/entriesTexts', '/v3/entriesTexts', 'data', { mode: 'add' }],
  ['/v4/projects/reports', '/v4/projects/reports', 'data'],
  ['/v3/projects/reports', '/v3/projects/reports', 'data'],
  ['/v2/accessGroups', '/v2/accessGroups', 'data'],
]

describe('every list endpoint matches its OpenAPI response schema', () => {
  it.each(cases)('GET %s (%s %j)', async (specPath, path, key, query = {}) => {
    const { status, body } = await get(path, query)
    expect(status).toBe(200)
    const list = (body as Record<string, unknown[]>)[key]
    expect(Array.isArray(list)).toBe(true)
    expect(list!.length).toBeGreaterThan(0)
    expect(check(responseValidator(specPath, 200), body)).toBe('')
  })

  it('all entries of the account (every type, running clock, enhanced) match EntryV2', async () => {
    const { items } = await getAllPages(
      '/v2/entries',
      'entries',
      { time_since: '2024-01-01T00:00:00Z', time_until: '2027-01-01T00:00:00Z', enhanced_list: 1 },
      1000,
    )
    expect(items.length).toBe(account.expectedCounts().entries)
    const v = responseValidator('/v2/entries', 200)
    const paging = {
      items_per_page: items.length,
      current_page: 1,
      count_pages: 1,
      count_items: items.length,
    }
    expect(check(v, { paging, entries: items })).toBe('')
    expect(new Set(items.map((e) => e.type))).toEqual(new Set([1, 2, 3]))
  })

  it('every user report year (type 4) matches the schema', async () => {
    for (const year of [2024, 2025, 2026]) {
      const { body } = await get('/userreports', { year, type: 4 })
      expect(check(responseValidator('/userreports', 200), body)).toBe('')
    }
  })

  it('/v2/surchargeModels (not in the spec: SDK shape) answers a data list', async () => {
    const { status, body } = await get('/v2/surchargeModels')
    expect(status).toBe(200)
    const data = (body as { data: Record<string, unknown>[] }).data
    expect(data.length).toBe(account.expectedCounts().surcharge_models)
    for (const m of data)
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(['id', 'name', 'accumulation', 'night', 'sunday', 'saturday']),
      )
  })

  it('error bodies match the documented error schemas', async () => {
    const missing = await get('/v2/entries')
    expect(missing.status).toBe(400)
    expect(check(responseValidator('/v2/entries', 400), missing.body)).toBe('')
    expect((missing.body as { error: { fields: string[] } }).error.fields).toEqual(['time_since'])
    const tooMany = await get('/v3/customers', { items_per_page: 5001 })
    expect(tooMany.status).toBe(400)
    expect(check(responseValidator('/v3/customers', 400), tooMany.body)).toBe('')
    const unauthorized = await get('/v3/customers', {}, { 'X-Clockodo-External-Application': 'x;y@z.de' })
    expect(unauthorized.status).toBe(401)
    expect(check(componentValidator('GeneralErrors'), unauthorized.body)).toBe('')
  })
})
