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

/**
 * The results of a partial run (`--only`) merged into the previous file: fresh lines replace their old ones in
 * place, new scenarios go to the end, the rest stays.
 */
/** The run of several of the same measurement that took the least time (the machine may be shared). */
export function fasterOf<T extends { seconds: number }>(runs: readonly T[]): T {
  if (runs.length === 0) throw new Error('fasterOf needs at least one run')
  return runs.reduce((best, run) => (run.seconds < best.seconds ? run : best))
}

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
