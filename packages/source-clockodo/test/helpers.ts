import type { Clock, PipelineEvent, ReplaceRange, Resource, ResourceState, Source } from '@sluice/core'

/** What one resource run produced. */
export interface ResourceRun {
  rows: Record<string, unknown>[]
  pages: number
  ranges: ReplaceRange[]
  events: PipelineEvent[]
  warnings: string[]
  state: ResourceState
}

/** Runs one resource like the runner does (collecting rows, replaceRange calls, events, warnings). */
export async function runResource(
  resource: Resource<object>,
  state: ResourceState = {},
): Promise<ResourceRun> {
  const run: ResourceRun = { rows: [], pages: 0, ranges: [], events: [], warnings: [], state }
  const controller = new AbortController()
  for await (const page of resource.read({
    state,
    signal: controller.signal,
    emit: (e) => run.events.push(e),
    replaceRange: (r) => run.ranges.push(r),
    warn: (m) => run.warnings.push(m),
  })) {
    run.pages++
    for (const row of page) run.rows.push(row as Record<string, unknown>)
  }
  return run
}

/** The resource named `name` of a source. */
export function resourceOf(source: Source, name: string): Resource<object> {
  const r = source.resources.find((x) => x.name === name)
  if (!r) throw new Error(`no resource ${name}`)
  return r
}

/** A clock whose time moves only when nothing else can happen (a copy of core's test clock). */
export interface ManualClock extends Clock {
  readonly sleeps: number[]
  /** Settles `promise`, letting real I/O run and jumping to the next sleeper's deadline when idle. */
  run<T>(promise: Promise<T>): Promise<T>
}

const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

/** Creates a {@link ManualClock}. */
export function manualClock(start: number = Date.parse('2026-11-28T12:00:00Z')): ManualClock {
  let now = start
  let timers: { at: number; resolve(): void }[] = []
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
        if (signal?.aborted) return reject(signal.reason)
        const timer = {
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
        if (settled || timers.length === 0) continue
        now = Math.max(now, Math.min(...timers.map((t) => t.at)))
        wake()
      }
      return promise
    },
  }
}
