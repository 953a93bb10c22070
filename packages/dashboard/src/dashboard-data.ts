// What the dashboard reads from a pipeline's local files (no destination is opened): the home list, a pipeline's
// header, schema, state and trace, its load packages, and the stamp the page polls to see a new run.
import type { DestinationRecord, PackageInfo, Pipeline, RunTrace } from '@sluice/core'
import { type OpenPipelineOptions, pipelineSummaries } from '@sluice/core/node'
import { stringify } from 'yaml'

/** Where a pipeline loads, as the page shows it: no settings, only the location people recognize. */
export interface DestinationView {
  name: string
  location: string
  datasetName: string
  updatedAt: string
}

/** A pipeline of the home page. */
export interface PipelineListItem {
  name: string
  destination: DestinationView | null
  lastRun: { startedAt: string; finishedAt: string | null; status: RunStatus; error: string | null } | null
}

/** How the last run ended; `running` while a trace has no end (a run that was stopped hard). */
export type RunStatus = 'succeeded' | 'failed' | 'running'

/** A load package as the page shows it. */
export interface PackageView {
  loadId: string
  state: PackageInfo['state']
  schemaName: string
  createdAt: string
  updatedAt: string
  attempts: number
  error: string | null
  /** Rows per table. */
  tables: Record<string, number>
  jobs: {
    jobId: string
    table: string
    rows: number
    bytes: number
    state: string
    retries: number
    error: string | null
  }[]
  skippedResources: { resource: string; reason: string }[]
  warnings: string[]
}

/** Everything of a pipeline's page that comes from its local files. */
export interface PipelineView {
  name: string
  pipelinesDir: string
  datasetName: string | null
  destination: DestinationView | null
  trace: RunTrace | null
  status: RunStatus | null
  packages: PackageView[]
  schema: unknown
  schemaYaml: string | null
  state: unknown
  stamp: string
}

function destinationView(record: DestinationRecord | undefined): DestinationView | null {
  if (!record) return null
  return {
    name: record.name,
    location: record.location,
    datasetName: record.datasetName,
    updatedAt: record.updatedAt,
  }
}

/** How a run ended, from its trace. */
export function runStatus(trace: RunTrace): RunStatus {
  if (trace.error !== undefined || trace.steps.some((s) => s.error !== undefined)) return 'failed'
  return trace.finishedAt === undefined ? 'running' : 'succeeded'
}

/** The pipelines of the directory, newest run first (never run: last, by name). */
export async function listView(options: OpenPipelineOptions): Promise<PipelineListItem[]> {
  const summaries = await pipelineSummaries(options)
  const items = summaries.map((s) => ({
    name: s.name,
    destination: destinationView(s.destination),
    lastRun: s.lastTrace
      ? {
          startedAt: s.lastTrace.startedAt,
          finishedAt: s.lastTrace.finishedAt ?? null,
          status: runStatus(s.lastTrace),
          error: s.lastTrace.error ?? null,
        }
      : null,
  }))
  return items.sort((a, b) => (b.lastRun?.startedAt ?? '').localeCompare(a.lastRun?.startedAt ?? ''))
}

function packageView(p: PackageInfo): PackageView {
  return {
    loadId: p.loadId,
    state: p.state,
    schemaName: p.schemaName,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    attempts: p.attempts,
    error: p.error ?? null,
    tables: Object.fromEntries(Object.entries(p.tables).map(([t, info]) => [t, info.rows])),
    jobs: p.jobs.map((j) => ({
      jobId: j.jobId,
      table: j.table,
      rows: j.rows,
      bytes: j.bytes,
      state: j.state,
      retries: j.retries,
      error: j.error ?? null,
    })),
    skippedResources: p.skippedResources,
    warnings: p.warnings,
  }
}

/** What changes when a run ends: the page reloads its data when this does. */
export async function stampOf(p: Pipeline): Promise<string> {
  const [trace, packages] = await Promise.all([p.lastTrace(), p.packages()])
  return JSON.stringify([
    trace?.startedAt,
    trace?.finishedAt,
    trace?.error,
    packages.map((k) => `${k.loadId}:${k.state}`),
  ])
}

/** A pipeline's page data from its local files. */
export async function pipelineView(p: Pipeline): Promise<PipelineView> {
  const [record, trace, packages, schema, state, stamp] = await Promise.all([
    p.destinationRecord(),
    p.lastTrace(),
    p.packages(),
    p.schema(),
    p.state(),
    stampOf(p),
  ])
  return {
    name: p.pipelineName,
    pipelinesDir: p.pipelinesDir,
    datasetName: record?.datasetName ?? trace?.datasetName ?? null,
    destination: destinationView(record),
    trace: trace ?? null,
    status: trace ? runStatus(trace) : null,
    packages: packages.map(packageView).reverse(),
    schema: schema ?? null,
    schemaYaml: schema ? stringify(schema) : null,
    state: state ?? null,
    stamp,
  }
}
