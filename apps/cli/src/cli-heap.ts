import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { setFlagsFromString } from 'node:v8'
import { SluiceError } from '@sluice/core'

/** Default of {@link limitHeapGrowth}: the heap may grow by as much as survived the last full collection. */
export const DEFAULT_HEAP_GROWING_PERCENT = 100

/**
 * Makes V8 collect its old generation sooner: after a full collection the heap may grow by `percent` of what
 * survived it before the next one, instead of V8's own factor (up to 300%, picked for throughput). A load's garbage
 * is mostly things that lived a little while (response bodies, parsed pages, rows, CSV chunks), so the heap
 * otherwise swells far past what is alive. It trades a little time for a much smaller heap (measurements:
 * apps/bench/README.md, "Measurements behind defaults").
 *
 * For a process that exists to run pipelines (the `sluice` CLI calls it at start); a library inside a server
 * should leave the heap to its application. It changes a V8 flag of the running process (`v8.setFlagsFromString`),
 * which V8 reads at each full collection. Returns false where the runtime takes no V8 flags.
 * @param percent 1-1000 (default {@link DEFAULT_HEAP_GROWING_PERCENT})
 */
export function limitHeapGrowth(percent: number = DEFAULT_HEAP_GROWING_PERCENT): boolean {
  if (!Number.isInteger(percent) || percent < 1 || percent > 1000) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `heap growth must be a whole percent from 1 to 1000, got ${percent}`,
      {
        hint: 'use e.g. 100 (the default), or leave V8 its own heap sizing',
      },
    )
  }
  try {
    setFlagsFromString(`--heap-growing-percent=${percent}`)
    return true
  } catch {
    return false
  }
}

/** The environment variable that sets how far the V8 heap of a pipeline process may grow past what is alive. */
export const HEAP_GROWTH_ENV = 'SLUICE_HEAP_GROWTH_PERCENT'

/**
 * The heap growth percent from `SLUICE_HEAP_GROWTH_PERCENT` for {@link limitHeapGrowth}: unset gives
 * {@link DEFAULT_HEAP_GROWING_PERCENT} (100), or undefined with `pageWorkers`; `off` gives undefined (V8's own
 * sizing: a little faster, a larger heap at peak). Anything else than a whole percent from 1 to 1000 is a
 * `CONFIG_INVALID` error.
 *
 * Why not with page workers: the flag applies to every thread's heap, pages no longer reach the pipeline's
 * thread, and the workers' small heaps would be collected in full every few pages, which made runs slower.
 */
export function heapGrowthFromEnv(
  env: Record<string, string | undefined>,
  pageWorkers = false,
): number | undefined {
  const raw = env[HEAP_GROWTH_ENV]?.trim()
  if (raw === undefined || raw === '') return pageWorkers ? undefined : DEFAULT_HEAP_GROWING_PERCENT
  if (raw.toLowerCase() === 'off') return undefined
  const percent = Number(raw)
  if (!/^\d+$/.test(raw) || percent < 1 || percent > 1000) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `${HEAP_GROWTH_ENV}=${JSON.stringify(raw)} is not a whole percent from 1 to 1000`,
      { hint: "set e.g. 100 (the default), or off for V8's own heap sizing" },
    )
  }
  return percent
}

/** The semi-space each worker's young generation starts at under {@link holdYoungGeneration}: 8 MB. */
export const WORKER_SEMI_SPACE_MB = 8

/**
 * For a process whose pipeline runs page workers: keeps this thread's V8 young generation at the size it has now
 * (8 MB once the `sluice` CLI's modules are loaded; V8 grows it to 32 MB, which the main thread does not need when
 * workers parse the pages), and starts every worker created later at {@link WORKER_SEMI_SPACE_MB}, the most page
 * workers use. V8 reads `--semi-space-growth-factor` when a young generation grows and resets it to 2 whenever a
 * worker's heap is set up, so it is set again as each worker comes online. While workers run on a machine short of
 * CPU the young generation may still grow once (seen at load average 10 on 2 cores). Returns a function that stops
 * doing so, or undefined where the runtime takes no V8 flags (measurements: apps/bench/README.md, fix 25).
 */
export function holdYoungGeneration(): (() => void) | undefined {
  const apply = (): void => {
    setFlagsFromString('--semi-space-growth-factor=1')
    setFlagsFromString(`--min-semi-space-size=${WORKER_SEMI_SPACE_MB}`)
  }
  try {
    apply()
  } catch {
    return undefined
  }
  const onWorker = (message: unknown): void => {
    const worker = (message as { worker?: { once?(event: 'online', listener: () => void): void } }).worker
    worker?.once?.('online', apply)
  }
  subscribe('worker_threads', onWorker)
  return () => {
    unsubscribe('worker_threads', onWorker)
  }
}
