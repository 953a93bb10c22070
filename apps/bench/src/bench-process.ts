// The whole-process scenario: `sluice run --destination duckdb --resources entries` as a child process, timed from
// its start to its exit, against the fetch + parse floor of the same pages measured in the same run.
import { spawn } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_KEY, BENCH_USER, CONCURRENCY, removeDir, secondsSince, tempDir } from './bench-common.ts'
import { log, type Measured, measure, rate, serversCpuSeconds } from './bench-measure.ts'
import { HISTORY_START, SIZE } from './bench-options.ts'
import { endDateFor, type PreparedFiles } from './bench-prepare.ts'
import { type BenchResult, benchResult, cpuCeiling, fasterOf } from './bench-report.ts'

/** The `sluice` command's entry file: `SLUICE_BENCH_CLI` (another build, for A/B runs), else the workspace's. */
function cliBin(): string {
  if (process.env['SLUICE_BENCH_CLI']) return process.env['SLUICE_BENCH_CLI']
  const pkg = createRequire(import.meta.url).resolve('sluice/package.json')
  return join(dirname(pkg), 'dist', 'sluice-bin.js')
}

/** Seconds from the process start to a `--progress log` line (ISO time first), or undefined when it is missing. */
function lineAt(lines: readonly string[], startedAt: number, text: string): number | undefined {
  const line = lines.find((l) => l.includes(text))
  const time = line ? Date.parse(line.slice(0, line.indexOf(' '))) : Number.NaN
  return Number.isNaN(time) ? undefined : Math.round(time - startedAt) / 1000
}

/**
 * Runs `sluice run --destination duckdb --resources entries --since S --until U` in a fresh directory (its own
 * HOME, pipelines directory and DuckDB file) and times it from spawn to exit. The process's CPU seconds and peak
 * RSS come from `bench-cli-stats.js`, loaded with `--import`; the timeline (first page, last page, end of the
 * load) and the rows from its `--progress log` lines.
 */
export async function measureCli(
  label: string,
  options: { baseUrl: string; since: string; until: string },
): Promise<Measured> {
  log(`${label} ...`)
  const dir = await tempDir('cli')
  const statsFile = join(dir, 'stats.json')
  const stats = fileURLToPath(new URL('./bench-cli-stats.js', import.meta.url))
  const prof = process.env.BENCH_CPU_PROF
  const args = ['--import', stats, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])]
  args.push(cliBin(), 'run', '--destination', 'duckdb', '--resources', 'entries')
  args.push('--since', options.since, '--until', options.until, '--progress', 'log')
  args.push('--pipelines-dir', join(dir, 'pipelines'))
  try {
    const serverCpu = serversCpuSeconds()
    const startedAt = Date.now()
    const start = performance.now()
    const child = spawn(process.execPath, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: dir,
        BENCH_CLI_STATS: statsFile,
        SOURCES__CLOCKODO__API_USER: BENCH_USER,
        SOURCES__CLOCKODO__API_KEY: BENCH_KEY,
        SOURCES__CLOCKODO__BASE_URL: options.baseUrl,
      },
    })
    let stderr = ''
    child.stdout.resume()
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    const seconds = secondsSince(start)
    if (code !== 0) throw new Error(`${label}: sluice exited with ${code}\n${stderr}`)
    const usage = JSON.parse(await readFile(statsFile, 'utf8')) as { cpuSeconds: number; peakRssMb: number }
    const lines = stderr.split('\n')
    const extra: Record<string, number> = { cpuSeconds: usage.cpuSeconds }
    const timeline = {
      firstPageAt: lineAt(lines, startedAt, 'entries: started'),
      lastPageAt: lineAt(lines, startedAt, 'entries: done'),
      loadEndAt: lineAt(lines, startedAt, 'load finished'),
    }
    for (const [k, v] of Object.entries(timeline)) if (v !== undefined) extra[k] = v
    const serverCpuAfter = serversCpuSeconds()
    if (serverCpu !== undefined && serverCpuAfter !== undefined)
      extra.serverCpuSeconds = Math.round((serverCpuAfter - serverCpu) * 100) / 100
    const rows = Number(/entries: done, (\d+) rows/.exec(stderr)?.[1] ?? 0)
    const m: Measured = { rows, seconds, peakRssMb: usage.peakRssMb, extra }
    log(
      `${label}: ${m.rows} rows in ${seconds.toFixed(2)} s (${Math.round(m.rows / seconds)} rows/s), peak RSS ${m.peakRssMb} MB ${JSON.stringify(extra)}`,
    )
    return m
  } finally {
    await removeDir(dir)
  }
}

/** Where {@link processSection} puts its results and its verdict. */
export interface ProcessSectionOutput {
  results: BenchResult[]
  targets: string[]
}

/**
 * The whole-process scenario: the first `SIZE.processRows` entries of the account, read once to warm the server's
 * cache and record the page URLs; then the fetch + parse floor and `sluice run` twice each, interleaved. The
 * faster of each counts; the note keeps both runs (the machine may be shared).
 */
export async function processSection(
  baseUrl: string,
  workDir: string,
  out: ProcessSectionOutput,
): Promise<void> {
  const until = await endDateFor(baseUrl, HISTORY_START, SIZE.processRows, 365 * 5)
  const dir = join(workDir, 'process')
  await mkdir(dir, { recursive: true })
  const label = `${SIZE.processRows.toLocaleString('en-US')} entries`
  const warm = await measure(`whole process: warm the account cache (${label})`, {
    kind: 'prepare',
    baseUrl,
    startDate: HISTORY_START,
    endDate: until,
    workDir: dir,
  })
  const urls = (warm.prepared as PreparedFiles).urls
  const floors: Measured[] = []
  const runs: Measured[] = []
  for (const again of ['', ' (again)']) {
    floors.push(await measure(`whole process: floor${again}`, { kind: 'floor', urlsFile: urls }))
    runs.push(await measureCli(`whole process: sluice run${again}`, { baseUrl, since: HISTORY_START, until }))
  }
  const floor = fasterOf(floors)
  const run = fasterOf(runs)
  const ratio = rate(run) / rate(floor)
  const pairs = runs.map((r, i) => (rate(r) / rate(floors[i]!)).toFixed(2)).join(' and ')
  const secs = (ms: readonly Measured[]) => ms.map((m) => m.seconds.toFixed(2)).join(' / ')
  // what the run's CPU allows on this machine's cores, the account server's CPU included
  const cores = availableParallelism()
  const cpu = (run.extra?.['cpuSeconds'] ?? 0) + (run.extra?.['serverCpuSeconds'] ?? 0)
  const ceiling = cpuCeiling(floor.seconds, cpu, cores)
  const ceilingNote =
    ceiling === undefined
      ? ''
      : `; its CPU (${cpu.toFixed(2)} s with the server's) on ${cores} cores allows at most ${ceiling.toFixed(2)}`
  out.results.push(
    benchResult(
      `floor: fetch + JSON.parse, ${CONCURRENCY} in flight, ${label}`,
      floor,
      1,
      `the pages of the whole-process runs; the faster of 2 runs (${secs(floors)} s)`,
    ),
    benchResult(
      'whole process: sluice run -> DuckDB, entries',
      run,
      ratio,
      `process start to exit; the faster of 2 runs (${secs(runs)} s; ratio of each to the floor run before it ${pairs}); first page at ${run.extra?.firstPageAt} s, last page at ${run.extra?.lastPageAt} s, load done at ${run.extra?.loadEndAt} s${ceilingNote}`,
    ),
  )
  out.targets.push(
    `${ratio >= 0.7 ? 'MET   ' : 'MISSED'} whole process (sluice run, ${label}) at ${(ratio * 100).toFixed(0)}% of the fetch+parse floor (target >= 70%${ceiling === undefined ? '' : `; ${(ceiling * 100).toFixed(0)}% at most with its CPU on ${cores} cores`})`,
  )
}
