import { clockodoFetch, createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'
import { createManualClock } from '@sluice/core/testing'
import { describe, expect, it } from 'vitest'
import {
  CLOCKODO_ENHANCED_LIST_LIMIT,
  CLOCKODO_RATE_LIMITS,
  clockodoSource,
  type EnhancedListMode,
} from '../src/index.ts'
import { resourceOf, runResource } from './helpers.ts'

// Clockodo's limits / 50 (18/min, 45/15 min, 90/h; 6 enhanced pages per 15 min), on the source and the account
const SCALE = 50
const general = CLOCKODO_RATE_LIMITS.map((w) => ({ ...w, limit: Math.floor(w.limit / SCALE) }))
const enhanced = { ...CLOCKODO_ENHANCED_LIST_LIMIT, limit: CLOCKODO_ENHANCED_LIST_LIMIT.limit / SCALE }
const account = createClockodoAccount({
  seed: 5,
  users: 10,
  years: 1,
  entriesPerWorkday: 20,
  today: '2026-12-31',
})

async function backfill(mode: EnhancedListMode) {
  const start = Date.parse('2027-01-01T00:00:00Z')
  const clock = createManualClock(start)
  const urls: URL[] = []
  const serve = clockodoFetch(account, {
    now: clock.now,
    rateLimits: { perMinute: 18, per15Minutes: 45, perHour: 90, perDay: 400, enhancedPer15Minutes: 6 },
  })
  const source = clockodoSource(
    {
      apiUser: DEFAULT_CREDENTIALS.user,
      apiKey: DEFAULT_CREDENTIALS.apiKey,
      baseUrl: 'http://clockodo.invalid/api',
      startDate: '2026-01-01',
      endDate: '2027-01-01',
      enhancedList: mode,
      now: () => new Date(clock.now()),
      fetch: async (input, init) => {
        urls.push(new URL(String(input instanceof Request ? input.url : input)))
        return serve(input, init)
      },
    },
    { clock, rateLimits: { general, enhanced } },
  )
  const run = await clock.run(runResource(resourceOf(source, 'entries')))
  return { run, urls, minutes: (clock.now() - start) / 60_000 }
}

describe('a backfill beyond the enhanced-list budget (enhanced_list = "auto")', () => {
  it('reads the oldest windows plain, the newest enhanced, every entry once, and says which lack revenue', async () => {
    const auto = await backfill('auto')
    const always = await backfill('always')
    const ids = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.id)).sort((a, b) => a - b)
    expect(ids(auto.run.rows)).toEqual(ids(always.run.rows))
    expect(new Set(ids(auto.run.rows)).size).toBe(auto.run.rows.length)
    const pages = auto.urls.filter(
      (u) => u.pathname.endsWith('/v2/entries') && u.searchParams.get('items_per_page') === '1000',
    )
    const plain = pages.filter((u) => !u.searchParams.has('enhanced_list'))
    const rich = pages.filter((u) => u.searchParams.has('enhanced_list'))
    expect(plain.length).toBeGreaterThan(0)
    expect(rich.length).toBeGreaterThan(0)
    // plain windows lie before the enhanced ones
    const latestPlain = Math.max(...plain.map((u) => Date.parse(u.searchParams.get('time_until')!)))
    const earliestRich = Math.min(...rich.map((u) => Date.parse(u.searchParams.get('time_since')!)))
    expect(latestPlain).toBeLessThanOrEqual(earliestRich)
    // every row has the name columns with the values the enhanced list gives; revenue only on the newest
    const byId = new Map(always.run.rows.map((r) => [r.id, r]))
    let withoutRevenue = 0
    const wrong: unknown[] = []
    for (const row of auto.run.rows) {
      const full = byId.get(row.id)!
      for (const k of [
        'customers_name',
        'projects_name',
        'subprojects_name',
        'users_name',
        'services_name',
      ]) {
        if (row[k] !== full[k]) wrong.push([row.id, k, row[k], full[k]])
      }
      if (row.revenue === undefined) {
        withoutRevenue++
        if (Date.parse(String(row.time_since)) >= earliestRich) wrong.push([row.id, 'revenue missing'])
      } else if (row.revenue !== full.revenue) wrong.push([row.id, 'revenue', row.revenue, full.revenue])
    }
    expect(wrong).toEqual([])
    expect(withoutRevenue).toBeGreaterThan(0)
    expect(auto.run.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[clockodo\\] entries: ${withoutRevenue} entries with time_since before \\d{4}-\\d{2}-\\d{2} were read with plain lists`,
        ),
      ),
    ])
    // and it took the general limits' time, far less than enhanced lists only
    expect(auto.minutes).toBeLessThan(always.minutes / 2)
    // the first page's ETA (from the count request and the limits) is about the time the run then took
    const first = auto.run.events.find((e) => e.type === 'page')
    const eta = first?.type === 'page' ? (first.etaMs ?? 0) : 0
    expect(eta).toBeGreaterThan(auto.minutes * 60_000 * 0.9)
    expect(eta).toBeLessThanOrEqual(auto.minutes * 60_000)
  }, 60_000)
})
