import type { ResourceContext } from '@sluice/core'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import { parseClockodoDate } from './clockodo-config.ts'
import { collectPages, fetchPages, orderedParallel } from './clockodo-pages.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'
import type { TimeWindow, WindowState } from './clockodo-windows.ts'
import { addDays, isoDate, planWindows, startOfUtcDay } from './clockodo-windows.ts'

/** Work-time data exists from this day on. */
export const WORK_TIMES_EPOCH = '2023-08-21'

/**
 * Reads work times per user in 365-day windows from {@link WORK_TIMES_EPOCH} (or a later `startDate`) through
 * today (or an earlier `endDate`), in whole days. Incremental runs re-read the lookback for the users the state
 * knows and the whole history for new users; the re-read range is replaced (`replaceRange` on `date`).
 */
export async function* readWorkTimes(
  e: ClockodoEndpoint,
  source: ClockodoSourceContext,
  ctx: ResourceContext,
): AsyncGenerator<object[]> {
  const { config, incremental } = source
  const client = source.client(ctx)
  const users = (await source.history.users(client, ctx, e.name, true)) ?? []
  const epoch = parseClockodoDate(WORK_TIMES_EPOCH)!
  const since = config.startDate ? startOfUtcDay(parseClockodoDate(config.startDate)!) : epoch
  const start = since.getTime() > epoch.getTime() ? since : epoch
  let end = addDays(startOfUtcDay(source.now()), 1)
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
    now: source.now(),
    lookbackDays: config.lookbackDays ?? 30,
    windowDays: 365,
    state: incremental ? state : undefined,
  })
  const known = new Set(plan.full ? [] : (state.users ?? []))
  const tasks: (() => Promise<object[]>)[] = []
  for (const user of users) {
    let windows: TimeWindow[] = plan.windows
    if (!known.has(user.id)) {
      windows = planWindows({ start, end, now: source.now(), lookbackDays: 0, windowDays: 365 }).windows
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
            { signal: ctx.signal, lookahead: 1, warn: (message) => ctx.warn(message) },
          ),
        ),
      )
    }
  }
  if (incremental && plan.windows.length > 0) {
    ctx.replaceRange({ column: 'date', from: isoDate(plan.from), to: isoDate(plan.to) })
  }
  let done = 0
  for await (const rows of orderedParallel(tasks, source.lookahead)) {
    ctx.emit({ type: 'page', resource: e.name, page: ++done, rows: rows.length, totalPages: tasks.length })
    if (rows.length > 0) yield rows
  }
  ctx.state.since = plan.nextState.since!
  ctx.state.until = plan.nextState.until!
  ctx.state.users = users.map((u) => u.id)
}
