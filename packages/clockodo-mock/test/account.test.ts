import { describe, expect, it } from 'vitest'
import { createClockodoAccount, type EntryRow } from '../src/index.ts'
import { get, getAllPages, mswServer, smallAccount, TODAY } from './mock-fixture.ts'

const WINDOW = ['2024-01-01T00:00:00Z', '2027-01-01T00:00:00Z'] as const

describe('generated data', () => {
  it('is deterministic by seed and differs between seeds', () => {
    const a = smallAccount(3)
    const b = smallAccount(3)
    const c = smallAccount(4)
    const sample = (acc: typeof a) => [...acc.entriesBetween('2025-03-03T00:00:00Z', '2025-03-05T00:00:00Z')]
    expect(sample(a)).toEqual(sample(b))
    expect(JSON.stringify(sample(a))).not.toBe(JSON.stringify(sample(c)))
    expect(a.expectedCounts()).toEqual(b.expectedCounts())
  })

  it('has every entry type, billable 0/1/2, texts and nulls, and exactly one running clock', () => {
    const acc = smallAccount()
    const all = [...acc.entriesBetween(...WINDOW)]
    expect(all.length).toBe(acc.expectedCounts().entries)
    expect(new Set(all.map((e) => e.type))).toEqual(new Set([1, 2, 3]))
    expect(new Set(all.map((e) => e.billable))).toEqual(new Set([0, 1, 2]))
    expect(all.some((e) => e.text === null && e.texts_id === null)).toBe(true)
    expect(all.some((e) => typeof e.text === 'string' && /[äöüÄÖÜß]/.test(e.text))).toBe(true)
    expect(all.some((e) => e.projects_id === null)).toBe(true)
    expect(all.some((e) => e.subprojects_id !== null)).toBe(true)
    const running = all.filter((e) => e.time_until === null)
    expect(running).toHaveLength(1)
    expect(running[0]).toMatchObject({ type: 1, duration: null, clocked: true })
    for (const e of all) {
      if (e.type === 1 && e.time_until !== null)
        expect(Date.parse(e.time_until) - Date.parse(e.time_since)).toBe(e.duration! * 1000)
      expect(e.time_since).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    }
  })

  it('entry ids are unique and entriesBetween of adjacent windows partitions the account', () => {
    const acc = smallAccount()
    const a = [...acc.entriesBetween('2024-01-01T00:00:00Z', '2025-05-07T12:34:56Z')]
    const b = [...acc.entriesBetween('2025-05-07T12:34:56Z', '2027-01-01T00:00:00Z')]
    const ids = new Set([...a, ...b].map((e) => e.id))
    expect(ids.size).toBe(acc.expectedCounts().entries)
  })

  it('window queries agree with a brute-force filter of the whole account (edge rule since <= time_since < until)', () => {
    const acc = smallAccount(9)
    const all = [...acc.entriesBetween(...WINDOW)]
    const windows: [string, string][] = [
      ['2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z'],
      ['2025-01-06T09:00:00Z', '2025-01-06T12:00:00Z'],
      ['2025-01-03T12:00:00Z', '2025-01-08T08:15:00Z'],
      ['2025-01-04T00:00:00Z', '2025-01-06T00:00:00Z'],
      [all[5]!.time_since, all[200]!.time_since],
      ['2026-03-12T00:00:00Z', '2026-03-13T00:00:00Z'],
      ['2026-03-12T00:00:00+01:00', '2026-03-12T10:00:00.500Z'],
    ]
    for (const [since, until] of windows) {
      const s = Date.parse(since)
      const u = Date.parse(until)
      const expected = all
        .filter((e) => Date.parse(e.time_since) >= s && Date.parse(e.time_since) < u)
        .map((e) => e.id)
        .sort((a, b) => a - b)
      const got = [...acc.entriesBetween(since, until)].map((e) => e.id).sort((a, b) => a - b)
      expect(got).toEqual(expected)
    }
  })

  it('memory does not depend on size: a 10-million-entry account is created and paged instantly', () => {
    const big = createClockodoAccount({ users: 1000, years: 8, entriesPerWorkday: 6, today: TODAY })
    expect(big.expectedCounts().entries).toBeGreaterThan(10_000_000)
    const it = big.entriesBetween('2026-03-02T00:00:00Z', '2026-03-02T09:00:00Z')[Symbol.iterator]()
    expect(it.next().value).toMatchObject({ users_id: expect.any(Number) })
  })
})

describe('expectedCounts equals what the endpoints return', () => {
  const account = createClockodoAccount({ seed: 5, users: 4, years: 3, entriesPerWorkday: 3, today: TODAY })
  mswServer(account)

  it('for every table', async () => {
    const counts = account.expectedCounts()
    const seen: Record<string, number> = {}
    const paged = async (
      path: string,
      key: string,
      table: string,
      query: Record<string, string | number> = {},
    ) => {
      seen[table] = (seen[table] ?? 0) + (await getAllPages(path, key, query, 1000)).items.length
    }
    const flat = async (
      path: string,
      key: string,
      table: string,
      query: Record<string, string | number> = {},
    ) => {
      const { body } = await get(path, query)
      seen[table] = (seen[table] ?? 0) + (body as Record<string, unknown[]>)[key]!.length
    }
    await paged('/v2/entries', 'entries', 'entries', { time_since: WINDOW[0], time_until: WINDOW[1] })
    await paged('/v3/customers', 'data', 'customers')
    await paged('/v4/projects', 'data', 'projects')
    await paged('/v3/subprojects', 'data', 'subprojects')
    await paged('/v4/services', 'data', 'services')
    await paged('/v4/lumpSumServices', 'data', 'lumpsum_services')
    await paged('/v3/users', 'data', 'users')
    await paged('/v3/teams', 'data', 'teams')
    await paged('/v3/usersNonbusinessGroups', 'data', 'users_nonbusiness_groups')
    await paged('/v2/workTimes/changeRequests', 'change_requests', 'work_time_change_requests')
    await getAllPages('/v4/projects/reports', 'data', {}, 250).then(
      (r) => (seen.project_reports = r.items.length),
    )
    await flat('/v2/holidaysQuota', 'data', 'holidays_quota')
    await flat('/v3/holidaysCarry', 'data', 'holidays_carry')
    await flat('/v3/overtimeCarry', 'data', 'overtime_carry')
    await flat('/v3/overtimeReductions', 'data', 'overtime_reductions')
    await flat('/v2/nonbusinessGroups', 'data', 'nonbusiness_groups')
    await flat('/targethours', 'targethours', 'target_hours')
    await flat('/v2/accessGroups', 'data', 'access_groups')
    await flat('/v2/surchargeModels', 'data', 'surcharge_models')
    for (const year of [2024, 2025, 2026]) {
      await flat('/v4/absences', 'data', 'absences', { 'filter[year]': year })
      await flat('/v2/nonbusinessDays', 'data', 'nonbusiness_days', { year })
      seen.users_nonbusiness_days =
        (seen.users_nonbusiness_days ?? 0) +
        (await getAllPages('/v2/usersNonbusinessDays', 'data', { year }, 100)).items.length
      await flat('/userreports', 'userreports', 'user_reports', { year })
    }
    const { body: users } = await get('/v3/users')
    for (const u of (users as { data: { id: number }[] }).data) {
      await flat('/v2/workTimes', 'work_time_days', 'work_times', {
        users_id: u.id,
        date_since: '2023-01-01',
        date_until: '2026-12-31',
      })
    }
    expect(seen).toEqual(counts)
    expect(Object.keys(counts).sort()).toEqual(
      [
        'entries',
        'customers',
        'projects',
        'subprojects',
        'services',
        'lumpsum_services',
        'users',
        'teams',
        'absences',
        'holidays_quota',
        'holidays_carry',
        'overtime_carry',
        'overtime_reductions',
        'nonbusiness_groups',
        'nonbusiness_days',
        'users_nonbusiness_days',
        'users_nonbusiness_groups',
        'target_hours',
        'user_reports',
        'work_times',
        'work_time_change_requests',
        'access_groups',
        'project_reports',
        'surcharge_models',
      ].sort(),
    )
    for (const v of Object.values(counts)) expect(v).toBeGreaterThan(0)
  })

  it('has German names with umlauts, teams, both roles and several timezones', async () => {
    const many = createClockodoAccount({ users: 40, years: 1, today: TODAY })
    const { body } = await get('/v3/users', { items_per_page: 1000 })
    const users = (body as { data: Record<string, unknown>[] }).data
    expect(users.some((u) => /[äöüß]/i.test(u.name as string))).toBe(true)
    expect(users.every((u) => u.teams_id === null || typeof u.teams_id === 'number')).toBe(true)
    expect(many.expectedCounts().users).toBe(40)
    expect(new Set(users.map((u) => u.role))).toContain('owner')
    expect(new Set(users.map((u) => u.role))).toContain('worker')
    expect(new Set(users.map((u) => u.timezone)).size).toBeGreaterThan(1)
  })

  it('work times start on 2023-08-21 and their intervals follow the time entries', async () => {
    const old = createClockodoAccount({ users: 2, years: 4, today: '2024-01-10' })
    const list = [...old.entriesBetween('2023-08-18T00:00:00Z', '2023-08-19T00:00:00Z')]
    expect(list.length).toBeGreaterThan(0) // entries exist before the work-time start
    const { body } = await get('/v2/workTimes', {
      users_id: 101,
      date_since: '2026-03-09',
      date_until: '2026-03-09',
    })
    const day = (
      body as { work_time_days: { intervals: { time_since: string; time_until: string | null }[] }[] }
    ).work_time_days[0]!
    const entries = [...account.entriesBetween('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z')].filter(
      (e) => e.users_id === 101 && e.type === 1,
    )
    expect(day.intervals).toEqual(
      entries.map((e) => ({ time_since: e.time_since, time_until: e.time_until })),
    )
  })
})

describe('mutations are visible to the next request', () => {
  const account = smallAccount(11)
  mswServer(account)
  const window = { time_since: '2026-02-09T00:00:00Z', time_until: '2026-02-10T00:00:00Z' }
  const ids = async () =>
    (await getAllPages('/v2/entries', 'entries', window, 5)).items as unknown as EntryRow[]

  it('entries: edit, add, delete (and moving out of the window)', async () => {
    const before = await ids()
    const count = account.expectedCounts().entries
    const [first, second, third] = before
    account.editEntry(first!.id, { text: 'Geändert', time_last_change: '2026-03-12T10:00:00Z' })
    account.deleteEntry(second!.id)
    account.editEntry(third!.id, { time_since: '2026-02-11T08:00:00Z' })
    const added = account.addEntry({
      time_since: '2026-02-09T18:00:00Z',
      time_until: '2026-02-09T19:00:00Z',
      users_id: 102,
    })
    const after = await ids()
    expect(after.length).toBe(before.length - 2 + 1)
    expect(after.find((e) => e.id === first!.id)?.text).toBe('Geändert')
    expect(after.some((e) => e.id === second!.id || e.id === third!.id)).toBe(false)
    expect(after.some((e) => e.id === added.id)).toBe(true)
    expect(new Set(after.map((e) => e.id)).size).toBe(after.length)
    expect(account.expectedCounts().entries).toBe(count)
    const moved = await get('/v2/entries', {
      time_since: '2026-02-11T00:00:00Z',
      time_until: '2026-02-12T00:00:00Z',
    })
    expect((moved.body as { entries: { id: number }[] }).entries.map((e) => e.id)).toContain(third!.id)
  })

  it('master data: add, edit, remove', async () => {
    const before = account.expectedCounts().customers!
    const row = account.add('customers', {
      name: 'Neukunde Äpfel GmbH',
      number: null,
      color: 3,
      active: true,
      billable_default: true,
      test_data: false,
    })
    account.edit('customers', 1001, { name: 'Umbenannt GmbH' })
    account.remove('projects', 2001)
    const { body } = await get('/v3/customers', { items_per_page: 5000 })
    const data = (body as { data: { id: number; name: string }[] }).data
    expect(data.length).toBe(before + 1)
    expect(data.find((c) => c.id === row.id)?.name).toBe('Neukunde Äpfel GmbH')
    expect(data.find((c) => c.id === 1001)?.name).toBe('Umbenannt GmbH')
    const projects = await get('/v4/projects', { items_per_page: 5000 })
    expect((projects.body as { data: { id: number }[] }).data.some((p) => p.id === 2001)).toBe(false)
    const counts = account.expectedCounts()
    account.remove('users', 106)
    const after = account.expectedCounts()
    expect(after.users).toBe(counts.users! - 1)
    expect(after.user_reports).toBe(counts.user_reports! - 3)
    expect(after.work_times).toBe((counts.work_times! / 6) * 5)
    expect(after.entries).toBe(counts.entries)
    const reports = (await get('/userreports', { year: 2025 })).body as {
      userreports: { users_id: number }[]
    }
    expect(reports.userreports.map((r) => r.users_id)).toEqual([101, 102, 103, 104, 105])
    const wt = (
      await get('/v2/workTimes', { users_id: 106, date_since: '2026-01-01', date_until: '2026-01-31' })
    ).body as { work_time_days: unknown[] }
    expect(wt.work_time_days).toEqual([])
    expect(() => account.edit('customers', 999_999, {})).toThrow()
    expect(() => account.add('user_reports', {})).toThrow()
  })
})
