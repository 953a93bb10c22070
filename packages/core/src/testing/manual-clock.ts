import type { Clock } from '../http/http-types.ts'

/** A {@link Clock} whose time only moves when told to; for tests of retries, limits and timeouts. */
export interface ManualClock extends Clock {
  /** Every `sleep(ms)` requested so far, in order. */
  readonly sleeps: number[]
  /** Moves time forward by `ms`, waking sleepers whose deadline passed. */
  advance(ms: number): void
  /**
   * Settles `promise` by letting real I/O run (a few macrotask turns) and, whenever nothing else happens,
   * jumping to the next sleeper's deadline. Never sleeps in real time.
   */
  run<T>(promise: Promise<T>): Promise<T>
}

interface Timer {
  at: number
  resolve(): void
}

const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

/** Creates a {@link ManualClock} starting at `start` (ms since epoch; default 1,700,000,000,000). */
export function createManualClock(start = 1_700_000_000_000): ManualClock {
  let now = start
  let timers: Timer[] = []
  const sleeps: number[] = []
  const wake = (): void => {
    const due = timers.filter((t) => t.at <= now)
    timers = timers.filter((t) => t.at > now)
    for (const t of due) t.resolve()
  }
  return {
    sleeps,
    now: () => now,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      sleeps.push(ms)
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason)
          return
        }
        const timer: Timer = {
          at: now + Math.max(0, ms),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        const onAbort = (): void => {
          timers = timers.filter((t) => t !== timer)
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        timers.push(timer)
        if (ms <= 0) queueMicrotask(wake)
      })
    },
    advance(ms: number): void {
      now += ms
      wake()
    },
    async run<T>(promise: Promise<T>): Promise<T> {
      let settled = false
      promise.then(
        () => {
          settled = true
        },
        () => {
          settled = true
        },
      )
      while (!settled) {
        for (let i = 0; i < 20 && !settled; i++) await turn()
        if (settled) break
        if (timers.length === 0) continue
        const next = Math.min(...timers.map((t) => t.at))
        now = Math.max(now, next)
        wake()
      }
      return promise
    },
  }
}
