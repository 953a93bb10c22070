// The backfill scenario (`pnpm bench -- --only backfill`): a first load of all entries under Clockodo's rate limits,
// simulated on a fake clock (no real waiting), for today's plan (enhanced lists only), the plan of
// enhanced_list = "auto", and the lower bound the limits allow. See README.md "Backfills under the rate limits".
import {
  clockodoFetch,
  createClockodoAccount,
  DEFAULT_CREDENTIALS,
  CLOCKODO_RATE_LIMITS as MOCK_LIMITS,
  type RateLimits,
} from '@sluice/clockodo-mock'
import type { PipelineEvent, RateLimitWindow, ResourceContext } from '@sluice/core'
import { createManualClock } from '@sluice/core/testing'
import {
  CLOCKODO_ENHANCED_LIST_LIMIT,
  CLOCKODO_RATE_LIMITS,
  clockodoSource,
  type EnhancedListMode,
  rateLimitBoundMs,
} from '@sluice/source-clockodo'
import { type BenchResult, benchResult } from './bench-report.ts'

/** An account to backfill: `users` x `entriesPerWorkday` entries per workday over `years` whole years. */
export interface BackfillAccount {
  users: number
  years: number
  entriesPerWorkday: number
}

/** The accounts of the scenario: about 100k, 1M and 5M entries. */
export const BACKFILL_ACCOUNTS: readonly BackfillAccount[] = [
  { users: 20, years: 1, entriesPerWorkday: 20 },
  { users: 200, years: 1, entriesPerWorkday: 20 },
  { users: 200, years: 4, entriesPerWorkday: 25 },
]

/** The last day of the simulated accounts; the fake clock starts at the next midnight (UTC). */
const TODAY = '2026-12-31'

/** Clockodo's limits divided by `scale` (at least 1 each), for the source and for the simulated account alike. */
export function scaledLimits(scale: number): { general: RateLimitWindow[]; enhanced: RateLimitWindow } {
  const div = (w: RateLimitWindow): RateLimitWindow => ({
    ...w,
    limit: Math.max(1, Math.floor(w.limit / scale)),
    name: scale === 1 ? w.name : `${w.name} / ${scale}`,
  })
  return { general: CLOCKODO_RATE_LIMITS.map(div), enhanced: div(CLOCKODO_ENHANCED_LIST_LIMIT) }
}

function mockLimits(scale: number): RateLimits {
  const d = (n: number): number => Math.max(1, Math.floor(n / scale))
  return {
    perMinute: d(MOCK_LIMITS.perMinute),
    per15Minutes: d(MOCK_LIMITS.per15Minutes),
    perHour: d(MOCK_LIMITS.perHour),
    perDay: d(MOCK_LIMITS.perDay),
    enhancedPer15Minutes: d(MOCK_LIMITS.enhancedPer15Minutes),
  }
}

/** What one simulated backfill took. */
export interface BackfillRun {
  /** Entries loaded. */
  rows: number
  /** Simulated wall time: the fake clock's time from start to the last page (requests take no time). */
  seconds: number
  /** Entries pages read with and without `enhanced_list=1`, and all requests sent (count and master lists too). */
  enhancedPages: number
  plainPages: number
  requests: number
  /** Rate-limit waits the source reported, and 429 answers the simulated account gave (0 when the plan obeys). */
  waits: number
  rejected: number
}

/**
 * Loads all entries of `account` with the Clockodo source against the simulated account in this process, both
 * under Clockodo's limits divided by `scale`, on a fake clock: each rate-limit wait moves the clock instead of
 * sleeping. `mode` is the source's `enhancedList`.
 */
export async function simulateBackfill(
  account: BackfillAccount,
  mode: EnhancedListMode,
  scale = 1,
): Promise<BackfillRun> {
  const start = Date.parse(`${TODAY}T00:00:00Z`) + 86_400_000
  const clock = createManualClock(start)
  const simulated = createClockodoAccount({ seed: 1, today: TODAY, ...account })
  const serve = clockodoFetch(simulated, { now: clock.now, rateLimits: mockLimits(scale) })
  const run: BackfillRun = {
    rows: 0,
    seconds: 0,
    enhancedPages: 0,
    plainPages: 0,
    requests: 0,
    waits: 0,
    rejected: 0,
  }
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    run.requests++
    const res = await serve(input, init)
    if (res.status === 429) run.rejected++
    else if (url.pathname.endsWith('/v2/entries') && url.searchParams.get('items_per_page') === '1000') {
      if (url.searchParams.has('enhanced_list')) run.enhancedPages++
      else run.plainPages++
    }
    return res
  }
  const source = clockodoSource(
    {
      apiUser: DEFAULT_CREDENTIALS.user,
      apiKey: DEFAULT_CREDENTIALS.apiKey,
      baseUrl: 'http://clockodo.invalid/api',
      startDate: `${Number(TODAY.slice(0, 4)) - account.years + 1}-01-01`,
      endDate: new Date(start).toISOString().slice(0, 10),
      resources: ['entries'],
      enhancedList: mode,
      now: () => new Date(clock.now()),
      fetch,
    },
    { clock, rateLimits: scaledLimits(scale) },
  )
  const controller = new AbortController()
  const ctx: ResourceContext = {
    state: {},
    signal: controller.signal,
    emit: (e: PipelineEvent) => {
      if (e.type === 'rate-limit-wait') run.waits++
    },
    replaceRange: () => {},
    warn: () => {},
  }
  const read = async (): Promise<void> => {
    for await (const page of source.resources[0]!.read(ctx))
      run.rows += 'size' in page ? page.size : page.length
  }
  await clock.run(read())
  run.seconds = (clock.now() - start) / 1000
  return run
}

/**
 * The least simulated time the limits allow for `entries` entries: all `ceil(entries / 1000)` pages under the
 * general limits, none of them enhanced (README.md "Backfills under the rate limits").
 */
export function backfillBoundSeconds(entries: number, scale = 1): number {
  return rateLimitBoundMs(Math.ceil(entries / 1000), scaledLimits(scale).general) / 1000
}

/** One line of the scenario's report. */
export interface BackfillFigures {
  entries: number
  /** Simulated seconds of today's plan (enhanced lists only), of enhanced_list = "auto", and the lower bound. */
  alwaysSeconds: number
  autoSeconds: number
  boundSeconds: number
  /** Entries pages the auto plan read with enhanced lists (the newest) and with plain ones. */
  autoEnhancedPages: number
  autoPlainPages: number
  /** 429 answers of the simulated account over both plans (0 when the source keeps to the limits). */
  rejected: number
}

/** Simulates one account with both plans and computes its bound. */
export async function backfillFigures(account: BackfillAccount, scale = 1): Promise<BackfillFigures> {
  const always = await simulateBackfill(account, 'always', scale)
  const auto = await simulateBackfill(account, 'auto', scale)
  if (always.rows !== auto.rows) throw new Error(`the plans loaded ${always.rows} and ${auto.rows} entries`)
  return {
    entries: auto.rows,
    alwaysSeconds: always.seconds,
    autoSeconds: auto.seconds,
    boundSeconds: backfillBoundSeconds(auto.rows, scale),
    autoEnhancedPages: auto.enhancedPages,
    autoPlainPages: auto.plainPages,
    rejected: always.rejected + auto.rejected,
  }
}

const minutes = (s: number): string => `${(s / 60).toFixed(1)} min`

/**
 * The scenario: every account of {@link BACKFILL_ACCOUNTS} (the first two with `--quick`) under Clockodo's real
 * limits, adding one result per plan and account (rows = entries, seconds = simulated seconds) and a verdict on the
 * 10% target.
 */
export async function backfillSection(
  out: { results: BenchResult[]; verdicts: string[] },
  quick: boolean,
  log: (message: string) => void,
): Promise<void> {
  for (const account of quick ? BACKFILL_ACCOUNTS.slice(0, 2) : BACKFILL_ACCOUNTS) {
    const started = performance.now()
    const f = await backfillFigures(account)
    const label = `backfill ${f.entries.toLocaleString('en-US')}`
    const note = (s: string) => `simulated seconds on a fake clock; ${s}`
    const peakRssMb = Math.round(process.memoryUsage().rss / 1048576)
    out.results.push(
      benchResult(
        `${label} enhanced lists only`,
        { rows: f.entries, seconds: f.alwaysSeconds, peakRssMb },
        null,
        note("today's plan"),
      ),
      benchResult(
        `${label} enhanced_list auto`,
        { rows: f.entries, seconds: f.autoSeconds, peakRssMb },
        null,
        note(`${f.autoEnhancedPages} pages enhanced, ${f.autoPlainPages} plain`),
      ),
      benchResult(
        `${label} lower bound`,
        { rows: f.entries, seconds: f.boundSeconds, peakRssMb },
        null,
        note('from the budgets'),
      ),
    )
    const met = f.autoSeconds <= f.boundSeconds * 1.1 && f.rejected === 0
    const verdict = `${met ? 'MET   ' : 'MISSED'} backfill of ${f.entries.toLocaleString('en-US')} entries: auto ${minutes(f.autoSeconds)}, bound ${minutes(f.boundSeconds)}, enhanced lists only ${minutes(f.alwaysSeconds)} (target: auto within 10% of the bound${f.rejected ? `; ${f.rejected} requests answered 429` : ''})`
    out.verdicts.push(verdict)
    log(`${verdict} [simulated in ${((performance.now() - started) / 1000).toFixed(1)} s]`)
  }
}
