import type {
  Clock,
  HttpClient,
  ParsedPage,
  PipelineEvent,
  QueryValue,
  RateLimiter,
  RateLimitWindow,
  Resource,
  ResourceContext,
  Source,
} from '@sluice/core'
import { createHttpClient, createRateLimiter, isHttpError, pageReaderHere, pageRows } from '@sluice/core'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import { CLOCKODO_ENDPOINTS } from './clockodo-catalog.ts'
import type { ClockodoConfig } from './clockodo-config.ts'
import { parseClockodoDate, validateClockodoConfig } from './clockodo-config.ts'
import { mapClockodoError } from './clockodo-errors.ts'
import { IdSet } from './clockodo-id-set.ts'
import {
  collectPages,
  concatPrefetched,
  extractRows,
  fetchPages,
  fetchParsedPages,
  orderedParallel,
  readPaging,
} from './clockodo-pages.ts'
import type { ClockodoUser } from './clockodo-rows.ts'
import type { TimeWindow, WindowState } from './clockodo-windows.ts'
import { addDays, isoDate, isoUtc, planWindows, startOfUtcDay } from './clockodo-windows.ts'

/** Clockodo's per-user limits for all requests together. */
export const CLOCKODO_RATE_LIMITS: readonly RateLimitWindow[] = [
  { limit: 900, intervalMs: 60_000, name: '900/min' },
  { limit: 2250, intervalMs: 15 * 60_000, name: '2250/15min' },
  { limit: 4500, intervalMs: 60 * 60_000, name: '4500/h' },
  { limit: 20_000, intervalMs: 24 * 60 * 60_000, name: '20000/day' },
]

/** Clockodo's extra limit for `GET /v2/entries` with `enhanced_list=1`, on top of {@link CLOCKODO_RATE_LIMITS}. */
export const CLOCKODO_ENHANCED_LIST_LIMIT: RateLimitWindow = {
  limit: 300,
  intervalMs: 15 * 60_000,
  name: '300/15min enhanced entries',
}

/** Work-time data exists from this day on. */
export const WORK_TIMES_EPOCH = '2023-08-21'
const DEFAULT_HISTORY_START = '2000-01-01'
const MIN_YEAR = 2000
const MAX_YEAR = 2037

/** Extra options for tests and embedding (not part of the user-facing configuration). */
export interface ClockodoSourceInternals {
  /** Clock for retries and rate limits; default the system clock. */
  clock?: Clock
  /** Retry options of the HTTP client. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; maxTotalWaitMs?: number }
}

/** A limiter that takes a slot from `first`, then from `second` (both apply), and releases both. */
function chainLimiters(first: RateLimiter, second: RateLimiter): RateLimiter {
  return {
    async acquire(signal, options) {
      await first.acquire(signal, options)
      try {
        await second.acquire(signal, options)
      } catch (error) {
        first.release()
        throw error
      }
    },
    release() {
      second.release()
      first.release()
    },
    slowDown(retryAfterMs) {
      first.slowDown(retryAfterMs)
      second.slowDown(retryAfterMs)
    },
    get inFlight() {
      return second.inFlight
    },
  }
}

function clampYear(y: number): number {
  return Math.min(MAX_YEAR, Math.max(MIN_YEAR, y))
}

function yearParams(param: 'year' | 'filter[year]', year: number): Record<string, QueryValue> {
  return param === 'year' ? { year } : { filter: { year } }
}

/**
 * The Clockodo source: one resource per current list endpoint (see {@link CLOCKODO_RESOURCES}), all sharing
 * one rate limiter (Clockodo's per-user limits) and, for enhanced entry lists, a second one.
 * Entries and work times load incrementally (re-read lookback windows, `replaceRange`, merge on the key);
 * everything else is replaced each run (an exact mirror). A 403 on a resource throws `RESOURCE_SKIPPED`
 * (or `RESOURCE_FORBIDDEN` with `strict`). The API key never appears in errors or events.
 */
export function clockodoSource(input: ClockodoConfig, internals: ClockodoSourceInternals = {}): Source {
  const config = validateClockodoConfig(input)
  const baseUrl = config.baseUrl!
  const maxInFlight = config.maxInFlight ?? 6
  // Pages fetched ahead of the reader: as many as may be in flight. Twice that kept more parsed pages waiting for
  // a busy reader (normalizing), which only made garbage: e2e 1M entries into DuckDB took 10.6-11.0 s with
  // maxInFlight pages ahead and 11.1-12.3 s with twice as many; the 50 ms latency case was the same.
  const lookahead = maxInFlight
  const now = (): Date => (config.now ? config.now() : new Date())
  const clock = internals.clock
  const incremental = config.incremental !== false
  const general = createRateLimiter({
    windows: [...CLOCKODO_RATE_LIMITS],
    maxInFlight,
    ...(clock ? { clock } : {}),
  })
  const enhanced = chainLimiters(
    createRateLimiter({ windows: [CLOCKODO_ENHANCED_LIST_LIMIT], maxInFlight, ...(clock ? { clock } : {}) }),
    general,
  )

  const clientFor = (ctx: ResourceContext, limiter: RateLimiter): HttpClient =>
    createHttpClient({
      baseUrl,
      headers: {
        'X-ClockodoApiUser': config.apiUser,
        'X-Clockodo-External-Application': config.externalApplication!,
        'X-ClockodoEnableIsoUtcDateTimes': '1',
        'Accept-Language': 'en',
        Accept: 'application/json',
      },
      auth: { type: 'api_keys', headers: { 'X-ClockodoApiKey': config.apiKey } },
      secrets: [config.apiKey],
      rateLimit: limiter,
      emit: (e: PipelineEvent) => {
        ctx.emit(e)
        config.emit?.(e)
      },
      ...(config.fetch ? { fetch: config.fetch } : {}),
      ...(clock ? { clock } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(internals.retry || config.maxAttempts !== undefined
        ? {
            retry: {
              ...(config.maxAttempts !== undefined ? { maxAttempts: config.maxAttempts } : {}),
              ...internals.retry,
            },
          }
        : {}),
    })

  /** One users list per run (keyed by the run's signal), shared by the resources that need it. */
  const usersByRun = new WeakMap<AbortSignal, Promise<ClockodoUser[]>>()

  /** All users (for start dates and per-user sweeps); undefined when the key may not list users (403). */
  const listUsers = async (
    client: HttpClient,
    ctx: ResourceContext,
    resource: string,
    required: boolean,
  ): Promise<ClockodoUser[] | undefined> => {
    let users = usersByRun.get(ctx.signal)
    if (!users) {
      users = collectPages(
        fetchPages(
          client,
          { resource, path: '/v3/users', params: {}, pageSize: 1000, dataKeys: ['data', 'users'] },
          { signal: ctx.signal, lookahead },
        ),
      ) as Promise<ClockodoUser[]>
      users.catch(() => {})
      usersByRun.set(ctx.signal, users)
    }
    try {
      return await users
    } catch (error) {
      if (!required && isHttpError(error, 403)) return undefined
      throw error
    }
  }

  const pageEvents =
    (ctx: ResourceContext, resource: string) =>
    (page: number, rows: number, totalPages?: number): void =>
      ctx.emit({ type: 'page', resource, page, rows, ...(totalPages ? { totalPages } : {}) })

  /** Start of the history: `startDate`, else the earliest user start date, else 2000-01-01. */
  const historyStart = async (client: HttpClient, ctx: ResourceContext, resource: string): Promise<Date> => {
    if (config.startDate) return parseClockodoDate(config.startDate)!
    const users = await listUsers(client, ctx, resource, false)
    let earliest: Date | undefined
    for (const u of users ?? []) {
      const d = typeof u.start_date === 'string' ? parseClockodoDate(u.start_date) : undefined
      if (d && (!earliest || d.getTime() < earliest.getTime())) earliest = d
    }
    if (!earliest && users === undefined) {
      ctx.warn(
        `[clockodo] ${resource}: the API key may not list users, so history starts at ${DEFAULT_HISTORY_START} (set start_date to narrow it)`,
      )
    }
    return earliest ?? parseClockodoDate(DEFAULT_HISTORY_START)!
  }

  const endDate = (): Date =>
    config.endDate ? parseClockodoDate(config.endDate)! : addDays(startOfUtcDay(now()), 365)

  async function* readList(e: ClockodoEndpoint, ctx: ResourceContext): AsyncGenerator<object[]> {
    const client = clientFor(ctx, general)
    const pages = fetchPages(
      client,
      { resource: e.name, path: e.path, params: {}, pageSize: e.pageSize, dataKeys: e.dataKeys },
      { signal: ctx.signal, lookahead, onPage: pageEvents(ctx, e.name) },
    )
    if (e.name === 'project_reports') {
      for await (const page of pages) {
        for (const row of page as Record<string, unknown>[]) {
          if (row.subprojects_id === undefined || row.subprojects_id === null) row.subprojects_id = 0
        }
        yield page
      }
      return
    }
    yield* pages
  }

  const dataYearByRun = new WeakMap<AbortSignal, Promise<number>>()

  /**
   * The year of the account's first entry (binary search on entry counts, a few requests per run), at the
   * earliest the history start year; the current year when there are no entries.
   */
  const firstDataYear = (client: HttpClient, ctx: ResourceContext, resource: string): Promise<number> => {
    let year = dataYearByRun.get(ctx.signal)
    if (!year) {
      year = (async () => {
        const start = await historyStart(client, ctx, resource)
        const lo0 = clampYear(start.getUTCFullYear())
        const hi0 = clampYear(now().getUTCFullYear())
        const since = isoUtc(new Date(Date.UTC(lo0, 0, 1)))
        const anyBefore = async (year: number): Promise<boolean> => {
          const res = await client.request<unknown>(
            {
              path: '/v2/entries',
              params: {
                time_since: since,
                time_until: isoUtc(new Date(Date.UTC(year, 0, 1))),
                items_per_page: 1,
                page: 1,
              },
            },
            { signal: ctx.signal, resource },
          )
          const paging = readPaging(res.body)
          return (
            (paging?.count_items ??
              extractRows(res.body, { path: '/v2/entries', dataKeys: ['entries', 'data'] }).length) > 0
          )
        }
        // smallest y in [lo0, hi0] with entries before y + 1
        let lo = lo0
        let hi = hi0
        if (!(await anyBefore(hi0 + 1))) return hi0
        while (lo < hi) {
          const mid = Math.floor((lo + hi) / 2)
          if (await anyBefore(mid + 1)) hi = mid
          else lo = mid + 1
        }
        return lo
      })()
      year.catch(() => {})
      dataYearByRun.set(ctx.signal, year)
    }
    return year
  }

  async function* readYears(e: ClockodoEndpoint, ctx: ResourceContext): AsyncGenerator<object[]> {
    if (e.mode.kind !== 'years') return
    const mode = e.mode
    const client = clientFor(ctx, general)
    const first =
      mode.firstYear === 'data'
        ? await firstDataYear(client, ctx, e.name)
        : clampYear((await historyStart(client, ctx, e.name)).getUTCFullYear())
    const last = clampYear(mode.lastYear === 'now' ? now().getUTCFullYear() : endDate().getUTCFullYear())
    const list = (params: Record<string, QueryValue>): Promise<object[]> =>
      collectPages(
        fetchPages(
          client,
          { resource: e.name, path: e.path, params, pageSize: e.pageSize, dataKeys: e.dataKeys },
          { signal: ctx.signal, lookahead: 2 },
        ),
      )
    const tasks: (() => Promise<{ year: number | undefined; rows: object[] }>)[] = []
    if (mode.alsoUnfiltered)
      tasks.push(async () => ({ year: undefined, rows: await list({ ...mode.params }) }))
    for (let year = first; year <= last; year++) {
      tasks.push(async () => ({
        year,
        rows: await list({ ...mode.params, ...yearParams(mode.param, year) }),
      }))
    }
    let done = 0
    for await (const { year, rows } of orderedParallel(tasks, lookahead)) {
      ctx.emit({ type: 'page', resource: e.name, page: ++done, rows: rows.length, totalPages: tasks.length })
      if (mode.stampYear && year !== undefined)
        for (const row of rows as Record<string, unknown>[]) row.year = year
      if (rows.length > 0) yield rows
    }
  }

  async function* tagPages(
    window: number,
    pages: AsyncGenerator<ParsedPage>,
  ): AsyncGenerator<{ window: number; page: ParsedPage }> {
    for await (const page of pages) yield { window, page }
  }

  async function* readEntries(e: ClockodoEndpoint, ctx: ResourceContext): AsyncGenerator<ParsedPage> {
    const plainClient = clientFor(ctx, general)
    const client = config.enhancedList ? clientFor(ctx, enhanced) : plainClient
    const start = await historyStart(plainClient, ctx, e.name)
    const plan = planWindows({
      start,
      end: endDate(),
      now: now(),
      lookbackDays: config.lookbackDays ?? 30,
      windowDays: config.windowDays ?? 92,
      state: incremental ? (ctx.state as WindowState) : undefined,
    })
    if (incremental && plan.windows.length > 0) {
      ctx.replaceRange({ column: 'time_since', from: isoUtc(plan.from), to: isoUtc(plan.to) })
    }
    const enhancedParam: Record<string, QueryValue> = config.enhancedList ? { enhanced_list: 1 } : {}
    // Page events count fetched pages over all windows; the total counts one page per window not answered yet.
    const windowPages: number[] = plan.windows.map(() => 1)
    let fetched = 0
    const windows = plan.windows.map(
      (w, i) => () =>
        tagPages(
          i,
          fetchParsedPages(
            client,
            {
              resource: e.name,
              path: e.path,
              params: { time_since: isoUtc(w.since), time_until: isoUtc(w.until), ...enhancedParam },
              pageSize: e.pageSize,
              dataKeys: e.dataKeys,
            },
            {
              signal: ctx.signal,
              lookahead,
              // on a page worker when the pipeline has them: the rows stay there, only their ids come here
              reader: ctx.pageReader ?? pageReaderHere,
              key: 'id',
              onPage: (_page, rows, total) => {
                windowPages[i] = Math.max(windowPages[i]!, total ?? 1)
                const totalPages = windowPages.reduce((a, b) => a + b, 0)
                fetched++
                ctx.emit({
                  type: 'page',
                  resource: e.name,
                  page: fetched,
                  rows,
                  totalPages: Math.max(fetched, totalPages),
                })
              },
            },
          ),
        ),
    )
    // Windows are contiguous, so an entry read twice (it spans a window edge, or the list shifted while paging)
    // is in this window or the one before: remembering two windows' ids keeps memory bounded by the window size.
    let previous = new IdSet()
    let current = new IdSet()
    let currentWindow = -1
    for await (const { window, page } of concatPrefetched(windows, 2)) {
      if (window !== currentWindow) {
        previous = current
        current = new IdSet()
        currentWindow = window
      }
      const ids = page.keys!
      const fresh = ids.map((id) => id === undefined || (current.add(id) && !previous.has(id)))
      if (!fresh.every(Boolean)) page.select((i) => fresh[i]!)
      if (page.size > 0) yield page
    }
    ctx.state.since = plan.nextState.since!
    ctx.state.until = plan.nextState.until!
  }

  async function* readWorkTimes(e: ClockodoEndpoint, ctx: ResourceContext): AsyncGenerator<object[]> {
    const client = clientFor(ctx, general)
    const users = (await listUsers(client, ctx, e.name, true)) ?? []
    // from 2023-08-21 (or a later startDate) through today (or an earlier endDate), in whole days
    const epoch = parseClockodoDate(WORK_TIMES_EPOCH)!
    const since = config.startDate ? startOfUtcDay(parseClockodoDate(config.startDate)!) : epoch
    const start = since.getTime() > epoch.getTime() ? since : epoch
    let end = addDays(startOfUtcDay(now()), 1)
    if (config.endDate) {
      const until = parseClockodoDate(config.endDate)!
      const untilDay =
        startOfUtcDay(until).getTime() === until.getTime() ? until : addDays(startOfUtcDay(until), 1)
      if (untilDay.getTime() < end.getTime()) end = untilDay
    }
    const state = ctx.state as WindowState & { users?: number[] }
    const plan = planWindows({
      start,
      end,
      now: now(),
      lookbackDays: config.lookbackDays ?? 30,
      windowDays: 365,
      state: incremental ? state : undefined,
    })
    const known = new Set(plan.full ? [] : (state.users ?? []))
    const tasks: (() => Promise<object[]>)[] = []
    for (const user of users) {
      let windows: TimeWindow[] = plan.windows
      if (!known.has(user.id)) {
        windows = planWindows({
          start,
          end,
          now: now(),
          lookbackDays: 0,
          windowDays: 365,
        }).windows
      }
      for (const w of windows) {
        tasks.push(() =>
          collectPages(
            fetchPages(
              client,
              {
                resource: e.name,
                path: e.path,
                params: {
                  users_id: user.id,
                  date_since: isoDate(w.since),
                  date_until: isoDate(addDays(w.until, -1)),
                },
                dataKeys: e.dataKeys,
              },
              { signal: ctx.signal, lookahead: 1 },
            ),
          ),
        )
      }
    }
    if (incremental && plan.windows.length > 0) {
      ctx.replaceRange({ column: 'date', from: isoDate(plan.from), to: isoDate(plan.to) })
    }
    let done = 0
    for await (const rows of orderedParallel(tasks, lookahead)) {
      ctx.emit({ type: 'page', resource: e.name, page: ++done, rows: rows.length, totalPages: tasks.length })
      if (rows.length > 0) yield rows
    }
    ctx.state.since = plan.nextState.since!
    ctx.state.until = plan.nextState.until!
    ctx.state.users = users.map((u) => u.id)
  }

  const readerFor = (
    e: ClockodoEndpoint,
  ): ((ctx: ResourceContext) => AsyncGenerator<object[] | ParsedPage>) => {
    switch (e.mode.kind) {
      case 'entries':
        return (ctx) => readEntries(e, ctx)
      case 'work_times':
        return (ctx) => readWorkTimes(e, ctx)
      case 'years':
        return (ctx) => readYears(e, ctx)
      default:
        return (ctx) => readList(e, ctx)
    }
  }

  const makeResource = (e: ClockodoEndpoint): Resource<object> => {
    const read = readerFor(e)
    return {
      name: e.name,
      primaryKey: e.primaryKey,
      // without incremental reads, the merged tables are read whole and replaced
      writeDisposition: incremental || e.writeDisposition === 'replace' ? e.writeDisposition : 'replace',
      async *read(ctx: ResourceContext): AsyncGenerator<object[] | ParsedPage> {
        // entries deduplicate per window themselves (readEntries)
        const seen = e.dedupeById && e.mode.kind !== 'entries' ? new Set<unknown>() : undefined
        try {
          for await (const page of read(ctx)) {
            if (!seen) {
              yield page
              continue
            }
            const fresh = pageRows(page).filter((row) => {
              const id = (row as { id?: unknown }).id
              if (id === undefined) return true
              if (seen.has(id)) return false
              seen.add(id)
              return true
            })
            if (fresh.length > 0) yield fresh
          }
        } catch (error) {
          throw mapClockodoError(error, {
            resource: e.name,
            path: e.path,
            apiUser: config.apiUser,
            baseUrl,
            strict: config.strict ?? false,
            unconfirmed: e.unconfirmed ?? false,
          })
        }
      },
    }
  }

  const selected = new Set(config.resources ?? CLOCKODO_ENDPOINTS.map((e) => e.name))
  return {
    name: 'clockodo',
    resources: CLOCKODO_ENDPOINTS.filter((e) => selected.has(e.name)).map(makeResource),
  }
}
