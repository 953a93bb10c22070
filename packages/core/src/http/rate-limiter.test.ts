import { describe, expect, it } from 'vitest'
import { createManualClock } from '../testing/manual-clock.ts'
import { createRateLimiter } from './rate-limiter.ts'

describe('rate limiter', () => {
  it('applies several sliding windows at once and reports waits', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({
      clock,
      windows: [
        { limit: 3, intervalMs: 1000, name: 'per-second' },
        { limit: 5, intervalMs: 60_000, name: 'per-minute' },
      ],
    })
    const starts: number[] = []
    const waits: string[] = []
    await clock.run(
      (async () => {
        for (let i = 0; i < 7; i++) {
          await limiter.acquire(undefined, { onWait: (ms, w) => waits.push(`${w}:${ms}`) })
          starts.push(clock.now())
          limiter.release()
        }
      })(),
    )
    expect(starts).toEqual([0, 0, 0, 1000, 1000, 60_000, 60_000])
    expect(waits).toEqual(['per-second:1000', 'per-minute:59000'])
  })

  it('caps requests in flight and serves waiters in order', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock, windows: [], maxInFlight: 2 })
    const order: number[] = []
    const all = [1, 2, 3, 4].map((i) => limiter.acquire().then(() => order.push(i)))
    await clock.run(Promise.resolve())
    expect(order).toEqual([1, 2])
    expect(limiter.inFlight).toBe(2)
    limiter.release()
    await clock.run(Promise.resolve())
    expect(order).toEqual([1, 2, 3])
    limiter.release()
    await clock.run(Promise.all(all))
    expect(order).toEqual([1, 2, 3, 4])
  })

  it('after slowDown pauses for Retry-After, halves concurrency, and recovers', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock, windows: [], maxInFlight: 4, recoverAfterMs: 10_000 })
    limiter.slowDown(5000)
    const started: number[] = []
    const four = [0, 1, 2, 3].map(() => limiter.acquire().then(() => started.push(clock.now())))
    await clock.run(Promise.all(four.slice(0, 2)))
    expect(started).toEqual([5000, 5000])
    await clock.run(Promise.resolve())
    expect(started).toHaveLength(2) // concurrency is 2 now
    clock.advance(10_000)
    limiter.release() // recovers one slot (3) and frees one
    await clock.run(Promise.all(four.slice(2, 3)))
    expect(limiter.inFlight).toBe(3)
    expect(started).toHaveLength(4)
  })

  it('rejects a waiter whose signal aborts', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock, windows: [{ limit: 1, intervalMs: 1000 }] })
    await limiter.acquire()
    const ctrl = new AbortController()
    const waiting = limiter.acquire(ctrl.signal)
    ctrl.abort(new Error('cancelled'))
    await expect(waiting).rejects.toThrow('cancelled')
  })
})
