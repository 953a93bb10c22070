import type { Clock } from '@sluice/core'
import type { EnhancedBudget } from './clockodo-rate-limits.ts'

/** A page of one entries window, and whether it came from an enhanced list; no page once the window was read whole. */
export interface WindowPage<P> {
  window: number
  enhanced: boolean
  page: P | undefined
}

/** Options of {@link readSplit}. */
export interface SplitOptions<P> {
  /** Windows, oldest first (numbered 0..count-1). */
  count: number
  /** Reads one window's pages with an enhanced or a plain list; calls `onTotal` with its page count when known. */
  readWindow(window: number, enhanced: boolean, onTotal: (pages: number) => void): AsyncGenerator<P>
  /** What is left of the enhanced-list limit. */
  budget: EnhancedBudget
  clock: Clock
  signal: AbortSignal
}

/** What {@link readSplit} did: windows `[0, firstEnhanced)` were read with plain lists, the rest enhanced. */
export interface SplitResult {
  firstEnhanced: number
}

/**
 * Reads the windows of a backfill from both ends: enhanced lists from the newest window down, one window at a time
 * while the enhanced-list budget has room for it (the most pages a window had so far), and plain lists from the
 * oldest window up whenever the enhanced side cannot go on (its budget is used up), until the two meet. Someone
 * reads whenever the general limits allow, so the run takes about the time they need for all pages; the enhanced
 * budget is used as far as it goes, on the newest entries (those later runs re-read too).
 * Pages of both sides are yielded as they arrive, tagged with their window, and after a window's last page an item
 * without a page says it was read whole.
 */
export async function* readSplit<P>(
  options: SplitOptions<P>,
  result: SplitResult,
): AsyncGenerator<WindowPage<P>> {
  const { count, readWindow, budget, clock, signal } = options
  let lo = 0
  let hi = count - 1
  result.firstEnhanced = count
  // ends the enhanced side's wait for budget once every window is taken
  const taken = new AbortController()
  const take = (): void => {
    if (lo > hi) taken.abort()
  }
  // the plain side waits while the enhanced side can go on; told of every change
  let enhancedBlocked = false
  let enhancedDone = false
  let wake = (): void => {}
  let changed = new Promise<void>((resolve) => {
    wake = resolve
  })
  const tell = (): void => {
    const resolve = wake
    changed = new Promise<void>((r) => {
      wake = r
    })
    resolve()
  }
  signal.addEventListener('abort', tell, { once: true })

  async function* plain(): AsyncGenerator<WindowPage<P>> {
    while (lo <= hi) {
      if (!enhancedBlocked && !enhancedDone && budget.free() > 0) {
        if (signal.aborted) throw signal.reason
        await changed
        continue
      }
      const window = lo++
      take()
      for await (const page of readWindow(window, false, () => {})) yield { window, enhanced: false, page }
      yield { window, enhanced: false, page: undefined }
    }
    take()
  }

  async function* enhanced(): AsyncGenerator<WindowPage<P>> {
    let estimate = 1
    try {
      while (lo <= hi) {
        const wait = budget.msUntilFree(estimate)
        if (wait > 0) {
          enhancedBlocked = true
          tell()
          try {
            await clock.sleep(wait, AbortSignal.any([signal, taken.signal]))
          } catch {
            if (signal.aborted) throw signal.reason
          }
          enhancedBlocked = false
          continue
        }
        const window = hi--
        result.firstEnhanced = window
        take()
        let pages = 1
        for await (const page of readWindow(window, true, (n) => {
          pages = n
        })) {
          yield { window, enhanced: true, page }
          // each page sent takes budget: the plain side looks again
          tell()
        }
        yield { window, enhanced: true, page: undefined }
        estimate = Math.max(estimate, pages)
      }
    } finally {
      enhancedDone = true
      tell()
    }
  }

  try {
    yield* interleave([plain(), enhanced()])
  } finally {
    signal.removeEventListener('abort', tell)
  }
}

/** Yields the items of several async generators as each produces them; closes them all when the consumer stops. */
export async function* interleave<T>(gens: AsyncGenerator<T>[]): AsyncGenerator<T> {
  type Next = { i: number; r: IteratorResult<T> }
  const pending = new Map<number, Promise<Next>>()
  const pull = (i: number): void => {
    pending.set(
      i,
      gens[i]!.next().then((r) => ({ i, r })),
    )
  }
  for (let i = 0; i < gens.length; i++) pull(i)
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values())
      if (r.done) {
        pending.delete(i)
        continue
      }
      pull(i)
      yield r.value
    }
  } finally {
    for (const [i, p] of pending) {
      p.catch(() => {})
      void p.then(
        () => gens[i]!.return(undefined).catch(() => {}),
        () => {},
      )
    }
  }
}
