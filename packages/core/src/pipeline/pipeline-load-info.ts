import { SluiceError } from '../errors.ts'
import type { LoadInfo } from './pipeline-types.ts'

/** The fields of a {@link LoadInfo}, without its methods. */
export type LoadInfoData = Omit<LoadInfo, 'hasFailedJobs' | 'raiseOnFailedJobs' | 'toString'>

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** The summary of a run as text, like dlt's load info (what `LoadInfo.toString()` returns). */
export function formatLoadInfo(info: LoadInfoData): string {
  const total = Date.parse(info.finishedAt) - Date.parse(info.startedAt)
  const d = info.durations
  const lines = [
    `Pipeline ${info.pipelineName} run completed in ${seconds(total)} (extract ${seconds(d.extract)}, normalize ${seconds(d.normalize)}, load ${seconds(d.load)})`,
    `${info.loadIds.length} load package(s) were loaded to destination ${info.destinationName} and into dataset ${info.datasetName}`,
    `The ${info.destinationName} destination used ${info.destinationLocation || '(no location)'} location to store data`,
  ]
  if (info.loadIds.length === 0) lines.push('(nothing new to load)')
  for (const loadId of info.loadIds) {
    const failed = info.failedJobs.filter((f) => f.loadId === loadId).length
    lines.push(
      failed === 0
        ? `Load package ${loadId} is LOADED and contains no failed jobs`
        : `Load package ${loadId} is ABORTED and contains ${failed} failed job(s)`,
    )
  }
  if (info.resumedPackages.length > 0)
    lines.push(`resumed pending package(s): ${info.resumedPackages.join(', ')}`)
  const tables = Object.entries(info.tables).sort(([a], [b]) => a.localeCompare(b))
  if (tables.length > 0) {
    const width = Math.max(...tables.map(([t]) => t.length))
    lines.push('rows per table:')
    for (const [table, { rows }] of tables) lines.push(`  ${table.padEnd(width)}  ${rows}`)
  }
  if (info.refresh) {
    const { mode, droppedTables, emptiedTables } = info.refresh
    lines.push(
      `refresh ${mode}: ${droppedTables.length ? `dropped ${droppedTables.join(', ')}` : 'dropped no table'}${emptiedTables.length ? `; emptied ${emptiedTables.join(', ')}` : ''}`,
    )
  }
  if (info.schemaChanges.length > 0) lines.push(`${info.schemaChanges.length} schema change(s)`)
  for (const s of info.skippedResources) lines.push(`skipped resource ${s.resource}: ${s.reason}`)
  for (const w of info.warnings) lines.push(`warning: ${w}`)
  for (const f of info.failedJobs) lines.push(`failed job ${f.jobId} (${f.table}) in ${f.loadId}: ${f.error}`)
  return lines.join('\n')
}

/**
 * Gives a run's load info its methods (`hasFailedJobs`, `raiseOnFailedJobs()`, `toString()`, and the same text
 * for `console.log`), none of them enumerable: `JSON.stringify(info)` holds the data only.
 */
export function withLoadInfoMethods(data: LoadInfoData): LoadInfo {
  const info = data as LoadInfo
  const text = () => formatLoadInfo(info)
  Object.defineProperties(info, {
    hasFailedJobs: { get: () => info.failedJobs.length > 0, enumerable: false },
    raiseOnFailedJobs: {
      value: () => {
        const [first] = info.failedJobs
        if (!first) return
        throw new SluiceError(
          'LOAD_JOB_FAILED',
          `${info.failedJobs.length} job(s) of pipeline ${info.pipelineName} failed; the first: ${first.jobId} (table ${first.table}) in load package ${first.loadId}: ${first.error}`,
          { hint: `see \`sluice pipeline ${info.pipelineName} failed-jobs\`` },
        )
      },
      enumerable: false,
    },
    toString: { value: text, enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: text, enumerable: false },
    [Symbol.for('Deno.customInspect')]: { value: text, enumerable: false },
  })
  return info
}
