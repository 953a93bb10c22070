import { availableParallelism } from 'node:os'
import {
  type Config,
  defaultPageWorkerCount,
  type LoadInfo,
  type PageWorkers,
  type RefreshMode,
  webPageWorkers,
} from '@sluice/core'
import { defaultPipelinesDir, loadConfig, nodePageWorkers, pipeline } from '@sluice/core/node'
import { parseFlags } from './cli-args.ts'
import { targetOf } from './cli-destinations.ts'
import { UsageError } from './cli-errors.ts'
import { heapGrowthFromEnv } from './cli-heap.ts'
import { createProgress, type ProgressMode } from './cli-progress.ts'
import { buildSource, SOURCES } from './cli-sources.ts'
import type { CliIO, RunFlags } from './cli-types.ts'
import { createWaitReport } from './cli-waits.ts'

/** Flags of `sluice run`, with their defaults. */
export const RUN_OPTIONS = {
  source: { type: 'string', default: 'clockodo' },
  destination: { type: 'string' },
  'pipeline-name': { type: 'string' },
  dataset: { type: 'string' },
  'pipelines-dir': { type: 'string' },
  resources: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'lookback-days': { type: 'string' },
  'full-refresh': { type: 'boolean', default: false },
  refresh: { type: 'string' },
  'dev-mode': { type: 'boolean', default: false },
  demo: { type: 'boolean', default: false },
  strict: { type: 'boolean', default: false },
  'page-workers': { type: 'string', default: 'auto' },
  progress: { type: 'string', default: 'auto' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const

export const RUN_HELP = `Usage: sluice run [options]

Loads a source into a destination. Configuration: flags, then environment variables, then
.sluice/secrets.toml and .sluice/config.toml, then defaults.

Options:
  --source NAME            source to load (default: clockodo)
  --destination NAME|PATH  duckdb, postgres, filesystem, bigquery, snowflake, redshift, databricks, or
                           ./module.js (default: the one the pipeline's last run recorded, else duckdb)
  --pipeline-name NAME     (default: clockodo_pipeline; clockodo_demo with --demo)
  --dataset NAME           dataset / schema name (default: the recorded one, else clockodo_data;
                           clockodo_demo_data with --demo)
  --pipelines-dir DIR      local state, shared by every directory (default: $SLUICE_PIPELINES_DIR or
                           ~/.sluice/pipelines)
  --resources a,b          load only these resources
  --since DATE             entries from this date (YYYY-MM-DD)
  --until DATE             entries before this date (YYYY-MM-DD)
  --lookback-days N        re-read this many days before the last loaded window (default: 30)
  --full-refresh           drop the source's tables and state, then load everything; with --resources,
                           only those resources' tables and state (--refresh drop_resources)
  --refresh MODE           drop_sources (every table and the state of the source), drop_resources (those
                           of the --resources) or drop_data (empty their tables, reset their state, keep
                           the schema); applied when the new data is loaded, the summary lists the tables
  --dev-mode               load into a new dataset named with the time (clockodo_data_20261206_063012)
                           from a fresh state, as dlt's dev_mode; the pipeline then records that dataset
  --demo                   load a simulated Clockodo account (no account needed) into a pipeline of its own:
                           clockodo_demo, ./clockodo_demo.duckdb, dataset clockodo_demo_data
  --strict                 fail on a resource the API key may not read instead of skipping it, and on
                           a response that is not valid UTF-8 instead of loading it with a warning
  --page-workers N|auto    threads that fetch, parse and normalize entries pages; 0 keeps them on the
                           main thread (default: auto, one per core but one, at most 4; 0 on one core or with
                           --demo, whose simulated account runs on the main thread)
  --progress MODE          auto, bar, log or none (default: auto)
  --json                   print the load info as JSON

Settings (environment or .sluice/config.toml, as dlt names them):
  file_max_bytes           under [normalize.data_writer] or [data_writer]
                           (NORMALIZE__DATA_WRITER__FILE_MAX_BYTES, DATA_WRITER__FILE_MAX_BYTES): the size
                           job files rotate at, in bytes (default: the destination's, 8 MiB for
                           PostgreSQL, else 64 MiB)
`

/** Where `file_max_bytes` is read, the first that is set winning (dlt's `[normalize.data_writer]`, then global). */
const FILE_MAX_BYTES_PATHS = ['normalize.data_writer.file_max_bytes', 'data_writer.file_max_bytes'] as const

/**
 * The job-file size set in the configuration (`file_max_bytes`, see {@link FILE_MAX_BYTES_PATHS}), or undefined.
 * Refuses anything but a whole number of bytes from 1 on, naming where it was read.
 */
export function fileMaxBytesOf(config: Pick<Config, 'get' | 'whereToSet'>): number | undefined {
  for (const path of FILE_MAX_BYTES_PATHS) {
    const raw = config.get(path)
    if (raw === undefined || raw === '') continue
    const bytes = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      throw new UsageError(
        `${path} is ${JSON.stringify(raw)}: give the job-file size as a whole number of bytes, e.g. ${8 * 1024 * 1024} for 8 MiB, or leave it out for the destination's (${config.whereToSet(path, 'config')})`,
      )
    }
    return bytes
  }
  return undefined
}

const REFRESH_MODES: readonly RefreshMode[] = ['drop_sources', 'drop_resources', 'drop_data']

/** Where `--demo` loads unless named otherwise: never into the pipeline, file or dataset of real data. */
export const DEMO_TARGET = { pipelineName: 'clockodo_demo', dataset: 'clockodo_demo_data' } as const

const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/

function checkDate(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!DATE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`--${flag} "${value}" is not a date: use YYYY-MM-DD, e.g. --${flag} 2024-01-01`)
  }
  return value
}

/** Parses `sluice run` flags; throws UsageError with a fix for each mistake. */
export function parseRunFlags(args: string[]): RunFlags | 'help' {
  const parsed = parseFlags(joinDashValues(args, RUN_OPTIONS), RUN_OPTIONS, 'run')
  const v = parsed.values
  if (v.help) return 'help'
  const progress = v.progress as ProgressMode
  if (!['auto', 'bar', 'log', 'none'].includes(progress)) {
    throw new UsageError(`--progress "${v.progress}" is not one of auto, bar, log, none`)
  }
  let lookbackDays: number | undefined
  if (v['lookback-days'] !== undefined) {
    lookbackDays = Number(v['lookback-days'])
    if (!Number.isInteger(lookbackDays) || lookbackDays < 0) {
      throw new UsageError(
        `--lookback-days "${v['lookback-days']}" must be a whole number of days (0 or more)`,
      )
    }
  }
  // --demo serves the simulated account from this process's main thread: page workers would compete with it
  // (demo 3.45-3.73 s with two against 3.19-3.37 s without, 2026-12-05)
  const pageWorkers =
    v['page-workers'] === 'auto' ? (v.demo ? 0 : autoPageWorkers()) : Number(v['page-workers'])
  if (!Number.isInteger(pageWorkers) || pageWorkers < 0 || pageWorkers > 64) {
    throw new UsageError(
      `--page-workers "${v['page-workers']}" must be auto or a whole number from 0 to 64 (0 parses pages on the main thread)`,
    )
  }
  const since = checkDate('since', v.since)
  const until = checkDate('until', v.until)
  if (since && until && Date.parse(since) >= Date.parse(until)) {
    throw new UsageError(`--since ${since} must be before --until ${until}`)
  }
  for (const [flag, value] of [
    ['pipeline-name', v['pipeline-name']],
    ['dataset', v.dataset],
  ] as const) {
    if (value !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
      throw new UsageError(
        `--${flag} "${value}" may contain only letters, digits and _ and must not start with a digit`,
      )
    }
  }
  const resources = v.resources
    ?.split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  if (resources?.length === 0) {
    throw new UsageError(
      '--resources is empty: name resources (--resources users,entries), or leave the flag out for all of them',
    )
  }
  const refresh = v.refresh as RefreshMode | undefined
  if (refresh !== undefined && !REFRESH_MODES.includes(refresh)) {
    throw new UsageError(`--refresh "${v.refresh}" is not one of ${REFRESH_MODES.join(', ')}`)
  }
  if (refresh && v['full-refresh']) {
    throw new UsageError('give --full-refresh or --refresh MODE, not both')
  }
  return {
    source: v.source,
    ...(refresh ? { refresh } : {}),
    devMode: v['dev-mode'],
    ...(v.destination !== undefined ? { destination: v.destination } : {}),
    pipelineName: v['pipeline-name'] ?? (v.demo ? DEMO_TARGET.pipelineName : 'clockodo_pipeline'),
    ...(v.dataset !== undefined ? { dataset: v.dataset } : {}),
    ...(v['pipelines-dir'] !== undefined ? { pipelinesDir: v['pipelines-dir'] } : {}),
    ...(resources ? { resources } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(lookbackDays !== undefined ? { lookbackDays } : {}),
    fullRefresh: v['full-refresh'],
    demo: v.demo,
    strict: v.strict,
    pageWorkers,
    progress,
    json: v.json,
  }
}

/**
 * Page workers by default: one per core Node.js may use but one (left to the pipeline's thread and the
 * destination), at most 4 (`defaultPageWorkerCount`); none on a single core (nothing to gain).
 */
export function autoPageWorkers(cores: number = availableParallelism()): number {
  return cores < 2 ? 0 : defaultPageWorkerCount(cores)
}

/**
 * `n` page workers: Web Workers under Deno, `worker_threads` on Node.js, started at once (they load their modules
 * while the run opens the destination).
 */
function pageWorkersFor(n: number): PageWorkers {
  return 'Deno' in globalThis ? webPageWorkers({ size: n }) : nodePageWorkers({ size: n, prestart: true })
}

/**
 * Resolves the pipelines directory: flag, then SLUICE_PIPELINES_DIR, then ~/.sluice/pipelines. A flag or
 * variable that is set but empty is a UsageError (it would otherwise fall back somewhere the user did not ask for).
 */
export function pipelinesDirFor(flag: string | undefined, io: CliIO): string {
  if (flag !== undefined && flag.trim() === '')
    throw new UsageError(
      '--pipelines-dir is empty: give a folder, or leave the flag out for ~/.sluice/pipelines',
    )
  const env = io.env.SLUICE_PIPELINES_DIR
  if (flag === undefined && env !== undefined && env.trim() === '') {
    throw new UsageError(
      "SLUICE_PIPELINES_DIR is set but empty: set it to a folder for the pipelines' state and load packages, or unset it for ~/.sluice/pipelines",
    )
  }
  return flag ?? env ?? defaultPipelinesDir()
}

/**
 * Joins a string flag and a value that starts with a dash (`--page-workers -1` to `--page-workers=-1`), which
 * `parseArgs` would take for a flag of its own, so that the value is checked like any other.
 */
export function joinDashValues(args: readonly string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const next = args[i + 1]
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else out.push(arg)
  }
  return out
}

/**
 * The refresh a run applies: `--refresh`; `--full-refresh` (only the `--resources` when given, dlt's
 * `drop_resources`); `--dev-mode` starts from a fresh state.
 */
export function refreshOf(flags: RunFlags): RefreshMode | undefined {
  if (flags.refresh) return flags.refresh
  if (flags.fullRefresh) return flags.resources ? 'drop_resources' : 'drop_sources'
  return flags.devMode ? 'drop_sources' : undefined
}

/** The `--dev-mode` dataset suffix: the UTC time, `20261206_063012`. */
export function devSuffix(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '_').replace(/\..*$/, '')
}

/** `sluice run`: returns the exit code. */
export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const flags = parseRunFlags(args)
  if (flags === 'help') {
    io.stdout.write(RUN_HELP)
    return 0
  }
  const heapGrowth = heapGrowthFromEnv(io.env, flags.pageWorkers > 0)
  if (heapGrowth !== undefined) io.limitHeapGrowth?.(heapGrowth)
  // pages are parsed on the workers: this thread's young generation can stay as small as it is now
  if (flags.pageWorkers > 0) io.holdYoungGeneration?.()
  if (!SOURCES[flags.source]) {
    throw new UsageError(`unknown source "${flags.source}": use one of ${Object.keys(SOURCES).join(', ')}`)
  }
  const pageWorkers = flags.pageWorkers > 0 ? pageWorkersFor(flags.pageWorkers) : undefined
  const config: Config = await loadConfig({ cwd: io.cwd, env: io.env, pipelineName: flags.pipelineName })
  for (const w of config.warnings) io.stderr.write(`[sluice] warning: ${w}\n`)
  const fileMaxBytes = fileMaxBytesOf(config)
  const pipelinesDir = pipelinesDirFor(flags.pipelinesDir, io)
  // the pipeline loads where it loaded before unless flags (or settings given now) say otherwise; --demo is a demo
  // of the current directory: ./clockodo_demo.duckdb here, whatever an earlier demo elsewhere recorded
  const record = flags.demo
    ? undefined
    : await pipeline({ pipelineName: flags.pipelineName, pipelinesDir }).destinationRecord()
  const target = await targetOf({
    pipelineName: flags.pipelineName,
    destination: flags.destination,
    dataset: flags.dataset,
    record,
    config,
    cwd: io.cwd,
    ...(flags.demo ? { defaultDataset: DEMO_TARGET.dataset } : {}),
  })
  // --dev-mode: a dataset of its own for this run, from a fresh state (a refresh of the whole source)
  const datasetName = flags.devMode ? `${target.datasetName}_${devSuffix(new Date())}` : target.datasetName
  const { destination } = target
  const built = await buildSource(flags, config, io, destination)
  const progress = createProgress(flags.json ? 'none' : flags.progress, io.stderr)
  const waits = createWaitReport((line) => {
    if (!flags.json && flags.progress !== 'none') io.stderr.write(`${line}\n`)
  })
  const controller = new AbortController()
  const stop = (signal: string) => {
    if (controller.signal.aborted) return
    io.stderr.write(
      `\n[sluice] ${signal} received: stopping; run the same command again to resume where it stopped\n`,
    )
    controller.abort(new Error(`stopped by ${signal}`))
  }
  const offInt = io.onSignal('SIGINT', () => stop('SIGINT'))
  const offTerm = io.onSignal('SIGTERM', () => stop('SIGTERM'))
  let info: LoadInfo
  try {
    const p = pipeline({
      pipelineName: flags.pipelineName,
      destination,
      datasetName,
      pipelinesDir,
      onEvent: (e) => {
        progress.onEvent(e)
        waits.onEvent(e)
      },
      ...(pageWorkers ? { pageWorkers } : {}),
      ...(fileMaxBytes !== undefined ? { fileMaxBytes } : {}),
    })
    info = await p.run(built.source, {
      ...(flags.resources ? { resources: flags.resources } : {}),
      ...(refreshOf(flags) ? { refresh: refreshOf(flags) } : {}),
      signal: controller.signal,
      strict: flags.strict,
    })
  } finally {
    progress.stop()
    offInt()
    offTerm()
    await built.close()
  }
  io.stdout.write(flags.json ? `${JSON.stringify(info, null, 2)}\n` : `${info.toString()}\n`)
  if (!flags.json) for (const line of waits.summary()) io.stdout.write(`${line}\n`)
  return info.hasFailedJobs ? 1 : 0
}
