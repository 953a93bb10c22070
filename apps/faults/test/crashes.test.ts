import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  type CliResult,
  duckdbChecksums,
  filesystemChecksums,
  postgresChecksums,
  runCli,
  seededRandom,
  type TableChecksums,
  tempDir,
} from '../src/index.ts'
import { API_KEY, cliEnv, postgresUrl, printFigures, rowsIn, startMock } from './helpers.ts'

// SIGKILL at 20 seeded points of a first load (during extract, at the end of normalize, during load, and
// between the last load job and completion), then a rerun: the dataset equals a clean run's, for DuckDB,
// PostgreSQL and the filesystem. Kill points are chosen from the `--progress log` lines of a clean run.
const SEED = 20_261_128
const CRASHES = { duckdb: 8, postgres: 6, filesystem: 6 } as const
type Dest = keyof typeof CRASHES
type Phase = 'extract' | 'normalize' | 'load' | 'complete'
const PHASES: Phase[] = ['extract', 'normalize', 'load', 'complete']

let mock: RunningClockodoMock
const clean = {} as Record<Dest, TableChecksums>
/** Progress lines (without timestamps) of the clean DuckDB run, grouped by phase. */
const triggers = {} as Record<Phase, string[]>
/** Progress lines (prefixes) of job files the clean DuckDB run loaded while it was still extracting. */
let earlyLoads: string[] = []
/** What each kill left behind: the state of the newest package on disk (or none). */
const outcomes: { dest: Dest; phase: Phase; trigger: string; left: string }[] = []

interface Target {
  cwd: string
  args: string[]
  env: Record<string, string>
  sums(): Promise<TableChecksums>
}

async function target(dest: Dest, name: string): Promise<Target> {
  const cwd = await tempDir(`sluice-faults-crash-${dest}-`)
  const base = cliEnv(cwd, mock.baseUrl)
  const pipelineName = `crash_${name}`
  const args = ['run', '--progress', 'log', '--destination', dest, '--pipeline-name', pipelineName]
  if (dest === 'duckdb') {
    return {
      cwd,
      args,
      env: base,
      sums: () => duckdbChecksums(join(cwd, `${pipelineName}.duckdb`), 'clockodo_data'),
    }
  }
  if (dest === 'postgres') {
    const dataset = `crash_${name}`
    return {
      cwd,
      args: [...args, '--dataset', dataset],
      env: { ...base, DESTINATION__POSTGRES__CREDENTIALS: postgresUrl() },
      sums: () => postgresChecksums(postgresUrl(), dataset),
    }
  }
  const bucket = join(cwd, 'bucket')
  return {
    cwd,
    args,
    env: { ...base, DESTINATION__FILESYSTEM__BUCKET_URL: bucket },
    sums: () => filesystemChecksums(bucket, 'clockodo_data'),
  }
}

const strip = (line: string): string => line.replace(/^\S+Z /, '')

async function newestPackageState(env: Record<string, string>, pipelineName: string): Promise<string> {
  const dir = join(env.SLUICE_PIPELINES_DIR!, pipelineName, 'packages')
  if (!existsSync(dir)) return 'none'
  const ids = (await readdir(dir)).sort()
  const last = ids.at(-1)
  if (!last) return 'none'
  const file = join(dir, last, 'package.json')
  if (!existsSync(file)) return 'partial'
  return (JSON.parse(await readFile(file, 'utf8')) as { state: string }).state
}

beforeAll(async () => {
  mock = await startMock({ faults: { latencyMs: 5 } })
  for (const dest of Object.keys(CRASHES) as Dest[]) {
    const t = await target(dest, `clean_${dest}`)
    const r = await runCli(t.args, { cwd: t.cwd, env: t.env })
    expect(r.code, r.stderr).toBe(0)
    clean[dest] = await t.sums()
    expect(clean[dest].entries?.rows, dest).toBe(mock.account.expectedCounts().entries)
    if (dest === 'duckdb') {
      const lines = r.stderr.split('\n').filter(Boolean).map(strip)
      const normalizeEnd = lines.findIndex((l) => l.startsWith('normalize finished'))
      const loadJobs = lines.filter((l) => /^load \S+: end, \d+ rows$/.test(l))
      // row counts left out: an incremental run fetches fewer rows but logs the same lines
      const prefix = (l: string): string => l.replace(/ \(load .*\)$/, '').replace(/, \d+ rows$/, '')
      triggers.extract = lines
        .slice(0, normalizeEnd)
        .filter((l) => /: (started|done, \d+ rows)$/.test(l))
        .map(prefix)
      triggers.normalize = lines
        .filter((l) => /^(normalize|extract) finished/.test(l))
        .map((l) => l.replace(/ \(load .*\)$/, ''))
      triggers.load = ['load started', ...loadJobs.slice(0, -1)].map(prefix)
      triggers.complete = loadJobs.slice(-1).map(prefix)
      const extractEnd = lines.findIndex((l) => l.startsWith('extract finished'))
      earlyLoads = lines
        .slice(0, extractEnd)
        .filter((l) => /^load \S+: end, \d+ rows$/.test(l))
        .map(prefix)
    }
  }
  for (const phase of PHASES) expect(triggers[phase]?.length, phase).toBeGreaterThan(0)
})

const figures = { sigkills: 0, gracefulStops: 0, rowsCompared: 0 }

afterAll(async () => {
  printFigures('crashes', figures)
  await mock?.close()
})

describe('SIGKILL at 20 seeded points, then a rerun', () => {
  const random = seededRandom(SEED)
  const points: { dest: Dest; phase: Phase; pick: number; delayMs: number; n: number; run: string }[] = []
  let n = 0
  for (const dest of Object.keys(CRASHES) as Dest[]) {
    for (let i = 0; i < CRASHES[dest]; i++) {
      const phase = PHASES[(n + i) % PHASES.length]!
      const k = n + i + 1
      // points 5-8 and 13-16 kill an incremental run (after a completed first load), the others a first load
      const run = Math.floor((k - 1) / 4) % 2 === 1 ? 'an incremental run' : 'a first load'
      points.push({ dest, phase, pick: random(), delayMs: Math.floor(random() * 15), n: k, run })
    }
    n += CRASHES[dest]
  }
  expect(points).toHaveLength(20)

  test.each(points)(
    '#$n $dest: $run killed during $phase',
    async ({ dest, phase, pick, delayMs, n, run }) => {
      const lines = triggers[phase]
      const trigger = lines[Math.floor(pick * lines.length)]!
      // On a loaded machine the run may finish in the moment between the trigger line and the kill (the last
      // phases are short): then the point is tried again on a fresh dataset, at most 3 times.
      let t = await target(dest, `k${n}`)
      let killed: CliResult | undefined
      for (let attempt = 1; attempt <= 3; attempt++) {
        if (attempt > 1) t = await target(dest, `k${n}_${attempt}`)
        if (run === 'an incremental run') {
          const first = await runCli(t.args, { cwd: t.cwd, env: t.env })
          expect(first.code, first.stderr).toBe(0)
        }
        killed = await runCli(t.args, {
          cwd: t.cwd,
          env: t.env,
          killWhen: (stderr) => stderr.split('\n').some((l) => strip(l).startsWith(trigger)),
          killDelayMs: attempt > 1 ? 0 : phase === 'complete' ? delayMs * 2 : delayMs,
        })
        expect(killed.killed, `trigger "${trigger}" never appeared:\n${killed.stderr}`).toBe(true)
        if (killed.signal === 'SIGKILL') break
        expect(killed.code, killed.stderr).toBe(0)
      }
      expect(killed?.signal, `the run ended before the kill, 3 times (${trigger})`).toBe('SIGKILL')
      outcomes.push({
        dest,
        phase,
        trigger,
        left: await newestPackageState(t.env, t.args[t.args.indexOf('--pipeline-name') + 1]!),
      })
      const cwd = t.cwd
      const rerun = await runCli(t.args, { cwd, env: t.env })
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(`${rerun.stdout}${rerun.stderr}`).not.toContain(API_KEY)
      expect(await t.sums()).toEqual(clean[dest])
      figures.sigkills++
      figures.rowsCompared += rowsIn(clean[dest])
    },
  )

  test('the kills landed in every phase: some left a pending (normalized) package the rerun finished', () => {
    expect(outcomes).toHaveLength(20)
    const left = outcomes.map((o) => o.left)
    console.log(
      `crash outcomes (package state the kill left): ${JSON.stringify(
        Object.fromEntries([...new Set(left)].map((s) => [s, left.filter((x) => x === s).length])),
      )}`,
    )
    expect(left).toContain('normalized')
    expect(left.some((s) => s === 'extracted' || s === 'none' || s === 'partial')).toBe(true)
  })
})

describe('SIGKILL while job files load during extraction', () => {
  test('the CLI loads job files into staging before extraction ends', () => {
    expect(earlyLoads.length).toBeGreaterThan(0)
  })

  test.each(['duckdb', 'postgres'] as const)(
    '%s: killed right after the first early load, then a rerun equals a clean run',
    async (dest) => {
      const trigger = earlyLoads[0]!
      const t = await target(dest, 'early')
      const killed = await runCli(t.args, {
        cwd: t.cwd,
        env: t.env,
        killWhen: (stderr) => stderr.split('\n').some((l) => strip(l).startsWith(trigger)),
      })
      expect(killed.killed, `trigger "${trigger}" never appeared:\n${killed.stderr}`).toBe(true)
      expect(killed.signal).toBe('SIGKILL')
      expect(killed.stderr).not.toContain('extract finished')
      // the killed run could not release its lock: the rerun takes it over (its pid is gone)
      const lock = join(
        t.env.SLUICE_PIPELINES_DIR!,
        t.args[t.args.indexOf('--pipeline-name') + 1]!,
        'run.lock',
      )
      expect(existsSync(lock)).toBe(true)
      const rerun = await runCli(t.args, { cwd: t.cwd, env: t.env })
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(existsSync(lock)).toBe(false)
      expect(await t.sums()).toEqual(clean[dest])
      figures.sigkills++
      figures.rowsCompared += rowsIn(clean[dest])
    },
  )
})

describe('two runs of one pipeline at once', () => {
  test('the second is refused while the first runs (paused mid-extract); the first then loads equal to a clean run', async () => {
    const t = await target('duckdb', 'twice')
    const trigger = triggers.extract[1]!
    let second: Promise<CliResult> | undefined
    const first = runCli(t.args, {
      cwd: t.cwd,
      env: t.env,
      onStderr: (stderr, pid) => {
        if (second || !pid || !stderr.split('\n').some((l) => strip(l).startsWith(trigger))) return
        process.kill(pid, 'SIGSTOP')
        second = runCli(t.args, { cwd: t.cwd, env: t.env }).finally(() => process.kill(pid, 'SIGCONT'))
      },
    })
    const done = await first
    expect(second, `trigger "${trigger}" never appeared`).toBeDefined()
    const refused = await second!
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('this pipeline is already running: process')
    expect(refused.stderr).toContain('run.lock')
    expect(done.code, done.stderr).toBe(0)
    expect(await t.sums()).toEqual(clean.duckdb)
    figures.rowsCompared += rowsIn(clean.duckdb)
  })
})

describe('SIGINT and SIGTERM stop gracefully', () => {
  test.each([
    { signal: 'SIGINT' as const, phase: 'extract' as Phase },
    { signal: 'SIGTERM' as const, phase: 'load' as Phase },
  ])(
    '$signal during $phase: says how to resume; the rerun completes equal to a clean run',
    async ({ signal, phase }) => {
      const t = await target('duckdb', `${signal.toLowerCase()}_${phase}`)
      const cwd = t.cwd
      const trigger = phase === 'extract' ? triggers.extract[2]! : triggers.load[3]!
      const stopped = await runCli(t.args, {
        cwd,
        env: t.env,
        killWhen: (stderr) => stderr.split('\n').some((l) => strip(l).startsWith(trigger)),
        killSignal: signal,
      })
      expect(stopped.killed).toBe(true)
      expect(stopped.signal, 'the CLI handles the signal itself').toBeNull()
      expect(stopped.code).toBe(1)
      expect(stopped.stderr).toContain(`${signal} received: stopping; run the same command again to resume`)
      const rerun = await runCli(t.args, { cwd, env: t.env })
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(await t.sums()).toEqual(clean.duckdb)
      figures.gracefulStops++
      figures.rowsCompared += rowsIn(clean.duckdb)
    },
  )
})
