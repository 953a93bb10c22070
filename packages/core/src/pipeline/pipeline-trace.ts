import type { RunTrace, TraceStep } from '../storage/package-types.ts'
import { withLoadInfoMethods } from './pipeline-load-info.ts'
import type { LoadInfo } from './pipeline-types.ts'

/** The message of anything thrown (no stack). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * What one run records as it goes: the {@link LoadInfo} it returns and the {@link RunTrace} it leaves in
 * `trace.json` (both share their lists of load ids, resumed packages, skipped resources and warnings).
 */
export class RunRecord {
  readonly info: LoadInfo
  readonly trace: RunTrace
  /** The restore or extract step under way (ended with the error when the run fails in it). */
  private current: TraceStep | undefined

  constructor(names: { pipelineName: string; datasetName: string; destinationName: string }) {
    const startedAt = new Date().toISOString()
    this.info = withLoadInfoMethods({
      pipelineName: names.pipelineName,
      destinationName: names.destinationName,
      destinationLocation: '',
      datasetName: names.datasetName,
      loadIds: [],
      tables: {},
      schemaChanges: [],
      skippedResources: [],
      warnings: [],
      failedJobs: [],
      startedAt,
      finishedAt: startedAt,
      durations: { extract: 0, normalize: 0, load: 0 },
      resumedPackages: [],
    })
    this.trace = {
      pipelineName: names.pipelineName,
      datasetName: names.datasetName,
      destinationName: names.destinationName,
      startedAt,
      steps: [],
      loadIds: this.info.loadIds,
      resumedPackages: this.info.resumedPackages,
      skippedResources: this.info.skippedResources,
      warnings: this.info.warnings,
    }
  }

  /** Adds a step to the trace, started now. */
  step(name: TraceStep['step'], loadId?: string): TraceStep {
    const s: TraceStep = { step: name, startedAt: new Date().toISOString(), ...(loadId ? { loadId } : {}) }
    this.trace.steps.push(s)
    return s
  }

  /** Starts the restore or extract step; {@link fail} ends it when the run fails before {@link end}. */
  begin(name: 'restore' | 'extract', loadId?: string): TraceStep {
    this.current = this.step(name, loadId)
    return this.current
  }

  /** Ends the step {@link begin} started. */
  end(): TraceStep {
    const s = this.current!
    this.current = undefined
    endStep(s)
    return s
  }

  /** Records why the run failed: the step under way ends with the error. */
  fail(error: unknown): void {
    if (this.current && this.current.finishedAt === undefined) endStep(this.current, error)
    this.trace.error = messageOf(error)
  }

  /** Stamps the end of the run (durations rounded to whole milliseconds). */
  finish(): void {
    const info = this.info
    info.finishedAt = new Date().toISOString()
    for (const k of ['extract', 'normalize', 'load'] as const)
      info.durations[k] = Math.round(info.durations[k])
    this.trace.finishedAt = info.finishedAt
  }
}

/** Ends a step now (with the error's message when given). */
function endStep(s: TraceStep, error?: unknown): void {
  s.finishedAt = new Date().toISOString()
  s.ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt)
  if (error !== undefined) s.error = messageOf(error)
}
