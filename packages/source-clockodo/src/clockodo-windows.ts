const DAY_MS = 86_400_000

/** What a windowed resource remembers between runs (ISO strings; `until` is exclusive). */
export interface WindowState {
  /** Start of the loaded history. */
  since?: string
  /** End (exclusive) of the last loaded range. */
  until?: string
}

/** A half-open time window `[since, until)`. */
export interface TimeWindow {
  since: Date
  until: Date
}

/** The range one run re-reads and its request windows. */
export interface WindowPlan {
  /** True when the whole history from `start` is read (first run, or the start moved earlier). */
  full: boolean
  /** Start of the re-read range (inclusive); its destination rows are replaced. */
  from: Date
  /** End of the re-read range (exclusive). */
  to: Date
  /** `[from, to)` cut into consecutive windows of at most `windowDays` days; empty when `from >= to`. */
  windows: TimeWindow[]
  /** The state to store once every window was read. */
  nextState: WindowState
}

/** Input of {@link planWindows}. */
export interface WindowPlanInput {
  /** Start of the history (first run reads from here). */
  start: Date
  /** End (exclusive) of the range, e.g. today + 365 days. */
  end: Date
  now: Date
  /** Days before `min(state.until, now)` that every incremental run re-reads. */
  lookbackDays: number
  windowDays: number
  state?: WindowState | undefined
}

/** Midnight UTC of the day that contains `d`. */
export function startOfUtcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS)
}

/** `d` plus `days` whole days. */
export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS)
}

/** ISO 8601 UTC without milliseconds, as Clockodo wants it: `2026-03-01T00:00:00Z`. */
export function isoUtc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `YYYY-MM-DD` of the UTC day of `d`. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10)
}

function parse(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** `[from, to)` cut into consecutive windows of `days` days (at least 1), the last one ending at `to`. */
export function cutWindows(from: Date, to: Date, days: number): TimeWindow[] {
  if (days < 1) throw new RangeError('windowDays must be at least 1')
  const windows: TimeWindow[] = []
  for (let s = from; s.getTime() < to.getTime(); ) {
    const next = addDays(s, days)
    const e = next.getTime() < to.getTime() ? next : to
    windows.push({ since: s, until: e })
    s = e
  }
  return windows
}

/**
 * Plans the re-read range of a windowed resource without a change feed.
 * - First run (no state), or `start` earlier than the stored `since`: everything `[start, end)`.
 * - Later runs: `[startOfDay(min(state.until, now)) - lookbackDays, end)`, never before `start`. This covers
 *   the trailing lookback and every window after the last loaded one (also when runs were missed).
 * The windows are cut from `from` in steps of `windowDays` days; the last one ends at `to`.
 */
export function planWindows(input: WindowPlanInput): WindowPlan {
  const { start, end, now, lookbackDays, windowDays } = input
  const stateSince = parse(input.state?.since)
  const stateUntil = parse(input.state?.until)
  const full = !stateSince || !stateUntil || start.getTime() < stateSince.getTime()
  let from = start
  if (!full) {
    const anchor = stateUntil.getTime() < now.getTime() ? stateUntil : now
    const back = addDays(startOfUtcDay(anchor), -lookbackDays)
    if (back.getTime() > from.getTime()) from = back
  }
  const to = end
  const windows = cutWindows(from, to, windowDays)
  const since = full || !stateSince ? start : stateSince
  return { full, from, to, windows, nextState: { since: isoUtc(since), until: isoUtc(to) } }
}
