import { setFlagsFromString } from 'node:v8'
import { SluiceError } from '../errors.ts'

/** Default of {@link limitHeapGrowth}: the heap may grow by half of what survived the last full collection. */
export const DEFAULT_HEAP_GROWING_PERCENT = 50

/**
 * Makes V8 collect its old generation sooner: after a full collection the heap may grow by `percent` of what
 * survived it before the next one, instead of V8's own factor (up to 300%, picked for throughput). A load's garbage
 * is mostly things that lived a little while (response bodies, parsed pages, rows, CSV chunks), so the heap
 * otherwise swells far past what is alive: 1M Clockodo entries over HTTP peaked at a 106-111 MB V8 heap with 50
 * instead of 198-205 MB, about 200 MB instead of 300 MB resident into PostgreSQL, for up to 6% more time.
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
        hint: 'use e.g. 50 (the default), or leave V8 its own heap sizing',
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
 * {@link DEFAULT_HEAP_GROWING_PERCENT} (50), `off` gives undefined (V8's own sizing: up to 6% faster, about 100 MB
 * more at peak). Anything else than a whole percent from 1 to 1000 is a `CONFIG_INVALID` error.
 */
export function heapGrowthFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = env[HEAP_GROWTH_ENV]?.trim()
  if (raw === undefined || raw === '') return DEFAULT_HEAP_GROWING_PERCENT
  if (raw.toLowerCase() === 'off') return undefined
  const percent = Number(raw)
  if (!/^\d+$/.test(raw) || percent < 1 || percent > 1000) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `${HEAP_GROWTH_ENV}=${JSON.stringify(raw)} is not a whole percent from 1 to 1000`,
      { hint: "set e.g. 50 (the default), or off for V8's own heap sizing" },
    )
  }
  return percent
}
