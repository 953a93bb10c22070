import type { HttpClient, ResourceContext } from '@sluice/core'
import { isHttpError } from '@sluice/core'
import type { ClockodoConfig } from './clockodo-config.ts'
import { parseClockodoDate } from './clockodo-config.ts'
import { collectPages, extractRows, fetchPages, readPaging } from './clockodo-pages.ts'
import type { ClockodoUser } from './clockodo-rows.ts'
import { isoUtc } from './clockodo-windows.ts'

const DEFAULT_HISTORY_START = '2000-01-01'
const MIN_YEAR = 2000
const MAX_YEAR = 2037

/** `y` within the years Clockodo's year parameters accept (2000-2037). */
export function clampYear(y: number): number {
  return Math.min(MAX_YEAR, Math.max(MIN_YEAR, y))
}

/**
 * Facts about the account that several resources need, each read at most once per run (keyed by the run's
 * signal, so the next run reads them again).
 */
export interface ClockodoHistory {
  /** All users; undefined when the key may not list users (403) and `required` is false. */
  users(
    client: HttpClient,
    ctx: ResourceContext,
    resource: string,
    required: boolean,
  ): Promise<ClockodoUser[] | undefined>
  /** Start of the history: `startDate`, else the earliest user start date, else 2000-01-01 (with a warning on 403). */
  start(client: HttpClient, ctx: ResourceContext, resource: string): Promise<Date>
  /**
   * The year of the account's first entry (binary search on entry counts, a few requests per run), at the
   * earliest the history start year; the current year when there are no entries.
   */
  firstDataYear(client: HttpClient, ctx: ResourceContext, resource: string): Promise<number>
}

/** Options of {@link createClockodoHistory}. */
export interface ClockodoHistoryOptions {
  /** The validated configuration (`startDate` is read). */
  config: ClockodoConfig
  /** "Today". */
  now: () => Date
  /** Pages of the users list fetched ahead. */
  lookahead: number
}

/** The per-run account facts of one source. */
export function createClockodoHistory(options: ClockodoHistoryOptions): ClockodoHistory {
  const { config, now, lookahead } = options
  const usersByRun = new WeakMap<AbortSignal, Promise<ClockodoUser[]>>()
  const dataYearByRun = new WeakMap<AbortSignal, Promise<number>>()

  const users: ClockodoHistory['users'] = async (client, ctx, resource, required) => {
    let list = usersByRun.get(ctx.signal)
    if (!list) {
      list = collectPages(
        fetchPages(
          client,
          { resource, path: '/v3/users', params: {}, pageSize: 1000, dataKeys: ['data', 'users'] },
          { signal: ctx.signal, lookahead, warn: (message) => ctx.warn(message) },
        ),
      ) as Promise<ClockodoUser[]>
      list.catch(() => {})
      usersByRun.set(ctx.signal, list)
    }
    try {
      return await list
    } catch (error) {
      if (!required && isHttpError(error, 403)) return undefined
      throw error
    }
  }

  const start: ClockodoHistory['start'] = async (client, ctx, resource) => {
    if (config.startDate) return parseClockodoDate(config.startDate)!
    const all = await users(client, ctx, resource, false)
    let earliest: Date | undefined
    for (const u of all ?? []) {
      const d = typeof u.start_date === 'string' ? parseClockodoDate(u.start_date) : undefined
      if (d && (!earliest || d.getTime() < earliest.getTime())) earliest = d
    }
    if (!earliest && all === undefined) {
      ctx.warn(
        `[clockodo] ${resource}: the API key may not list users, so history starts at ${DEFAULT_HISTORY_START} (set start_date to narrow it)`,
      )
    }
    return earliest ?? parseClockodoDate(DEFAULT_HISTORY_START)!
  }

  const firstDataYear: ClockodoHistory['firstDataYear'] = (client, ctx, resource) => {
    let year = dataYearByRun.get(ctx.signal)
    if (!year) {
      year = (async () => {
        const from = await start(client, ctx, resource)
        const lo0 = clampYear(from.getUTCFullYear())
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

  return { users, start, firstDataYear }
}
