import { expect, it } from 'vitest'
import { CLOCKODO_RATE_LIMITS, RateLimiter } from './mock-rate-limit.ts'

it('limits per user and window, counting only accepted requests', () => {
  let now = Date.parse('2026-03-12T10:00:00Z')
  const rl = new RateLimiter({ ...CLOCKODO_RATE_LIMITS, perMinute: 2, per15Minutes: 3 }, () => now)
  expect(rl.take('a', false)).toBeUndefined()
  expect(rl.take('a', false)).toBeUndefined()
  expect(rl.take('b', false)).toBeUndefined()
  expect(rl.take('a', false)).toBe(60)
  now += 60_000
  expect(rl.take('a', false)).toBeUndefined()
  expect(rl.take('a', false)).toBe(840) // at 10:01 the 15-minute window (3) is full until 10:15
})
