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
