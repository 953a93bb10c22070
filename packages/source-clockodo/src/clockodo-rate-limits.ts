import type { Clock, RateLimiter, RateLimitWindow } from '@sluice/core'

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

/**
 * The least time, in ms, in which `requests` requests can all start under `windows` when each takes no time: the
 * last one (number n - 1, counted from 0) cannot start before floor((n - 1) / limit) whole intervals of any window
 * have passed. 0 for at most one request per window's limit.
 */
export function rateLimitBoundMs(requests: number, windows: readonly RateLimitWindow[]): number {
  if (requests <= 1) return 0
  let bound = 0
  for (const w of windows) bound = Math.max(bound, Math.floor((requests - 1) / w.limit) * w.intervalMs)
  return bound
}

/**
 * What is left of the enhanced-list limit ({@link CLOCKODO_ENHANCED_LIST_LIMIT}) for one source: the start times
 * of its enhanced requests in the last interval, counted as they pass the limiter.
 */
export interface EnhancedBudget {
  /** Enhanced requests allowed per interval. */
  readonly limit: number
  /** Enhanced requests that may start now without waiting. */
  free(): number
  /** Milliseconds until `pages` enhanced requests may start (0 when they may now; the interval for more than the limit). */
  msUntilFree(pages: number): number
}

/**
 * The limiter of enhanced entry lists: at most `window.limit` such requests per sliding `window.intervalMs`, counted
 * when they are sent (after `general`, Clockodo's per-user limits, let them through, as the server counts them), on
 * top of `general`. A request waiting for `general` holds its enhanced slot, so that no two take the same one.
 */
export function createEnhancedListLimiter(
  general: RateLimiter,
  clock: Clock,
  window: RateLimitWindow = CLOCKODO_ENHANCED_LIST_LIMIT,
): { limiter: RateLimiter; budget: EnhancedBudget } {
  const stamps: number[] = []
  let held = 0
  const prune = (t: number): void => {
    let i = 0
    while (i < stamps.length && stamps[i]! + window.intervalMs <= t) i++
    if (i > 0) stamps.splice(0, i)
  }
  const budget: EnhancedBudget = {
    limit: window.limit,
    free() {
      prune(clock.now())
      return Math.max(0, window.limit - stamps.length - held)
    },
    msUntilFree(pages) {
      const t = clock.now()
      prune(t)
      const over = stamps.length + held + Math.min(pages, window.limit) - window.limit
      if (over <= 0) return 0
      // a held slot is stamped when its request is sent, now or later: it frees an interval after that at the earliest
      if (over > stamps.length) return window.intervalMs
      return Math.max(1, stamps[over - 1]! + window.intervalMs - t)
    },
  }
  return {
    budget,
    limiter: {
      async acquire(signal, options) {
        let told = false
        while (budget.free() < 1) {
          const wait = budget.msUntilFree(1)
          if (!told) {
            told = true
            options?.onWait?.(wait, window.name ?? `${window.limit}/${window.intervalMs}ms`)
          }
          await clock.sleep(wait, signal)
        }
        held++
        try {
          await general.acquire(signal, options)
        } finally {
          held--
        }
        stamps.push(clock.now())
      },
      release: () => general.release(),
      slowDown: (retryAfterMs) => general.slowDown(retryAfterMs),
      get inFlight() {
        return general.inFlight
      },
    },
  }
}
