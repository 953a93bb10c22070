import { isSluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import type { RunTrace, TraceStep, TraceWaits } from '../storage/package-types.ts'
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
  /** The entries of `trace.waits`, by resource. */
  private readonly waits = new Map<string | undefined, TraceWaits>()

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

  /** Counts the retries and rate-limit waits among the run's events, per resource. */
  observe(e: PipelineEvent): void {
    if (e.type !== 'retry' && e.type !== 'rate-limit-wait') return
    let w = this.waits.get(e.resource)
    if (!w) {
      w = { ...(e.resource === undefined ? {} : { resource: e.resource }), ...NO_WAITS }
      this.waits.set(e.resource, w)
      this.trace.waits ??= []
      this.trace.waits.push(w)
    }
    const ms = Math.max(0, Math.round(e.waitMs))
    if (e.type === 'retry') {
      w.retries++
      w.retryWaitMs += ms
    } else {
      w.rateLimitWaits++
      w.rateLimitWaitMs += ms
    }
  }

  /** Records why the run failed: the step under way ends with the error; message, code, hint and stack. */
  fail(error: unknown): void {
    if (this.current && this.current.finishedAt === undefined) endStep(this.current, error)
    const trace = this.trace
    trace.error = messageOf(error)
    if (isSluiceError(error)) {
      trace.errorCode = error.code
      if (error.hint !== undefined) trace.errorHint = error.hint
    }
    const stack = stackOf(error)
    if (stack !== undefined) trace.errorStack = stack
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

const NO_WAITS = { retries: 0, retryWaitMs: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 } as const

/**
 * The stack of an error, safe to store: the first line is built from the current message (which is what
 * `messageOf` stores and what the code that threw redacted), then only the call frames of the stack text; the
 * stack's own first lines are dropped, as they keep the message the error had when it was built. Frames are
 * recognised in V8's format (Node.js, Deno); elsewhere the stack is the first line alone.
 */
function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const lines = typeof error.stack === 'string' ? error.stack.split('\n') : []
  let first = lines.length
  while (first > 0 && /^\s+at \S/.test(lines[first - 1]!)) first--
  return [`${error.name}: ${error.message}`, ...lines.slice(first)].join('\n')
}

/** Ends a step now (with the error's message when given). */
function endStep(s: TraceStep, error?: unknown): void {
  s.finishedAt = new Date().toISOString()
  s.ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt)
  if (error !== undefined) s.error = messageOf(error)
}
