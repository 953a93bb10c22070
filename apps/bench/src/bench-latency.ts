// The latency-bound scenarios: an account that answers after a fixed latency, read through the pipeline into DuckDB
// or by the source alone, with Clockodo's real rate limits in the client.
import { join } from 'node:path'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import {
  benchDuckdbOptions,
  benchEntries,
  benchPageWorkers,
  fastLimiterClock,
  removeDir,
  secondsSince,
  tempDir,
} from './bench-common.ts'
import { readResource, recordingFetch } from './bench-prepare.ts'
import { type RunResult, steps } from './bench-scenarios.ts'

/**
 * Latency-bound: the entries of [startDate, endDate) from an account answering after a fixed latency, pages of
 * `itemsPerPage` entries, with Clockodo's real rate limits in the client, through the pipeline into DuckDB.
 */
export async function latencyRun(options: {
  baseUrl: string
  startDate: string
  endDate: string
  itemsPerPage: number
  maxInFlight: number
  warmOnly?: boolean
}): Promise<RunResult> {
  const dir = await tempDir('latency')
  const urls: string[] = []
  try {
    const source = benchEntries(
      options,
      {
        windowDays: 366,
        maxInFlight: options.maxInFlight,
        fetch: recordingFetch(urls, options.itemsPerPage),
      },
      options.warmOnly ? { clock: fastLimiterClock() } : {},
    )
    const p = pipeline({
      pipelineName: 'bench',
      destination: duckdb({ path: join(dir, 'bench.duckdb'), ...benchDuckdbOptions() }),
      datasetName: 'bench_data',
      pipelinesDir: join(dir, 'pipelines'),
      ...benchPageWorkers(),
    })
    const start = performance.now()
    const info = await p.run(source)
    return {
      rows: info.tables.entries?.rows ?? 0,
      seconds: secondsSince(start),
      extra: { requests: urls.length, ...steps(info) },
    }
  } finally {
    await removeDir(dir)
  }
}

/**
 * The source alone over the latency-bound account (no pipeline, no files, no destination): how well parallel
 * pages hide the latency, with Clockodo's real rate limits.
 */
export async function latencyRead(options: {
  baseUrl: string
  startDate: string
  endDate: string
  itemsPerPage: number
  maxInFlight: number
}): Promise<RunResult> {
  const urls: string[] = []
  const source = benchEntries(options, {
    windowDays: 366,
    maxInFlight: options.maxInFlight,
    fetch: recordingFetch(urls, options.itemsPerPage),
  })
  let rows = 0
  const start = performance.now()
  await readResource(source, 'entries', (page) => {
    rows += page.length
  })
  return { rows, seconds: secondsSince(start), extra: { requests: urls.length } }
}
