import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

/** One line of `results/latest.json`. */
export interface BenchResult {
  scenario: string
  rows: number
  seconds: number
  rowsPerSecond: number
  /** rows/s divided by the floor's rows/s (latency: ideal seconds / measured seconds); null without a floor. */
  ratioToFloor: number | null
  peakRssMb: number
  /** CPU seconds (user + system) of the measuring process, all its threads (DuckDB's included). */
  cpuSeconds?: number
  /** CPU seconds the account server used meanwhile (Linux only). */
  serverCpuSeconds?: number
  note?: string
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits

/** A result from raw figures. */
export function benchResult(
  scenario: string,
  figures: { rows: number; seconds: number; peakRssMb: number; extra?: Record<string, number> },
  ratioToFloor: number | null,
  note?: string,
): BenchResult {
  const cpu = figures.extra?.['cpuSeconds']
  const serverCpu = figures.extra?.['serverCpuSeconds']
  return {
    scenario,
    rows: figures.rows,
    seconds: round(figures.seconds, 3),
    rowsPerSecond: figures.seconds > 0 ? Math.round(figures.rows / figures.seconds) : 0,
    ratioToFloor: ratioToFloor === null ? null : round(ratioToFloor, 3),
    peakRssMb: figures.peakRssMb,
    ...(cpu === undefined ? {} : { cpuSeconds: cpu }),
    ...(serverCpu === undefined ? {} : { serverCpuSeconds: serverCpu }),
    ...(note ? { note } : {}),
  }
}

/** The run of several of the same measurement that took the least time (the machine may be shared). */
export function fasterOf<T extends { seconds: number }>(runs: readonly T[]): T {
  if (runs.length === 0) throw new Error('fasterOf needs at least one run')
  return runs.reduce((best, run) => (run.seconds < best.seconds ? run : best))
}

/**
 * The results of a partial run (`--only`) merged into the previous file: fresh lines replace their old ones in
 * place, new scenarios go to the end, the rest stays.
 */
export function mergeResults(previous: readonly BenchResult[], fresh: readonly BenchResult[]): BenchResult[] {
  const byName = new Map(fresh.map((r) => [r.scenario, r]))
  const merged = previous.map((r) => byName.get(r.scenario) ?? r)
  const kept = new Set(merged.map((r) => r.scenario))
  return [...merged, ...fresh.filter((r) => !kept.has(r.scenario))]
}

/** The results as an aligned text table. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = ['scenario', 'rows', 'seconds', 'rows/s', 'ratio', 'peak RSS MB', 'CPU s']
  const lines = results.map((r) => [
    r.scenario,
    r.rows.toLocaleString('en-US'),
    r.seconds.toFixed(2),
    r.rowsPerSecond.toLocaleString('en-US'),
    r.ratioToFloor === null ? '-' : r.ratioToFloor.toFixed(2),
    String(r.peakRssMb),
    r.cpuSeconds === undefined ? '-' : r.cpuSeconds.toFixed(1),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')
  const out = [row(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(row)]
  const notes = results.filter((r) => r.note).map((r) => `  ${r.scenario}: ${r.note}`)
  return [...out, ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n')
}

/** How a run went, for {@link writeReport}. */
export interface RunInfo {
  /** `--quick`: results go to `results/quick.json`. */
  quick: boolean
  /** `--only` was given: the results update their lines in `results/latest.json`. */
  onlyGiven: boolean
  /** `performance.now()` at the start. */
  started: number
  /** The load average at the start, formatted. */
  loadAtStart: string
}

/**
 * Prints the results table, the machine, the failures and the target verdicts, and writes the results file
 * (`results/quick.json` with `--quick`, else `results/latest.json`, merged into the old one with `--only`).
 */
export async function writeReport(
  results: BenchResult[],
  targets: readonly string[],
  failures: readonly string[],
  { quick, onlyGiven, started, loadAtStart }: RunInfo,
): Promise<void> {
  const table = formatTable(results)
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')
  const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the end ${load} (at the start ${loadAtStart})`
  process.stdout.write(`\n${table}\n\nmachine: ${machine}\n${quick ? 'mode: --quick (small sizes)\n' : ''}`)
  if (failures.length) process.stdout.write(`\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`)
  if (targets.length) process.stdout.write(`\ntargets:\n${targets.map((t) => `  ${t}`).join('\n')}\n`)
  process.stdout.write(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
  const dir = fileURLToPath(new URL('../results/', import.meta.url))
  await mkdir(dir, { recursive: true })
  // --quick goes to quick.json; a complete run replaces latest.json, a run with --only updates its scenarios there.
  const file = `${dir}${quick ? 'quick' : 'latest'}.json`
  let merged = results
  if (!quick && onlyGiven) {
    const previous = await readFile(file, 'utf8').then(
      (t) => JSON.parse(t) as BenchResult[],
      () => [],
    )
    merged = mergeResults(previous, results)
  }
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`)
  process.stdout.write(`results: ${file}\n`)
}

/** A verdict line: `ratio` of the fetch+parse floor against the issue's target. */
export function ratioTarget(what: string, ratio: number, target: number): string {
  const pct = (n: number): string => `${(n * 100).toFixed(0)}%`
  return `${ratio >= target ? 'MET   ' : 'MISSED'} ${what} at ${pct(ratio)} of the fetch+parse floor (target >= ${pct(target)})`
}

/**
 * The highest ratio to the floor a run could reach with every core busy from its start to its exit: the floor's
 * seconds against the run's CPU seconds spread over `cores` (`cpuSeconds` should count the account server's too:
 * it runs on the same cores). Under a target, only less CPU reaches it; over it, a schedule that leaves no core
 * idle could. Undefined without a CPU figure.
 */
export function cpuCeiling(floorSeconds: number, cpuSeconds: number, cores: number): number | undefined {
  if (!(cpuSeconds > 0) || !(cores >= 1)) return undefined
  return floorSeconds / (cpuSeconds / cores)
}
