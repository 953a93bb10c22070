import { SluiceError } from '../errors.ts'
import { systemClock } from './http-clock.ts'
import type { AcquireOptions, Clock, RateLimiter, RateLimitWindow } from './http-types.ts'

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Sliding windows that all apply at once (e.g. 900/min and 20,000/day). */
  windows: RateLimitWindow[]
  /** Cap on requests in flight; default 8. */
  maxInFlight?: number
  clock?: Clock
  /** After a slow-down, concurrency grows back by one per this many ms without a 429; default 10000. */
  recoverAfterMs?: number
}

interface Waiter {
  resolve(): void
  reject(reason: unknown): void
  options: AcquireOptions | undefined
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  notified: boolean
}

class SlidingWindow {
  readonly name: string
  private readonly stamps: number[] = []
  private head = 0

  constructor(
    readonly limit: number,
    readonly intervalMs: number,
    name: string | undefined,
  ) {
    this.name = name ?? `${limit}/${formatMs(intervalMs)}`
  }

  /** ms until one more request fits. */
  wait(now: number): number {
    if (this.stamps.length < this.limit) return 0
    const oldest = this.stamps[this.head]!
    return Math.max(0, oldest + this.intervalMs - now)
  }

  record(now: number): void {
    if (this.stamps.length < this.limit) this.stamps.push(now)
    else {
      this.stamps[this.head] = now
      this.head = (this.head + 1) % this.limit
    }
  }
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}min`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

class Limiter implements RateLimiter {
  private readonly windows: SlidingWindow[]
  private readonly maxInFlight: number
  private effectiveMax: number
  private readonly clock: Clock
  private readonly recoverAfterMs: number
  private readonly queue: Waiter[] = []
  private pumping = false
  private pausedUntil = 0
  private lastSlowDown = 0
  private sleeper: AbortController | undefined
  private running = 0

  constructor(options: RateLimiterOptions) {
    for (const [i, w] of options.windows.entries()) {
      if (!(w.limit >= 1) || !(w.intervalMs > 0)) {
        throw new SluiceError('CONFIG_INVALID', `rateLimit[${i}] needs limit >= 1 and intervalMs > 0`)
      }
    }
    this.windows = options.windows.map((w) => new SlidingWindow(Math.floor(w.limit), w.intervalMs, w.name))
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 8))
    this.effectiveMax = this.maxInFlight
    this.clock = options.clock ?? systemClock
    this.recoverAfterMs = options.recoverAfterMs ?? 10_000
  }

  get inFlight(): number {
    return this.running
  }

  acquire(signal?: AbortSignal, options?: AcquireOptions): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (
      this.queue.length === 0 &&
      this.running < this.effectiveMax &&
      this.blockedFor(this.clock.now())[0] === 0
    ) {
      this.take()
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, options, signal, onAbort: undefined, notified: false }
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter)
          if (i >= 0) this.queue.splice(i, 1)
          if (this.queue.length === 0) this.sleeper?.abort()
          reject(signal.reason)
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.queue.push(waiter)
      void this.pump()
    })
  }

  release(): void {
    if (this.running > 0) this.running--
    this.recover()
    void this.pump()
  }

  slowDown(retryAfterMs?: number): void {
    const now = this.clock.now()
    this.lastSlowDown = now
    this.effectiveMax = Math.max(1, Math.floor(this.effectiveMax / 2))
    if (retryAfterMs !== undefined && retryAfterMs > 0)
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs)
  }

  private recover(): void {
    if (this.effectiveMax >= this.maxInFlight) return
    const now = this.clock.now()
    if (now - this.lastSlowDown >= this.recoverAfterMs) {
      this.effectiveMax++
      this.lastSlowDown = now
    }
  }

  private take(): void {
    const now = this.clock.now()
    for (const w of this.windows) w.record(now)
    this.running++
  }

  private blockedFor(now: number): [number, string] {
    let wait = Math.max(0, this.pausedUntil - now)
    let name = wait > 0 ? 'slow-down after 429' : ''
    for (const w of this.windows) {
      const ww = w.wait(now)
      if (ww > wait) {
        wait = ww
        name = w.name
      }
    }
    return [wait, name]
  }

  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.queue.length > 0 && this.running < this.effectiveMax) {
        const [wait, name] = this.blockedFor(this.clock.now())
        if (wait > 0) {
          const head = this.queue[0]!
          if (!head.notified) {
            head.notified = true
            head.options?.onWait?.(wait, name)
          }
          this.sleeper = new AbortController()
          try {
            await this.clock.sleep(wait, this.sleeper.signal)
          } catch {
            // woken early (queue emptied); loop re-checks
          }
          this.sleeper = undefined
          continue
        }
        const w = this.queue.shift()!
        if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort)
        this.take()
        w.resolve()
      }
    } finally {
      this.pumping = false
    }
  }
}

/**
 * Creates a limiter with several sliding windows at once and a cap on requests in flight. After
 * `slowDown()` (a 429) it pauses for the server's Retry-After, halves its concurrency and grows it back by
 * one per `recoverAfterMs`. Waiters are served first come, first served.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  return new Limiter(options)
}
