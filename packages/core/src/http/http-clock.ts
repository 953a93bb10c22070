import type { Clock } from './http-types.ts'

/** Sleeps with `setTimeout` (so fake timers control it); rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The real clock: `Date.now()` and {@link sleep}. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
}
