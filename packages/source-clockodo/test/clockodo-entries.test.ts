import { pageRows } from '@sluice/core'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ClockodoConfig, clockodoSource } from '../src/index.ts'
import { type ManualClock, manualClock, resourceOf, runResource } from './helpers.ts'

const BASE = 'http://127.0.0.1:9/api'
const NOW = new Date('2026-11-28T12:00:00Z')
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

interface FakeEntry {
  id: number
  time_since: string
  time_until: string
}

/** One entry every 2 days at 10:00-11:00 from `from`, ids from 1; plus one spanning midnight of 2026-04-03. */
function makeEntries(from: string, days: number): FakeEntry[] {
  const out: FakeEntry[] = []
  const t0 = Date.parse(from)
  for (let d = 0; d < days; d += 2) {
    const s = t0 + d * 86_400_000 + 10 * 3_600_000
    out.push({ id: out.length + 1, time_since: iso(s), time_until: iso(s + 3_600_000) })
  }
  out.push({ id: 100_000, time_since: '2026-04-02T23:00:00Z', time_until: '2026-04-03T01:00:00Z' })
  return out
}
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Entries route that selects entries overlapping [time_since, time_until) (so edge entries come twice). */
function entriesRoute(entries: () => FakeEntry[], log: URL[], pageSize = 1000) {
  return http.get(`${BASE}/v2/entries`, ({ request }) => {
    const url = new URL(request.url)
    log.push(url)
    const since = Date.parse(url.searchParams.get('time_since')!)
    const until = Date.parse(url.searchParams.get('time_until')!)
    const per = Math.min(Number(url.searchParams.get('items_per_page') ?? pageSize), pageSize)
    const page = Number(url.searchParams.get('page') ?? 1)
    const hits = entries().filter((e) => Date.parse(e.time_since) < until && Date.parse(e.time_until) > since)
    const pages = Math.ceil(hits.length / per)
    return HttpResponse.json({
      paging: { items_per_page: per, current_page: page, count_pages: pages, count_items: hits.length },
      entries: hits.slice((page - 1) * per, page * per),
    })
  })
}

const usersRoute = (startDates: (string | null)[]) =>
  http.get(`${BASE}/v3/users`, () =>
    HttpResponse.json({
      paging: { items_per_page: 1000, current_page: 1, count_pages: 1, count_items: startDates.length },
      data: startDates.map((start_date, i) => ({ id: i + 1, name: `u${i}`, start_date })),
    }),
  )

/** The master lists plain entries lists take their name columns from, empty. */
const emptyMasterLists = () =>
  [
    '/v3/customers',
    '/v4/projects',
    '/v3/subprojects',
    '/v4/services',
    '/v4/lumpSumServices',
    '/v3/users',
  ].map((path) =>
    http.get(`${BASE}${path}`, () =>
      HttpResponse.json({
        paging: { items_per_page: 5000, current_page: 1, count_pages: 1, count_items: 0 },
        data: [],
      }),
    ),
  )

let clock: ManualClock = manualClock(NOW.getTime())
afterEach(() => {
  clock = manualClock(NOW.getTime())
})
const entriesOf = (config: Partial<ClockodoConfig> = {}) =>
  resourceOf(
    clockodoSource(
      { apiUser: 'ops@example.com', apiKey: 'secret-key-123', baseUrl: BASE, now: () => NOW, ...config },
      { clock },
    ),
    'entries',
  )

describe('entries', () => {
  it('first run: reads from the earliest user start date to today + 365 d, replaces that range, dedupes edges', async () => {
    const data = makeEntries('2026-01-01T00:00:00Z', 320)
    const log: URL[] = []
    server.use(
      entriesRoute(() => data, log),
      usersRoute(['2026-03-15', '2026-01-01', null]),
    )
    const run = await clock.run(runResource(entriesOf({ windowDays: 92, enhancedList: 'always' })))
    expect(run.rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b))).toEqual(
      data.map((e) => e.id).sort((a, b) => a - b),
    )
    expect(new Set(run.rows.map((r) => r.id)).size).toBe(run.rows.length)
    expect(run.ranges).toEqual([
      { column: 'time_since', from: '2026-01-01T00:00:00Z', to: '2027-11-28T00:00:00Z' },
    ])
    expect(log[0]!.searchParams.get('time_since')).toBe('2026-01-01T00:00:00Z')
    expect(log.at(-1)!.searchParams.get('time_until')).toBe('2027-11-28T00:00:00Z')
    for (const u of log) {
      expect(u.searchParams.get('enhanced_list')).toBe('1')
      expect(u.searchParams.get('items_per_page')).toBe('1000')
      expect(u.searchParams.get('time_since')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    }
    expect(log.length).toBe(
      Math.ceil((Date.parse('2027-11-28') - Date.parse('2026-01-01')) / (92 * 86_400_000)),
    )
    expect(run.state).toEqual({ since: '2026-01-01T00:00:00Z', until: '2027-11-28T00:00:00Z' })
    expect(run.events.filter((e) => e.type === 'page').length).toBe(log.length)
  })

  it('yields an entry that spans several windows once (ids kept per window, not per run)', async () => {
    const data: FakeEntry[] = [
      { id: 1, time_since: '2026-01-01T10:00:00Z', time_until: '2026-01-01T11:00:00Z' },
      { id: 2, time_since: '2026-01-01T20:00:00Z', time_until: '2026-01-04T08:00:00Z' },
      { id: 3, time_since: '2026-01-03T10:00:00Z', time_until: '2026-01-03T11:00:00Z' },
      { id: 4, time_since: '2026-01-05T10:00:00Z', time_until: '2026-01-05T11:00:00Z' },
    ]
    const log: URL[] = []
    server.use(entriesRoute(() => data, log, 1))
    const run = await clock.run(
      runResource(entriesOf({ startDate: '2026-01-01', endDate: '2026-01-06', windowDays: 1 })),
    )
    expect(log.length).toBeGreaterThan(5)
    expect(run.rows.map((r) => r.id)).toEqual([1, 2, 3, 4])
  })

  it('incremental run: re-reads only the lookback and later, and declares that range', async () => {
    const data = makeEntries('2026-01-01T00:00:00Z', 330)
    const log: URL[] = []
    server.use(entriesRoute(() => data, log))
    const state = { since: '2026-01-01T00:00:00Z', until: '2027-11-27T00:00:00Z' }
    const run = await clock.run(runResource(entriesOf({ startDate: '2026-01-01', lookbackDays: 30 }), state))
    expect(run.ranges).toEqual([
      { column: 'time_since', from: '2026-10-29T00:00:00Z', to: '2027-11-28T00:00:00Z' },
    ])
    expect(Math.min(...log.map((u) => Date.parse(u.searchParams.get('time_since')!)))).toBe(
      Date.parse('2026-10-29T00:00:00Z'),
    )
    const expected = data.filter((e) => Date.parse(e.time_until) > Date.parse('2026-10-29T00:00:00Z'))
    expect(run.rows.map((r) => r.id)).toEqual(expected.map((e) => e.id))
    expect(run.state.until).toBe('2027-11-28T00:00:00Z')
  })

  it('falls back to 2000-01-01 without users and can switch the enhanced list off', async () => {
    const log: URL[] = []
    server.use(
      entriesRoute(() => [], log),
      usersRoute([]),
    )
    const run = await clock.run(runResource(entriesOf({ enhancedList: false, windowDays: 366 })))
    expect(run.rows).toEqual([])
    expect(log[0]!.searchParams.get('time_since')).toBe('2000-01-01T00:00:00Z')
    for (const u of log) expect(u.searchParams.has('enhanced_list')).toBe(false)
    expect(run.ranges[0]!.from).toBe('2000-01-01T00:00:00Z')
  })

  it('fetches pages 2..n in parallel and yields them in order', async () => {
    const data = makeEntries('2026-06-01T00:00:00Z', 60).filter((e) => e.id < 100_000)
    let waiting: (() => void)[] = []
    let concurrent = 0
    let maxConcurrent = 0
    server.use(
      http.get(`${BASE}/v2/entries`, async ({ request }) => {
        const url = new URL(request.url)
        const page = Number(url.searchParams.get('page'))
        concurrent++
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        if (page >= 2) {
          // pages 2 and 3 only answer once both are in flight: a serial reader would time out
          await new Promise<void>((resolve) => {
            waiting.push(resolve)
            if (waiting.length >= 2) {
              for (const w of waiting) w()
              waiting = []
            }
          })
        }
        concurrent--
        const slice = data.slice((page - 1) * 10, page * 10)
        return HttpResponse.json({
          paging: { items_per_page: 10, current_page: page, count_pages: 3, count_items: 30 },
          entries: slice,
        })
      }),
    )
    const run = await clock.run(
      runResource(entriesOf({ startDate: '2026-06-01', endDate: '2026-08-01', windowDays: 100 })),
    )
    expect(maxConcurrent).toBeGreaterThanOrEqual(2)
    expect(run.rows.map((r) => r.id)).toEqual(data.slice(0, 30).map((e) => e.id))
  })
  it('fetches at most maxInFlight pages ahead of a reader that stops taking them', async () => {
    const requested: number[] = []
    server.use(
      http.get(`${BASE}/v2/entries`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('page') ?? 1)
        requested.push(page)
        return HttpResponse.json({
          paging: { items_per_page: 1000, current_page: page, count_pages: 40, count_items: 40 },
          entries: [{ id: page, time_since: '2026-06-02T10:00:00Z', time_until: '2026-06-02T11:00:00Z' }],
        })
      }),
    )
    const resource = entriesOf({
      startDate: '2026-06-01',
      endDate: '2026-07-01',
      windowDays: 60,
      maxInFlight: 3,
    })
    const pages = resource
      .read({
        state: {},
        signal: new AbortController().signal,
        emit: () => {},
        replaceRange: () => {},
        warn: () => {},
      })
      [Symbol.asyncIterator]()
    expect(pageRows((await clock.run(pages.next())).value!)).toEqual([expect.objectContaining({ id: 1 })])
    expect(pageRows((await clock.run(pages.next())).value!)).toEqual([expect.objectContaining({ id: 2 })])
    // let every request the source started reach the server, without taking another page
    for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve))
    // page 1, then pages 2-4 (maxInFlight ahead); the next starts only when the reader asks for page 3. Parsed
    // pages waiting for a busy reader stay few: less memory, less garbage promoted to V8's old generation.
    expect(Math.max(...requested)).toBe(1 + 3)
    await pages.return?.(undefined)
  })
})

describe('rate limits', () => {
  const manyPages = (pages: number) =>
    http.get(`${BASE}/v2/entries`, ({ request }) => {
      const page = Number(new URL(request.url).searchParams.get('page'))
      return HttpResponse.json({
        paging: { items_per_page: 1000, current_page: page, count_pages: pages, count_items: pages },
        entries: [{ id: page, time_since: '2026-06-02T10:00:00Z', time_until: '2026-06-02T11:00:00Z' }],
      })
    })

  it('keeps enhanced entry lists under 300 per 15 minutes', async () => {
    server.use(manyPages(305))
    const run = await clock.run(
      runResource(entriesOf({ startDate: '2026-06-01', endDate: '2026-07-01', windowDays: 60 })),
    )
    expect(run.rows).toHaveLength(305)
    const waits = run.events.filter((e) => e.type === 'rate-limit-wait')
    expect(waits.length).toBeGreaterThan(0)
    expect(waits.every((e) => e.type === 'rate-limit-wait' && e.window.includes('enhanced'))).toBe(true)
    expect(Math.max(...clock.sleeps)).toBeGreaterThan(60_000)
  })

  it('does not apply the enhanced-list limit without enhanced lists', async () => {
    server.use(manyPages(305), ...emptyMasterLists())
    const run = await clock.run(
      runResource(
        entriesOf({ startDate: '2026-06-01', endDate: '2026-07-01', windowDays: 60, enhancedList: 'never' }),
      ),
    )
    expect(run.rows).toHaveLength(305)
    expect(run.events.filter((e) => e.type === 'rate-limit-wait')).toEqual([])
  })
})
