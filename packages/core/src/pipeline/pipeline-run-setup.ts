// Small pieces of a run's setup: the default sleep, the run's signal, the resources it extracts.
import { SluiceError } from '../errors.ts'
import type { Resource, Source } from '../source/source-types.ts'

/** Waits `ms` or until the signal aborts (the default `PipelineOptions.sleep`). */
export const DEFAULT_SLEEP: (ms: number, signal?: AbortSignal) => Promise<void> = (
  ms: number,
  signal?: AbortSignal,
): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

/** The later of two load ids. */
export function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Number(a) >= Number(b) ? a : b
}

/** A controller that aborts when `signal` does (and can abort alone). */
export function linkedSignal(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController()
  if (signal?.aborted) controller.abort(signal.reason)
  else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true })
  return controller
}

/** The resources a run extracts: all of the source's, or those named (each must exist). */
export function selectResources(source: Source, names: readonly string[] | undefined): Resource<object>[] {
  if (!names || names.length === 0) return [...source.resources]
  const byName = new Map(source.resources.map((r) => [r.name, r]))
  const unknown = names.filter((n) => !byName.has(n))
  if (unknown.length > 0) {
    throw new SluiceError('RESOURCE_UNKNOWN', `source ${source.name} has no resource ${unknown.join(', ')}`, {
      hint: `use one of ${[...byName.keys()].join(', ')}`,
    })
  }
  return names.map((n) => byName.get(n)!)
}
