// The end-to-end scenarios: the Clockodo source's entries over HTTP into DuckDB, PostgreSQL and the filesystem,
// each run twice, interleaved with the floor (the machine may be shared: the faster run counts, both are noted).
import { CONCURRENCY } from './bench-common.ts'
import { bothRuns, log, type Measured, measure, rate, section } from './bench-measure.ts'
import { e2eDuckdbOnly } from './bench-options.ts'
import { type BenchResult, benchResult, fasterOf, ratioTarget } from './bench-report.ts'
import type { BenchPostgres } from './postgres-server.ts'

/** What the e2e section reads and updates: the results, the targets, the floor and the faster DuckDB run. */
export interface E2eOutput {
  results: BenchResult[]
  targets: string[]
  floor: Measured
  e2eDuck: Measured | undefined
}

/** Runs the e2e scenarios (PostgreSQL on the server `startPg` gives, unless `--only e2e-duckdb`). */
export async function e2eSection(
  input: { baseUrl: string; range: { start: string; end: string }; urlsFile: string },
  out: E2eOutput,
  startPg: () => Promise<BenchPostgres>,
): Promise<void> {
  const { baseUrl, urlsFile } = input
  let floor = out.floor
  const e2e = { kind: 'e2e' as const, baseUrl, startDate: input.range.start, endDate: input.range.end }
  // the machine may be shared: floor and e2e DuckDB run twice, interleaved, and the faster of each counts
  const first = await measure('e2e duckdb', { ...e2e, destination: 'duckdb' })
  const floor2 = await measure('floor: fetch + parse (again)', {
    kind: 'floor',
    urlsFile,
  })
  const second = await measure('e2e duckdb (again)', { ...e2e, destination: 'duckdb' })
  floor = fasterOf([floor, floor2])
  out.floor = floor
  const floorIndex = out.results.findIndex((r) => r.scenario.startsWith('floor: fetch'))
  out.results[floorIndex] = benchResult(
    `floor: fetch + JSON.parse, ${CONCURRENCY} in flight`,
    floor,
    1,
    'the same entries pages as the e2e runs; the faster of 2 runs',
  )
  const e2eDuck = record(out, floor, [first, second], 'e2e: HTTP -> DuckDB', ['e2e DuckDB', 0.75])
  out.e2eDuck = e2eDuck
  const cpu = (e2eDuck.extra?.['cpuSeconds'] ?? 0) / (floor.extra?.['cpuSeconds'] ?? Number.NaN)
  out.targets.push(
    `${cpu <= 2 ? 'MET   ' : 'MISSED'} e2e DuckDB CPU ${cpu.toFixed(1)}x the floor's (target <= 2x)`,
  )
  if (e2eDuckdbOnly) return
  // PostgreSQL and the filesystem twice each too, interleaved
  const fsRuns: Measured[] = []
  const fsRun = async (label: string) => {
    await section('e2e filesystem', async () => {
      fsRuns.push(await measure(label, { ...e2e, destination: 'filesystem' }))
    })
  }
  const pgRuns: Measured[] = []
  try {
    const pg = await startPg()
    const pgE2e = { ...e2e, destination: 'postgres', postgresUrl: pg.url }
    pgRuns.push(await measure('e2e postgres', pgE2e))
    await fsRun('e2e filesystem parquet')
    pgRuns.push(await measure('e2e postgres (again)', pgE2e))
    record(out, floor, pgRuns, 'e2e: HTTP -> PostgreSQL (COPY)', ['e2e PostgreSQL', 0.7])
  } catch (error) {
    log(`PostgreSQL skipped: ${(error as Error).message}`)
    out.results.push(
      benchResult(
        'e2e: HTTP -> PostgreSQL (COPY)',
        { rows: 0, seconds: 0, peakRssMb: 0 },
        null,
        `not run: ${(error as Error).message.split('\n')[0]}`,
      ),
    )
  }
  await fsRun(fsRuns.length === 0 ? 'e2e filesystem parquet' : 'e2e filesystem parquet (again)')
  if (fsRuns.length > 0) {
    const target: [string, number] = ['e2e filesystem parquet', 0.5]
    record(out, floor, fsRuns, 'e2e: HTTP -> filesystem (parquet)', target, 'append (no merge there); ')
  }
}

/**
 * Adds the faster of `runs` to the results (its ratio to the floor, and both runs in the note after `note`) and
 * its ratio target (`[name, at least]`); returns that run.
 */
function record(
  out: E2eOutput,
  floor: Measured,
  runs: Measured[],
  scenario: string,
  [name, target]: [string, number],
  note = '',
): Measured {
  const faster = fasterOf(runs)
  const ratio = rate(faster) / rate(floor)
  out.results.push(benchResult(scenario, faster, ratio, `${note}${bothRuns(runs, floor)}`))
  out.targets.push(ratioTarget(name, ratio, target))
  return faster
}
