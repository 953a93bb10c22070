import type { RateLimiter, RateLimitWindow } from '@sluice/core'

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

/** A limiter that takes a slot from `first`, then from `second` (both apply), and releases both. */
export function chainLimiters(first: RateLimiter, second: RateLimiter): RateLimiter {
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
  /** Enhanced requests that may start now without waiting. */
  free(): number
  /** Milliseconds until `pages` enhanced requests may start (0 when they may now; the interval for more than the limit). */
  msUntilFree(pages: number): number
}

/** Wraps the enhanced-list limiter so that every request it lets through is counted in the returned budget. */
export function trackEnhancedBudget(
  limiter: RateLimiter,
  now: () => number,
  window: RateLimitWindow = CLOCKODO_ENHANCED_LIST_LIMIT,
): { limiter: RateLimiter; budget: EnhancedBudget } {
  const stamps: number[] = []
  const prune = (t: number): void => {
    let i = 0
    while (i < stamps.length && stamps[i]! + window.intervalMs <= t) i++
    if (i > 0) stamps.splice(0, i)
  }
  const budget: EnhancedBudget = {
    free() {
      prune(now())
      return Math.max(0, window.limit - stamps.length)
    },
    msUntilFree(pages) {
      const t = now()
      prune(t)
      const over = stamps.length + Math.min(pages, window.limit) - window.limit
      if (over <= 0) return 0
      return Math.max(0, stamps[over - 1]! + window.intervalMs - t)
    },
  }
  return {
    budget,
    limiter: {
      async acquire(signal, options) {
        await limiter.acquire(signal, options)
        stamps.push(now())
      },
      release: () => limiter.release(),
      slowDown: (retryAfterMs) => limiter.slowDown(retryAfterMs),
      get inFlight() {
        return limiter.inFlight
      },
    },
  }
}
