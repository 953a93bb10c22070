#!/usr/bin/env node
// pnpm bench [-- --quick] [-- --only <scenario>[,<scenario>]]: runs the benchmarks and writes results/latest.json.
// Every measurement runs in its own child process, the account server in another. The scenarios, their order and
// the servers they share read top to bottom; the command line is in bench-options.ts, the workers in bench-measure.ts.
import type { ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { backfillSection } from './bench-backfill.ts'
import { CONCURRENCY, removeDir, tempDir } from './bench-common.ts'
import { e2eSection } from './bench-e2e.ts'
import {
  failures,
  log,
  type Measured,
  measure,
  rate,
  section,
  startMock,
  stopChild,
} from './bench-measure.ts'
import { ACCOUNT, HISTORY_START, LATENCY_ACCOUNT, only, onlyGiven, quick, SIZE } from './bench-options.ts'
import { countEntries, endDateFor, type PreparedFiles } from './bench-prepare.ts'
import { processSection } from './bench-process.ts'
import { type BenchResult, benchResult, fasterOf, writeReport } from './bench-report.ts'
import { type StreamTarget, streamSection } from './bench-stream.ts'
import { type BenchPostgres, startBenchPostgres } from './postgres-server.ts'

async function main(): Promise<void> {
  const results: BenchResult[] = []
  const targets: string[] = []
  const workDir = await tempDir('work')
  const children: ChildProcess[] = []
  let pg: BenchPostgres | undefined
  const started = performance.now()
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')
  try {
    const needMain = ['e2e', 'process', 'normalize', 'naive', 'memory'].some((s) => only.has(s))
    let baseUrl = ''
    let prepared: PreparedFiles | undefined
    let e2eRange = { start: HISTORY_START, end: HISTORY_START }
    if (needMain) {
      const mock = await startMock(ACCOUNT)
      children.push(mock.child)
      baseUrl = mock.baseUrl
      e2eRange = {
        start: HISTORY_START,
        end: await endDateFor(baseUrl, HISTORY_START, SIZE.e2eRows, 365 * 5),
      }
      log(`account server at ${baseUrl}; e2e range ${e2eRange.start}..${e2eRange.end}`)
    }
    if (only.has('e2e') || only.has('normalize') || only.has('naive')) {
      const m = await measure('warm the account cache (prepare)', {
        kind: 'prepare',
        baseUrl,
        startDate: e2eRange.start,
        endDate: e2eRange.end,
        workDir,
      })
      prepared = m.prepared as PreparedFiles
    }

    let floor: Measured | undefined
    let e2eDuck: Measured | undefined
    if (prepared && (only.has('e2e') || only.has('naive'))) {
      floor = await measure('floor: fetch + parse', { kind: 'floor', urlsFile: prepared.urls })
      results.push(
        benchResult(
          `floor: fetch + JSON.parse, ${CONCURRENCY} in flight`,
          floor,
          1,
          'the same entries pages as the e2e runs',
        ),
      )
    }
    if (prepared && floor && only.has('e2e')) {
      const out = { results, targets, floor, e2eDuck }
      await section('e2e', () =>
        e2eSection({ baseUrl, range: e2eRange, urlsFile: prepared.urls }, out, async () => {
          pg ??= await startBenchPostgres()
          return pg
        }),
      )
      floor = out.floor
      e2eDuck = out.e2eDuck
    }

    if (only.has('process'))
      await section('process', () => processSection(baseUrl, workDir, { results, targets }))

    if (prepared && only.has('normalize'))
      await section('normalize', async () => {
        // the machine may be shared: read_json and normalize + load run twice, interleaved, and the faster of each counts
        const readJsonJob = { kind: 'read-json' as const, ndjson: prepared.ndjson }
        const normalizeLoadJob = {
          kind: 'normalize-load' as const,
          templateFile: prepared.entriesTemplate,
          rows: SIZE.normalizeLoadRows,
        }
        const readJsonRuns = [await measure('floor: duckdb read_json', readJsonJob)]
        const nlRuns = [await measure('normalize + load', normalizeLoadJob)]
        readJsonRuns.push(await measure('floor: duckdb read_json (again)', readJsonJob))
        nlRuns.push(await measure('normalize + load (again)', normalizeLoadJob))
        const readJson = fasterOf(readJsonRuns)
        const nl = fasterOf(nlRuns)
        results.push(
          benchResult(
            'floor: DuckDB read_json of the NDJSON file',
            readJson,
            1,
            'explicit columns, local file; the faster of 2 runs',
          ),
        )
        results.push(
          benchResult(
            'no HTTP: normalize + load -> DuckDB',
            nl,
            rate(nl) / rate(readJson),
            'ratio against DuckDB read_json; the faster of 2 runs',
          ),
        )
        targets.push(
          `${rate(nl) >= 200_000 ? 'MET   ' : 'MISSED'} normalize + load at ${Math.round(rate(nl)).toLocaleString('en-US')} entries/s (target >= 200,000)`,
        )
        const ne = await measure('normalize entries', {
          kind: 'normalize',
          templateFile: prepared.entriesTemplate,
          table: 'entries',
          rows: SIZE.normalizeEntries,
          pageSize: 1000,
        })
        results.push(benchResult('no HTTP: normalize alone, flat entries', ne, null))
        const np = await measure('normalize projects', {
          kind: 'normalize',
          templateFile: prepared.projectsTemplate,
          table: 'projects',
          rows: SIZE.normalizeProjects,
          pageSize: 1000,
        })
        results.push(
          benchResult(
            'no HTTP: normalize alone, nested projects',
            np,
            null,
            `root rows; plus ${np.extra?.childRows ?? 0} child-table rows`,
          ),
        )
      })

    if (prepared && only.has('naive'))
      await section('naive', async () => {
        const naive = await measure('naive script', {
          kind: 'naive',
          urlsFile: prepared.urls,
          pages: SIZE.naivePages,
        })
        const against = e2eDuck ?? floor
        results.push(
          benchResult(
            'naive: pages one at a time, one INSERT per row',
            naive,
            floor ? rate(naive) / rate(floor) : null,
            `${naive.rows.toLocaleString('en-US')} rows only (1M single INSERTs would take too long); compare rows/s`,
          ),
        )
        if (against) {
          const factor = rate(against) / rate(naive)
          targets.push(
            `${factor >= 10 ? 'MET   ' : 'MISSED'} naive script ${factor.toFixed(1)}x slower than ${e2eDuck ? 'sluice e2e DuckDB' : 'the floor'} (target >= 10x)`,
          )
        }
      })

    if (only.has('latency'))
      await section('latency', async () => {
        const lat = await startMock({ ...LATENCY_ACCOUNT, latencyMs: SIZE.latencyMs })
        children.push(lat.child)
        const startDate = '2026-01-01'
        const endDate = '2027-01-01'
        const count = await countEntries(lat.baseUrl, startDate, endDate)
        const itemsPerPage = Math.ceil(count / SIZE.latencyPages)
        const job = { kind: 'latency' as const, baseUrl: lat.baseUrl, startDate, endDate, itemsPerPage }
        await measure('latency: warm the cache', { ...job, maxInFlight: CONCURRENCY, warmOnly: true })
        const par = await measure('latency parallel', { ...job, maxInFlight: CONCURRENCY })
        const seq = await measure('latency sequential', { ...job, maxInFlight: 1 })
        const read = await measure('latency: source read alone', {
          ...job,
          kind: 'latency-read',
          maxInFlight: CONCURRENCY,
        })
        const pages = par.extra?.requests ?? SIZE.latencyPages
        const ideal = (pages * SIZE.latencyMs) / 1000 / CONCURRENCY
        const label = `${SIZE.latencyMs} ms x ${pages} pages`
        const pass = (par.extra?.extractSeconds ?? 0) + (par.extra?.normalizeSeconds ?? 0)
        results.push(
          benchResult(
            `latency ${label}, ${CONCURRENCY} in flight`,
            par,
            ideal / par.seconds,
            `ideal ${ideal.toFixed(2)} s = pages x latency / ${CONCURRENCY}; fetch pass (extract + normalize) ${pass.toFixed(2)} s; ${Math.round(par.rows / pages)} entries per page; rate limiter on (Clockodo's limits)`,
          ),
        )
        results.push(
          benchResult(
            `latency ${label}, one page at a time`,
            seq,
            ideal / seq.seconds,
            `${(seq.seconds / par.seconds).toFixed(1)}x the parallel run`,
          ),
        )
        results.push(
          benchResult(
            `latency ${label}, source read alone, ${CONCURRENCY} in flight`,
            read,
            ideal / read.seconds,
            'the Clockodo source without pipeline, files or destination',
          ),
        )
        const over = pass / ideal - 1
        // what one request really took (timers fire late on a busy machine): the sequential pass / pages
        const seqPass = (seq.extra?.extractSeconds ?? 0) + (seq.extra?.normalizeSeconds ?? 0)
        const effectiveMs = (seqPass * 1000) / pages
        const effectiveIdeal = (pages * effectiveMs) / 1000 / CONCURRENCY
        const readOver = read.seconds / ideal - 1
        targets.push(
          `${readOver <= 0.2 ? 'MET   ' : 'MISSED'} latency-bound source read alone ${read.seconds.toFixed(2)} s vs ideal ${ideal.toFixed(2)} s (${readOver >= 0 ? '+' : ''}${(readOver * 100).toFixed(0)}%, target within 20%)`,
        )
        targets.push(
          `${over <= 0.2 ? 'MET   ' : 'MISSED'} latency-bound fetch pass ${pass.toFixed(2)} s vs ideal ${ideal.toFixed(2)} s (${over >= 0 ? '+' : ''}${(over * 100).toFixed(0)}%, target within 20%; whole run incl. DuckDB load ${par.seconds.toFixed(2)} s; one request really took ${effectiveMs.toFixed(1)} ms, ideal with that ${effectiveIdeal.toFixed(2)} s: ${((pass / effectiveIdeal - 1) * 100).toFixed(0)}%)`,
        )
        await stopChild(lat.child)
      })

    if (only.has('memory'))
      await section('memory', async () => {
        // DuckDB runs inside the sluice process (its memory counts); PostgreSQL in its own, so that run is sluice's
        // own memory
        let largest: Partial<Record<'duckdb' | 'postgres' | 'withoutWorkers', Measured>> = {}
        try {
          pg ??= await startBenchPostgres()
        } catch (error) {
          log(`PostgreSQL memory runs skipped: ${(error as Error).message}`)
        }
        for (const rows of SIZE.memoryRows) {
          const end = await endDateFor(baseUrl, HISTORY_START, rows, 365 * 5)
          const destinations = pg ? (['duckdb', 'postgres'] as const) : (['duckdb'] as const)
          const picked = process.env.BENCH_MEMORY_DESTINATIONS?.split(',')
          for (const destination of destinations.filter((d) => !picked || picked.includes(d))) {
            const m = await measure(`memory ${rows} ${destination}`, {
              kind: 'e2e',
              baseUrl,
              startDate: HISTORY_START,
              endDate: end,
              destination,
              ...(destination === 'postgres' && pg ? { postgresUrl: pg.url } : {}),
            })
            const label = destination === 'duckdb' ? 'DuckDB (in-process)' : 'PostgreSQL (own process)'
            results.push(
              benchResult(
                `memory: peak RSS, ${rows.toLocaleString('en-US')} entries -> ${label}`,
                m,
                null,
                `peak before the load step (extract + normalize only): ${m.extra?.peakRssBeforeLoadMb} MB; peak V8 heap ${m.extra?.peakHeapMb} MB`,
              ),
            )
            largest = { ...largest, [destination]: m }
          }
        }
        // page workers hold heaps of their own: sluice alone without them, at the largest size
        const pgLargest = largest.postgres
        if (pg && pgLargest) {
          const m = await measure(`memory ${pgLargest.rows} postgres, page workers off`, {
            kind: 'e2e',
            baseUrl,
            startDate: HISTORY_START,
            endDate: await endDateFor(baseUrl, HISTORY_START, pgLargest.rows, 365 * 5),
            destination: 'postgres',
            postgresUrl: pg.url,
            env: { BENCH_PAGE_WORKERS: '0' },
          })
          results.push(
            benchResult(
              `memory: peak RSS, ${m.rows.toLocaleString('en-US')} entries -> PostgreSQL, --page-workers 0`,
              m,
              null,
              `peak before the load step: ${m.extra?.peakRssBeforeLoadMb} MB; peak V8 heap ${m.extra?.peakHeapMb} MB`,
            ),
          )
          largest = { ...largest, withoutWorkers: m }
        }
        const places = {
          duckdb: 'DuckDB, which runs in the process',
          postgres: 'PostgreSQL: sluice alone',
          withoutWorkers: 'PostgreSQL with --page-workers 0: sluice alone',
        }
        for (const [destination, m] of Object.entries(largest) as [keyof typeof places, Measured][]) {
          const where = places[destination]
          const limit = destination === 'duckdb' ? 350 : 300
          targets.push(
            `${m.peakRssMb < limit ? 'MET   ' : 'MISSED'} peak RSS ${m.peakRssMb} MB at ${m.rows.toLocaleString('en-US')} entries into ${where} (target < ${limit} MB)`,
          )
        }
      })

    if (only.has('stream'))
      await section('stream', async () => {
        const streamTargets: StreamTarget[] = [{ destination: 'duckdb', workDir }]
        try {
          pg ??= await startBenchPostgres()
          streamTargets.push({ destination: 'postgres', workDir, postgresUrl: pg.url })
        } catch (error) {
          log(`PostgreSQL streaming skipped: ${(error as Error).message}`)
        }
        // the reads find each pipeline by name; the password comes from the environment, as a user's would
        const password = pg ? decodeURIComponent(new URL(pg.url).password) : ''
        await streamSection(
          (label, job) =>
            measure(
              label,
              password ? { ...job, env: { DESTINATION__POSTGRES__CREDENTIALS__PASSWORD: password } } : job,
            ),
          streamTargets,
          SIZE.streamRows,
          { results, verdicts: targets },
          benchResult,
        )
      })

    if (only.has('backfill'))
      await section('backfill', () => backfillSection({ results, verdicts: targets }, quick, log))
  } finally {
    for (const child of children) await stopChild(child).catch(() => {})
    await pg?.stop().catch(() => {})
    await removeDir(workDir)
  }

  await writeReport(results, targets, failures, { quick, onlyGiven, started, loadAtStart })
}

await main()
process.exitCode = failures.length ? 1 : 0
