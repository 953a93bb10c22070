import { type ClockodoAccount, createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'
import { clockodoHandlers } from '@sluice/clockodo-mock/msw'
import type { ReplaceRange, ResourceState } from '@sluice/core'
import { createNormalizer } from '@sluice/core/testing'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CLOCKODO_ENDPOINTS, CLOCKODO_RESOURCES, type ClockodoConfig, clockodoSource } from '../src/index.ts'
import { type ManualClock, manualClock, type ResourceRun, resourceOf, runResource } from './helpers.ts'

const BASE = 'http://127.0.0.1:9/api'
const TODAY = '2026-11-20'
const NOW = new Date(`${TODAY}T18:00:00Z`)
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

let clock: ManualClock = manualClock(NOW.getTime())
afterEach(() => {
  clock = manualClock(NOW.getTime())
})

const sourceFor = (config: Partial<ClockodoConfig> = {}) =>
  clockodoSource(
    {
      apiUser: DEFAULT_CREDENTIALS.user,
      apiKey: DEFAULT_CREDENTIALS.apiKey,
      baseUrl: BASE,
      now: () => NOW,
      ...config,
    },
    { clock },
  )

const run = (config: Partial<ClockodoConfig>, name: string, state?: ResourceState): Promise<ResourceRun> =>
  clock.run(runResource(resourceOf(sourceFor(config), name), state))

const keyOf = (row: Record<string, unknown>, pk: string | readonly string[]): string =>
  (typeof pk === 'string' ? [pk] : pk).map((k) => String(row[k])).join('|')

describe('against the simulated account', () => {
  let account: ClockodoAccount
  const requests: { url: URL; headers: Headers }[] = []

  beforeAll(() => {
    account = createClockodoAccount({ seed: 11, users: 5, years: 2, entriesPerWorkday: 3, today: TODAY })
  })
  const listen = (options?: Parameters<typeof clockodoHandlers>[1]) =>
    server.use(
      http.all('*', ({ request }) => {
        requests.push({ url: new URL(request.url), headers: request.headers })
      }),
      ...clockodoHandlers(account, options),
    )

  it('loads every table with exactly the generated row counts, unique keys, on every request the headers', async () => {
    listen()
    requests.length = 0
    const expected = account.expectedCounts()
    expect(Object.keys(expected).sort()).toEqual([...CLOCKODO_RESOURCES].sort())
    const source = sourceFor()
    expect(source.name).toBe('clockodo')
    expect(source.resources.map((r) => r.name)).toEqual(CLOCKODO_RESOURCES)
    for (const endpoint of CLOCKODO_ENDPOINTS) {
      const result = await clock.run(runResource(resourceOf(source, endpoint.name)))
      expect({ table: endpoint.name, rows: result.rows.length }).toEqual({
        table: endpoint.name,
        rows: expected[endpoint.name],
      })
      const keys = new Set(result.rows.map((r) => keyOf(r, endpoint.primaryKey)))
      expect({ table: endpoint.name, unique: keys.size }).toEqual({
        table: endpoint.name,
        unique: result.rows.length,
      })
      for (const k of typeof endpoint.primaryKey === 'string' ? [endpoint.primaryKey] : endpoint.primaryKey) {
        expect(result.rows.every((r) => r[k] !== undefined && r[k] !== null)).toBe(true)
      }
    }
    expect(requests.length).toBeGreaterThan(CLOCKODO_RESOURCES.length)
    const yearsOf = (path: string, param: string) =>
      requests.filter((r) => r.url.pathname.endsWith(path)).map((r) => r.url.searchParams.get(param))
    expect(yearsOf('/v4/absences', 'filter[year]')).toEqual(
      expect.arrayContaining([null, '2025', '2026', '2027']),
    )
    expect(yearsOf('/v2/holidaysQuota', 'year')).toEqual(
      expect.arrayContaining([null, '2025', '2026', '2027']),
    )
    expect(yearsOf('/userreports', 'year')).toEqual(['2025', '2026'])
    expect(yearsOf('/v2/nonbusinessDays', 'year')).toEqual(['2025', '2026'])
    for (const { url, headers } of requests) {
      expect(url.host).toBe('127.0.0.1:9')
      expect(headers.get('x-clockodoapiuser')).toBe(DEFAULT_CREDENTIALS.user)
      expect(headers.get('x-clockodoapikey')).toBe(DEFAULT_CREDENTIALS.apiKey)
      expect(headers.get('x-clockodo-external-application')).toBe(`sluice;${DEFAULT_CREDENTIALS.user}`)
      expect(headers.get('x-clockodoenableisoutcdatetimes')).toBe('1')
      expect(headers.get('accept-language')).toBe('en')
    }
  })

  it('stamps the year on year-swept rows and reads enhanced entries', async () => {
    listen()
    const reports = await run({}, 'user_reports')
    expect(reports.rows.every((r) => typeof r.year === 'number')).toBe(true)
    expect(new Set(reports.rows.map((r) => r.year))).toEqual(new Set([2025, 2026]))
    const days = await run({}, 'nonbusiness_days')
    expect(new Set(days.rows.map((r) => r.year))).toEqual(new Set([2025, 2026]))
    const entries = await run({ startDate: '2026-11-01' }, 'entries')
    expect(entries.rows.length).toBeGreaterThan(0)
    expect(entries.rows.every((r) => typeof r.users_name === 'string')).toBe(true)
    const plain = await run({ startDate: '2026-11-01', enhancedList: 'never' }, 'entries')
    expect(plain.rows.length).toBe(entries.rows.length)
    // plain lists: the same columns and values, the names filled from the master data; revenue and hourly_rate
    // only come with enhanced lists, and a warning says so
    const withoutRevenue = (r: Record<string, unknown>) => {
      const { revenue: _r, hourly_rate: _h, ...rest } = r
      return rest
    }
    const byId = (rows: Record<string, unknown>[]) =>
      [...rows].sort((a, b) => Number(a.id) - Number(b.id)).map(withoutRevenue)
    expect(byId(plain.rows)).toEqual(byId(entries.rows))
    expect(entries.rows.some((r) => typeof r.revenue === 'number')).toBe(true)
    expect(plain.rows.some((r) => 'revenue' in r || 'hourly_rate' in r)).toBe(false)
    expect(plain.warnings).toEqual([expect.stringContaining('revenue and hourly_rate are empty')])
    expect(entries.warnings).toEqual([])
  })

  it('incremental: false re-reads the whole history of entries and work times and replaces the tables', async () => {
    listen()
    const src = sourceFor({ incremental: false })
    expect(resourceOf(src, 'entries').writeDisposition).toBe('replace')
    expect(resourceOf(src, 'work_times').writeDisposition).toBe('replace')
    expect(resourceOf(sourceFor({}), 'entries').writeDisposition).toMatchObject({ disposition: 'merge' })
    const first = await run({ incremental: false }, 'entries')
    expect(first.ranges).toEqual([])
    expect(first.rows.length).toBe(account.expectedCounts().entries)
    const second = await run({ incremental: false }, 'entries', first.state)
    expect(second.rows.length).toBe(account.expectedCounts().entries)
    const times = await run({ incremental: false }, 'work_times')
    expect(times.ranges).toEqual([])
    expect(times.rows.length).toBe(account.expectedCounts().work_times)
  })

  it('incremental entries: edits, additions and deletions within the lookback arrive; a destination mirror matches', async () => {
    const acc = createClockodoAccount({ seed: 5, users: 3, years: 1, entriesPerWorkday: 2, today: TODAY })
    server.use(...clockodoHandlers(acc))
    // a tiny merge destination: replaceRange deletes rows in range, then rows are upserted by id
    const dest = new Map<number, Record<string, unknown>>()
    const apply = (r: ResourceRun) => {
      for (const range of r.ranges as ReplaceRange[]) {
        for (const [id, row] of dest) {
          const t = row[range.column] as string
          if (t >= String(range.from) && t < String(range.to)) dest.delete(id)
        }
      }
      for (const row of r.rows) dest.set(row.id as number, row)
    }
    const first = await run({ lookbackDays: 30 }, 'entries')
    apply(first)
    expect(dest.size).toBe(acc.expectedCounts().entries)
    const state = first.state

    // inside the lookback: edit one, delete one, add one
    const recent = [...acc.entriesBetween('2026-11-02T00:00:00Z', '2026-11-10T00:00:00Z')]
    expect(recent.length).toBeGreaterThan(3)
    acc.editEntry(recent[0]!.id, { text: 'edited by test' })
    acc.deleteEntry(recent[1]!.id)
    const added = acc.addEntry({ time_since: '2026-11-05T08:00:00Z', time_until: '2026-11-05T09:00:00Z' })

    const second = await run({ lookbackDays: 30 }, 'entries', state)
    expect(second.ranges).toEqual([
      { column: 'time_since', from: '2026-10-21T00:00:00Z', to: '2027-11-20T00:00:00Z' },
    ])
    expect(second.rows.length).toBeLessThan(first.rows.length)
    apply(second)
    expect(dest.size).toBe(acc.expectedCounts().entries)
    expect(dest.get(recent[0]!.id)?.text).toBe('edited by test')
    expect(dest.has(recent[1]!.id)).toBe(false)
    expect(dest.has(added.id)).toBe(true)
    const truth = new Set(
      [...acc.entriesBetween('2000-01-01T00:00:00Z', '2030-01-01T00:00:00Z')].map((e) => e.id),
    )
    expect(new Set(dest.keys())).toEqual(truth)

    // a third run with no changes yields the same table
    const third = await run({ lookbackDays: 30 }, 'entries', second.state)
    const before = JSON.stringify([...dest.entries()].sort((a, b) => a[0] - b[0]))
    apply(third)
    expect(JSON.stringify([...dest.entries()].sort((a, b) => a[0] - b[0]))).toBe(before)
  })

  it('incremental work times: only the lookback per known user, full history for new users', async () => {
    const acc = createClockodoAccount({ seed: 3, users: 3, years: 2, entriesPerWorkday: 2, today: TODAY })
    const urls: URL[] = []
    server.use(
      http.get('*/v2/workTimes', ({ request }) => {
        urls.push(new URL(request.url))
      }),
      ...clockodoHandlers(acc),
    )
    const first = await run({}, 'work_times')
    expect(first.rows.length).toBe(acc.expectedCounts().work_times)
    expect(first.ranges).toEqual([{ column: 'date', from: '2023-08-21', to: '2026-11-21' }])
    const firstCalls = urls.length
    urls.length = 0
    const second = await run({ lookbackDays: 10 }, 'work_times', first.state)
    expect(second.ranges).toEqual([{ column: 'date', from: '2026-11-10', to: '2026-11-21' }])
    expect(urls.length).toBe(3)
    expect(urls.every((u) => u.searchParams.get('date_since') === '2026-11-10')).toBe(true)
    expect(urls.every((u) => u.searchParams.get('date_until') === '2026-11-20')).toBe(true)
    expect(second.rows.every((r) => String(r.date) >= '2026-11-10')).toBe(true)
    expect(firstCalls).toBeGreaterThan(3)
    // a user the state does not know yet gets the whole history
    urls.length = 0
    await run({ lookbackDays: 10 }, 'work_times', {
      ...first.state,
      users: (first.state.users as number[]).slice(1),
    })
    expect(urls.length).toBe(2 + firstCalls / 3)
  })

  it('survives 429 bursts from the server (Retry-After honoured)', async () => {
    listen({ faults: { burst429: { every: 4, count: 2, retryAfterSeconds: 3 } } })
    const expected = account.expectedCounts()
    const result = await run({}, 'users_nonbusiness_days')
    expect(result.rows.length).toBe(expected.users_nonbusiness_days)
    expect(result.events.filter((e) => e.type === 'retry').length).toBeGreaterThan(0)
    expect(clock.sleeps).toContain(3000)
  })

  it('survives 500s, connection resets and cut-off bodies with exact counts', async () => {
    listen({ faults: { errorRate: 0.1, resetRate: 0.05, truncateRate: 0.05, seed: 3 } })
    const expected = account.expectedCounts()
    const source = clockodoSource(
      {
        apiUser: DEFAULT_CREDENTIALS.user,
        apiKey: DEFAULT_CREDENTIALS.apiKey,
        baseUrl: BASE,
        now: () => NOW,
      },
      { clock, retry: { maxAttempts: 10 } },
    )
    let retries = 0
    for (const name of ['entries', 'users_nonbusiness_days', 'work_times', 'customers']) {
      const result = await clock.run(runResource(resourceOf(source, name)))
      expect({ name, rows: result.rows.length }).toEqual({ name, rows: expected[name] })
      retries += result.events.filter((e) => e.type === 'retry').length
    }
    expect(retries).toBeGreaterThan(0)
  })

  it('answers a wrong key with AUTH_FAILED and never leaks the key', async () => {
    listen()
    const events: unknown[] = []
    const err = await run({ apiKey: 'wrong-key-abcdef', emit: (e) => events.push(e) }, 'customers').catch(
      (e) => e,
    )
    expect((err as Error).message).toMatch(/credentials were rejected/)
    expect(`${(err as Error).message}${JSON.stringify(events)}`).not.toContain('wrong-key-abcdef')
  })

  it('types the fractional fields double from the first row: no bigint column, no __v_double variant', async () => {
    listen()
    const source = sourceFor({ enhancedList: 'always' })
    const hinted = CLOCKODO_ENDPOINTS.filter((e) => (e.doubles ?? []).length > 0).map((e) => e.name)
    expect(hinted).toEqual(
      expect.arrayContaining(['entries', 'projects', 'lumpsum_services', 'user_reports']),
    )
    for (const endpoint of CLOCKODO_ENDPOINTS) {
      const resource = resourceOf(source, endpoint.name)
      const { rows } = await clock.run(runResource(resource))
      const normalizer = createNormalizer(undefined, { schemaName: 'clockodo', initialTables: [] })
      normalizer.registerResource({
        resource: resource.name,
        writeDisposition: 'append',
        columns: resource.columns,
      })
      normalizer.normalizePage(resource.name, rows, 'load1')
      const columns = normalizer.schema.tables[endpoint.name]?.columns ?? []
      const table = endpoint.name
      const variants = columns.filter((c) => c.name.endsWith('__v_double')).map((c) => c.name)
      expect({ table, variants }).toEqual({ table, variants: [] })
      for (const field of endpoint.doubles ?? []) {
        const type = columns.find((c) => c.name === field)?.dataType
        expect({ table, field, type }).toEqual({ table, field, type: 'double' })
        // a misspelled field would make an empty column: each one is in the simulated account's rows
        const present = rows.some((r) => at(r, field) !== undefined)
        expect({ table, field, present }).toEqual({ table, field, present: true })
      }
    }
  })
})

/** The value at `a__b` (field `b` of object `a`) of a row. */
function at(row: Record<string, unknown>, path: string): unknown {
  let v: unknown = row
  for (const key of path.split('__'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined
  return v
}

describe('work times range', () => {
  it('honours startDate and endDate in whole days', async () => {
    const acc = createClockodoAccount({ seed: 4, users: 2, years: 1, entriesPerWorkday: 1, today: TODAY })
    const urls: URL[] = []
    server.use(
      http.get('*/v2/workTimes', ({ request }) => {
        urls.push(new URL(request.url))
      }),
      ...clockodoHandlers(acc),
    )
    const result = await run({ startDate: '2026-03-01', endDate: '2026-04-01T12:00:00Z' }, 'work_times')
    expect(result.ranges).toEqual([{ column: 'date', from: '2026-03-01', to: '2026-04-02' }])
    expect(urls).toHaveLength(2)
    for (const u of urls) {
      expect(u.searchParams.get('date_since')).toBe('2026-03-01')
      expect(u.searchParams.get('date_until')).toBe('2026-04-01')
    }
    expect(result.rows.length).toBeGreaterThan(0)
    expect(result.rows.every((r) => String(r.date) >= '2026-03-01' && String(r.date) <= '2026-04-01')).toBe(
      true,
    )
  })
})
