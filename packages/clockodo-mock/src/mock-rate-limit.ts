/** Per-user request limits in fixed windows (Clockodo's documented defaults). */
export interface RateLimits {
  perMinute: number
  per15Minutes: number
  perHour: number
  perDay: number
  /** Extra limit for GET /v2/entries with enhanced_list=1. */
  enhancedPer15Minutes: number
}

/** Clockodo's real limits: 900/min, 2,250/15 min, 4,500/h, 20,000/day, 300/15 min for enhanced entry lists. */
export const CLOCKODO_RATE_LIMITS: RateLimits = {
  perMinute: 900,
  per15Minutes: 2250,
  perHour: 4500,
  perDay: 20000,
  enhancedPer15Minutes: 300,
}

interface Window {
  start: number
  count: number
}

/** Counts requests per user in aligned fixed windows; the clock is injectable for fake time. */
export class RateLimiter {
  private readonly windows = new Map<string, Window[]>()
  private readonly specs: [number, number][]
  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {
    this.specs = [
      [60_000, limits.perMinute],
      [900_000, limits.per15Minutes],
      [3_600_000, limits.perHour],
      [86_400_000, limits.perDay],
    ]
  }

  /** Counts one request; returns the Retry-After seconds when a limit is exceeded (the request is then not counted). */
  take(user: string, enhanced: boolean): number | undefined {
    const now = this.now()
    const checks: [string, number, number][] = this.specs.map(([len, limit]) => [user, len, limit])
    if (enhanced) checks.push([user + '\u0000enhanced', 900_000, this.limits.enhancedPer15Minutes])
    let retry = 0
    const hit: Window[] = []
    for (const [key, len, limit] of checks) {
      const w = this.window(key, len, now)
      if (w.count >= limit) retry = Math.max(retry, Math.ceil((w.start + len - now) / 1000))
      hit.push(w)
    }
    if (retry > 0) return Math.max(1, retry)
    for (const w of hit) w.count++
    return undefined
  }

  private window(key: string, len: number, now: number): Window {
    let list = this.windows.get(key)
    if (!list) {
      list = []
      this.windows.set(key, list)
    }
    const slot = len === 60_000 ? 0 : len === 900_000 ? 1 : len === 3_600_000 ? 2 : 3
    const start = Math.floor(now / len) * len
    let w = list[slot]
    if (!w || w.start !== start) {
      w = { start, count: 0 }
      list[slot] = w
    }
    return w
  }
}
