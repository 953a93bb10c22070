// The streaming scenario: rows read back through the dataset API (`relation.iterRows`) from DuckDB and PostgreSQL,
// at two sizes, each read in a fresh process, so that the peak RSS shows whether memory stays flat.
import { join } from 'node:path'
import type { Source } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { secondsSince } from './bench-common.ts'
import type { BenchResult } from './bench-report.ts'
import { benchDestination, dropPostgresDataset, type RunResult } from './bench-scenarios.ts'

/** Where the streamed rows live: a pipeline of its own in the bench's work directory. */
export interface StreamTarget {
  destination: 'duckdb' | 'postgres'
  workDir: string
  postgresUrl?: string
}

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson']

/** Rows shaped like Clockodo entries (ids, a name, a timestamp, a duration, a text), generated in pages. */
function entriesSource(rows: number): Source {
  return {
    name: 'stream',
    resources: [
      {
        name: 'entries',
        primaryKey: 'id',
        async *read() {
          const start = Date.UTC(2024, 0, 1)
          for (let first = 0; first < rows; first += 5000) {
            const page = []
            for (let id = first; id < Math.min(rows, first + 5000); id++) {
              page.push({
                id,
                users_id: id % 50,
                users_name: NAMES[id % NAMES.length],
                time_since: new Date(start + id * 60_000).toISOString(),
                duration: 600 + (id % 7200),
                billable: id % 3,
                text: `entry ${id} of the streaming benchmark`,
              })
            }
            yield page
          }
        },
      },
    ],
  }
}

const DATASET = 'bench_stream'

function pipelineOf(target: StreamTarget, withDestination: boolean) {
  const base = {
    pipelineName: `stream_${target.destination}`,
    pipelinesDir: join(target.workDir, 'stream-pipelines'),
  }
  if (!withDestination) return pipeline(base)
  return pipeline({
    ...base,
    destination: benchDestination(target.destination, target.workDir, target.postgresUrl),
    datasetName: DATASET,
  })
}

/** Loads `rows` generated entries into the target (what the reads then stream). */
export async function streamLoad(target: StreamTarget, rows: number): Promise<RunResult> {
  // a dataset left by an earlier run on a server of one's own (SLUICE_BENCH_POSTGRES_URL) starts over
  if (target.postgresUrl) await dropPostgresDataset(target.postgresUrl, DATASET)
  const p = pipelineOf(target, true)
  const start = performance.now()
  const info = await p.run(entriesSource(rows))
  return { rows: info.tables['entries']?.rows ?? 0, seconds: secondsSince(start) }
}

/**
 * Reads `rows` entries back through `iterRows` (1,000 a chunk), in a process of its own: the pipeline is found by
 * name (its record says where the data is), nothing but the count is kept. No ORDER BY: a sort of 1M rows would
 * measure the engine's sort memory (DuckDB's grew to about 400 MB), not the streaming.
 */
export async function streamRead(target: StreamTarget, rows: number): Promise<RunResult> {
  const data = pipelineOf(target, false).dataset()
  try {
    const start = performance.now()
    let count = 0
    for await (const chunk of data.table('entries').limit(rows).iterRows({ chunkSize: 1000 }))
      count += chunk.length
    return { rows: count, seconds: secondsSince(start) }
  } finally {
    await data.close()
  }
}

/** One measurement of the bench (a job in a fresh child process) and its peak RSS. */
export type StreamMeasure = (
  label: string,
  job:
    | { kind: 'stream-load'; target: StreamTarget; rows: number }
    | { kind: 'stream-read'; target: StreamTarget; rows: number },
) => Promise<RunResult & { peakRssMb: number }>

/**
 * The streaming section: for each destination, loads the largest size once, then streams each size in a fresh
 * process, adding results and verdicts as it goes (a destination that fails keeps the others' figures). Memory is
 * flat when the largest read peaks within 20% of the smallest.
 */
export async function streamSection(
  measure: StreamMeasure,
  targets: StreamTarget[],
  sizes: readonly number[],
  out: { results: BenchResult[]; verdicts: string[] },
  benchResult: (
    scenario: string,
    m: RunResult & { peakRssMb: number },
    ratio: number | null,
    note?: string,
  ) => BenchResult,
): Promise<void> {
  const largest = Math.max(...sizes)
  for (const target of targets) {
    const name = target.destination === 'duckdb' ? 'DuckDB' : 'PostgreSQL'
    await measure(`stream: load ${largest} rows into ${name}`, { kind: 'stream-load', target, rows: largest })
    const reads = []
    for (const rows of sizes) {
      const m = await measure(`stream: iterRows ${rows} rows from ${name}`, {
        kind: 'stream-read',
        target,
        rows,
      })
      if (m.rows !== rows) throw new Error(`stream from ${name}: read ${m.rows} rows of ${rows}`)
      reads.push(m)
      out.results.push(
        benchResult(
          `stream: iterRows ${rows.toLocaleString('en-US')} rows <- ${name}`,
          m,
          null,
          `dataset().table(entries).limit(n), chunks of 1,000, in a fresh process; peak V8 heap ${m.extra?.['peakHeapMb'] ?? '?'} MB`,
        ),
      )
    }
    const small = reads[0]!
    const big = reads.at(-1)!
    const growth = big.peakRssMb / small.peakRssMb - 1
    out.verdicts.push(
      `${growth <= 0.2 ? 'MET   ' : 'MISSED'} streaming ${big.rows.toLocaleString('en-US')} rows from ${name} peaks at ${big.peakRssMb} MB, ${small.rows.toLocaleString('en-US')} rows at ${small.peakRssMb} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}%, target within 20%; V8 heap ${small.extra?.['peakHeapMb']} -> ${big.extra?.['peakHeapMb']} MB)`,
    )
  }
}
