/** Milliseconds per day. */
export const DAY_MS = 86_400_000

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayOf(date: string): number {
  return Math.floor(Date.parse(date + 'T00:00:00Z') / DAY_MS)
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n))

/** YYYY-MM-DD of a day number. */
export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** ISO UTC date-time without milliseconds, as Clockodo writes it. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z'
}

/** Fast ISO formatting for a time of a known day: `prefix` is 'YYYY-MM-DDT'. */
export function isoInDay(prefix: string, secondsOfDay: number): string {
  const h = Math.floor(secondsOfDay / 3600)
  const m = Math.floor((secondsOfDay % 3600) / 60)
  const s = secondsOfDay % 60
  return prefix + pad2(h) + ':' + pad2(m) + ':' + pad2(s) + 'Z'
}

/** The first day with work-time data in Clockodo (2023-08-21). */
export const WORK_TIME_START_DAY: number = dayOf('2023-08-21')

/** Day of week, 0 = Sunday ... 6 = Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7
}

/** Day number of Easter Sunday (Gregorian, anonymous algorithm). */
export function easter(year: number): number {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const dd = ((h + l - 7 * m + 114) % 31) + 1
  return Math.floor(Date.UTC(year, month - 1, dd) / DAY_MS)
}

/**
 * Mon-Fri workdays from `startDay` to `endDay` (inclusive), indexed 0.. arithmetically.
 * Workday w maps to a day and a day to the count of workdays before it, both in O(1).
 */
export class WorkdayCalendar {
  readonly count: number
  private readonly epochMonday: number
  private readonly skip: number
  constructor(startDay: number, endDay: number) {
    this.epochMonday = startDay - ((weekday(startDay) + 6) % 7)
    this.skip = this.before(startDay)
    this.count = Math.max(0, this.before(endDay + 1) - this.skip)
  }
  private before(day: number): number {
    const d = day - this.epochMonday
    return Math.floor(d / 7) * 5 + Math.min(5, ((d % 7) + 7) % 7)
  }
  /** Day number of workday w. */
  day(w: number): number {
    const k = w + this.skip
    return this.epochMonday + Math.floor(k / 5) * 7 + (k % 5)
  }
  /** Index of the first workday on or after `day`, clamped to [0, count]. */
  firstOnOrAfter(day: number): number {
    return Math.min(this.count, Math.max(0, this.before(day) - this.skip))
  }
}
