// Tools about pipelines: what exists, where it loads, how the last run went, the incremental state.
import type { PackageInfo, RunTrace } from '@sluice/core'
import { listPipelines, pipeline } from '@sluice/core/node'
import { formatTable } from './mcp-format.ts'
import { type AnyTool, defineTool, OUTPUT_FORMAT } from './mcp-tool.ts'

/** The last run, small enough for an agent: steps with times, rows per table, warnings, the error and its hint. */
export interface RunSummary {
  startedAt: string
  finishedAt: string | null
  status: 'completed' | 'failed' | 'running or interrupted'
  destination: string
  dataset: string
  loadIds: string[]
  steps: { step: string; ms: number | null; error?: string }[]
  /** Rows loaded per table (extracted, when the run did not load). */
  rowsPerTable: Record<string, number>
  skippedResources: { resource: string; reason: string }[]
  warnings: string[]
  error: string | null
}

/** Summarizes a run trace (see {@link RunSummary}): rows loaded per table, else rows extracted. */
export function runSummary(trace: RunTrace): RunSummary {
  const rows: Record<string, number> = {}
  // rows loaded; a run that stopped before loading shows what it extracted
  const counted = trace.steps.some((s) => s.step === 'load' && s.rows) ? 'load' : 'extract'
  for (const step of trace.steps) {
    if (step.step !== counted || !step.rows) continue
    for (const [table, n] of Object.entries(step.rows)) rows[table] = (rows[table] ?? 0) + n
  }
  return {
    startedAt: trace.startedAt,
    finishedAt: trace.finishedAt ?? null,
    status: trace.error ? 'failed' : trace.finishedAt ? 'completed' : 'running or interrupted',
    destination: trace.destinationName,
    dataset: trace.datasetName,
    loadIds: trace.loadIds,
    steps: trace.steps.map((s) => ({
      step: s.loadId ? `${s.step} ${s.loadId}` : s.step,
      ms: s.ms ?? null,
      ...(s.error ? { error: s.error } : {}),
    })),
    rowsPerTable: Object.fromEntries(Object.entries(rows).sort(([a], [b]) => a.localeCompare(b))),
    skippedResources: trace.skippedResources,
    warnings: trace.warnings,
    error: trace.error ?? null,
  }
}

function pending(packages: readonly PackageInfo[]): { loadId: string; state: string; error?: string }[] {
  return packages
    .filter((p) => p.state !== 'loaded')
    .map((p) => ({ loadId: p.loadId, state: p.state, ...(p.error ? { error: p.error } : {}) }))
}

const json = (value: unknown): string => JSON.stringify(value, null, 2)

const listPipelinesTool = defineTool({
  name: 'list_pipelines',
  title: 'List pipelines',
  description:
    'Lists the sluice pipelines that have run on this machine (the pipelines directory), each with its destination, dataset and last run time. Start here to find the pipeline_name the other tools take.',
  pipeline: false,
  readOnly: true,
  input: { output_format: OUTPUT_FORMAT },
  async run(args, ctx) {
    const names = await listPipelines(ctx.pipelinesDir)
    const rows: unknown[][] = []
    for (const name of names) {
      const record = await pipeline({
        pipelineName: name,
        pipelinesDir: ctx.pipelinesDir,
      }).destinationRecord()
      rows.push([name, record?.name ?? null, record?.datasetName ?? null, record?.updatedAt ?? null])
    }
    const result = { columns: ['pipeline_name', 'destination', 'dataset', 'last_run'], rows }
    const text = names.length
      ? formatTable(result, args.output_format)
      : `no pipelines in ${ctx.pipelinesDir} yet: run one first (e.g. \`sluice run --demo\`)`
    return {
      text,
      structured: {
        pipelinesDir: ctx.pipelinesDir,
        pipelines: rows.map(([name, destination, dataset, lastRun]) => ({
          name,
          destination,
          dataset,
          lastRun,
        })),
      },
    }
  },
})

const pipelineInfoTool = defineTool({
  name: 'get_pipeline_info',
  title: 'Pipeline info',
  description:
    'Shows one pipeline: its destination (name and location, no secrets), dataset, schema version, the last run in brief and any load packages still pending (a pending package loads at the next run).',
  pipeline: true,
  readOnly: true,
  input: {},
  async run(_args, ctx) {
    const p = await ctx.open(ctx.pipelineName)
    const record = await p.destinationRecord()
    const schema = await p.schema()
    const trace = await p.lastTrace()
    const summary = trace ? runSummary(trace) : undefined
    const info = {
      pipelineName: p.pipelineName,
      pipelinesDir: p.pipelinesDir,
      destination: record ? { name: record.name, location: record.location } : null,
      dataset: record?.datasetName ?? null,
      schema: schema
        ? { name: schema.name, version: schema.version, tables: Object.keys(schema.tables).length }
        : null,
      lastRun: summary
        ? {
            startedAt: summary.startedAt,
            status: summary.status,
            rows: Object.values(summary.rowsPerTable).reduce((a, b) => a + b, 0),
            error: summary.error,
          }
        : null,
      pendingPackages: pending(await p.packages()),
    }
    return { text: json(info), structured: info }
  },
})

const lastRunTool = defineTool({
  name: 'get_last_run_summary',
  title: 'Last run summary',
  description:
    "Summarizes the pipeline's last run: steps with durations, rows per table, skipped resources, warnings, and the error with its hint when it failed. Use it to debug a run before reading any logs.",
  pipeline: true,
  readOnly: true,
  input: {},
  async run(_args, ctx) {
    const trace = await (await ctx.open(ctx.pipelineName)).lastTrace()
    if (!trace) {
      return { text: `pipeline ${ctx.pipelineName} has no run recorded yet`, structured: { summary: null } }
    }
    const summary = runSummary(trace)
    return { text: json(summary), structured: { summary } }
  },
})

const stateTool = defineTool({
  name: 'get_local_pipeline_state',
  title: 'Pipeline state',
  description:
    "Shows the pipeline's local state: per source and resource what incremental loading keeps between runs (cursors, windows). Use it to see where the next run will start.",
  pipeline: true,
  readOnly: true,
  input: {},
  async run(_args, ctx) {
    const state = (await (await ctx.open(ctx.pipelineName)).state()) ?? null
    return { text: json(state ?? {}), structured: { state } }
  },
})

/** The tools of this file, in the order clients list them. */
export const PIPELINE_TOOLS: readonly AnyTool[] = [
  listPipelinesTool,
  pipelineInfoTool,
  lastRunTool,
  stateTool,
]
