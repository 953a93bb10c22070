import { SluiceError } from '../errors.ts'

/** Options of {@link teePages}. */
export interface TeeOptions {
  /** Pages each consumer may hold unread; the reader waits while one holds this many. Default 4. */
  maxPages?: number
  /** Stops the reader's wait for room when aborted (the source itself must honour the signal too). */
  signal?: AbortSignal
}

/**
 * Splits one stream of pages into `consumers` streams that each get every page, in order, from one read of
 * `source`. Memory is bounded: each consumer holds at most `maxPages` unread pages, and the reader waits while
 * any consumer is full, so the slowest consumer sets the pace (all consumers MUST therefore be read at the same
 * time, or the reader stops). A consumer that stops early (`return`, e.g. a `break` in `for await`) no longer
 * holds the reader back; when every consumer stopped, the source is closed. An error of the source reaches every
 * consumer after the pages it already holds. The source is read only once a consumer asks for a page. With one
 * consumer the source itself is returned. Each returned stream may be iterated once, by one reader.
 */
export function teePages<T>(
  source: AsyncIterable<T>,
  consumers: number,
  options: TeeOptions = {},
): AsyncIterable<T>[] {
  if (consumers === 1) return [source]
  const maxPages = Math.max(1, options.maxPages ?? 4)
  const signal = options.signal
  type Consumer = { queue: T[]; closed: boolean; wake: (() => void) | undefined }
  const all: Consumer[] = Array.from({ length: consumers }, () => ({
    queue: [],
    closed: false,
    wake: undefined,
  }))
  let started = false
  let finished = false
  let failure: { error: unknown } | undefined
  let room: (() => void) | undefined
  const wakeReader = (): void => {
    const r = room
    room = undefined
    r?.()
  }
  const wakeConsumers = (): void => {
    for (const c of all) {
      const w = c.wake
      c.wake = undefined
      w?.()
    }
  }
  const full = (): boolean => all.some((c) => !c.closed && c.queue.length >= maxPages)
  const open = (): boolean => all.some((c) => !c.closed)

  const read = async (): Promise<void> => {
    const it = source[Symbol.asyncIterator]()
    signal?.addEventListener('abort', wakeReader, { once: true })
    try {
      for (;;) {
        while (full() && !signal?.aborted) await new Promise<void>((resolve) => (room = resolve))
        if (signal?.aborted) throw aborted(signal)
        if (!open()) {
          await it.return?.()
          break
        }
        const next = await it.next()
        if (next.done) break
        for (const c of all) if (!c.closed) c.queue.push(next.value)
        wakeConsumers()
      }
    } catch (error) {
      failure = { error }
      it.return?.()?.catch(() => undefined)
    } finally {
      signal?.removeEventListener('abort', wakeReader)
      finished = true
      wakeConsumers()
    }
  }

  return all.map((c) => ({
    [Symbol.asyncIterator]: (): AsyncIterator<T> => ({
      next: async (): Promise<IteratorResult<T>> => {
        if (!started) {
          started = true
          void read()
        }
        for (;;) {
          if (c.closed) return { done: true, value: undefined }
          if (c.queue.length > 0) {
            const value = c.queue.shift() as T
            wakeReader()
            return { done: false, value }
          }
          if (finished) {
            if (failure) throw failure.error
            return { done: true, value: undefined }
          }
          await new Promise<void>((resolve) => (c.wake = resolve))
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        c.closed = true
        c.queue = []
        wakeReader()
        wakeConsumers()
        return { done: true, value: undefined }
      },
    }),
  }))
}

function aborted(signal: AbortSignal): SluiceError {
  return new SluiceError('RUN_ABORTED', 'the run was stopped', {
    cause: signal.reason,
    hint: 'run the same command again to resume where it stopped',
  })
}
