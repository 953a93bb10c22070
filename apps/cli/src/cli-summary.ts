import type { LoadInfo } from '@sluice/core'

/** The end-of-run summary, like dlt's load info. */
export function formatLoadInfo(info: LoadInfo): string {
  const seconds = (Date.parse(info.finishedAt) - Date.parse(info.startedAt)) / 1000
  const lines = [
    `Pipeline ${info.pipelineName} load step completed in ${seconds.toFixed(2)} s`,
    `${info.loadIds.length} load package(s) loaded to destination ${info.destinationName} at ${info.destinationLocation}`,
    `dataset: ${info.datasetName}`,
    `load id(s): ${info.loadIds.join(', ') || '(nothing new to load)'}`,
  ]
  if (info.resumedPackages.length > 0)
    lines.push(`resumed pending package(s): ${info.resumedPackages.join(', ')}`)
  const tables = Object.entries(info.tables).sort(([a], [b]) => a.localeCompare(b))
  if (tables.length > 0) {
    const width = Math.max(...tables.map(([t]) => t.length))
    lines.push('rows per table:')
    for (const [table, { rows }] of tables) lines.push(`  ${table.padEnd(width)}  ${rows}`)
  }
  for (const s of info.skippedResources) lines.push(`skipped resource ${s.resource}: ${s.reason}`)
  for (const w of info.warnings) lines.push(`warning: ${w}`)
  for (const f of info.failedJobs) lines.push(`failed job ${f.jobId} (${f.table}) in ${f.loadId}: ${f.error}`)
  return lines.join('\n')
}
