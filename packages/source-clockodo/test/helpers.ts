import {
  type PipelineEvent,
  pageRows,
  type ReplaceRange,
  type Resource,
  type ResourceState,
  type Source,
} from '@sluice/core'
import { createManualClock, type ManualClock } from '@sluice/core/testing'

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
    for (const row of pageRows(page)) run.rows.push(row as Record<string, unknown>)
  }
  return run
}

/** The resource named `name` of a source. */
export function resourceOf(source: Source, name: string): Resource<object> {
  const r = source.resources.find((x) => x.name === name)
  if (!r) throw new Error(`no resource ${name}`)
  return r
}

export type { ManualClock }

/** Core's manual test clock, starting at the Clockodo tests' "now" (no real sleeping). */
export function manualClock(start: number = Date.parse('2026-11-28T12:00:00Z')): ManualClock {
  return createManualClock(start)
}
