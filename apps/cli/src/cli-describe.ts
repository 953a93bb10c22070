// Human-readable `sluice pipeline NAME info` and `trace` (`--json` prints the objects instead).
import type { RunTrace } from '@sluice/core'

/** What `pipeline info` shows; also its `--json` output. */
export interface PipelineInfo {
  pipelineName: string
  pipelinesDir: string
  datasetName: string | null
  destination: { name: string; location: string; lastRun: string } | null
  schema: { name: string; version: number; tables: number } | null
  packages: { loadId: string; state: string }[]
  /** Resources with incremental state, per source. */
  resources: Record<string, string[]>
}

const ms = (n: number | undefined) =>
  n === undefined ? '-' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(2)} s`

/** `pipeline info` for people. */
export function describeInfo(info: PipelineInfo): string {
  const lines = [`pipeline ${info.pipelineName} (in ${info.pipelinesDir})`]
  lines.push(
    info.destination
      ? `  destination  ${info.destination.name} at ${info.destination.location}, dataset ${info.datasetName}`
      : '  destination  (none recorded yet: run it first)',
  )
  if (info.destination) lines.push(`  last run     ${info.destination.lastRun}`)
  lines.push(
    info.schema
      ? `  schema       ${info.schema.name} version ${info.schema.version}, ${info.schema.tables} tables`
      : '  schema       (none yet)',
  )
  for (const [source, resources] of Object.entries(info.resources)) {
    lines.push(`  state        ${source}: ${resources.length ? resources.join(', ') : '(no resource state)'}`)
  }
  const counts = new Map<string, number>()
  for (const p of info.packages) counts.set(p.state, (counts.get(p.state) ?? 0) + 1)
  lines.push(
    `  packages     ${info.packages.length}${counts.size ? ` (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')})` : ''}`,
  )
  for (const p of info.packages) lines.push(`    ${p.loadId}  ${p.state}`)
  return lines.join('\n')
}

/** `pipeline trace` for people: the run, its steps with times and rows, warnings and the error. */
export function describeTrace(trace: RunTrace): string {
  const total =
    trace.finishedAt === undefined ? undefined : Date.parse(trace.finishedAt) - Date.parse(trace.startedAt)
  const lines = [
    `last run of pipeline ${trace.pipelineName}: ${trace.error ? 'failed' : trace.finishedAt ? 'succeeded' : 'did not finish'}`,
    `  started ${trace.startedAt}${trace.finishedAt ? `, finished ${trace.finishedAt} (${ms(total)})` : ''}`,
    `  destination ${trace.destinationName}, dataset ${trace.datasetName}`,
    `  load packages: ${trace.loadIds.join(', ') || '(none)'}`,
  ]
  if (trace.resumedPackages.length) lines.push(`  resumed: ${trace.resumedPackages.join(', ')}`)
  lines.push('steps:')
  for (const s of trace.steps) {
    const rows = Object.values(s.rows ?? {}).reduce((a, b) => a + b, 0)
    const tables = Object.keys(s.rows ?? {}).length
    lines.push(
      `  ${s.step.padEnd(9)} ${ms(s.ms).padStart(9)}${s.rows ? `  ${rows} rows in ${tables} tables` : ''}${s.loadId ? `  (${s.loadId})` : ''}`,
    )
    if (s.error) lines.push(`    error: ${s.error}`)
  }
  for (const r of trace.skippedResources) lines.push(`skipped resource ${r.resource}: ${r.reason}`)
  for (const w of trace.warnings) lines.push(`warning: ${w}`)
  if (trace.error) lines.push(`error: ${trace.error}`)
  lines.push('(--json for every field, with rows per table)')
  return lines.join('\n')
}
