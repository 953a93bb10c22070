import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import type { Source } from '@sluice/core'
import type { Destination, DestinationClient, LoadJob } from '@sluice/core/destination'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { postgres } from '@sluice/destination-postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  duckdbChecksums,
  postgresChecksums,
  postgresQuery,
  runCli,
  type TableChecksums,
  tempDir,
} from '../src/index.ts'
import { cliEnv, postgresUrl, printFigures, rowsIn, startMock } from './helpers.ts'

// Every loaded row is counted, a pending package is checked before it loads, and a full refresh swaps the new
// data in when it commits: against real DuckDB files and the suite's PostgreSQL server.

let mock: RunningClockodoMock
const figures = { rowsCompared: 0, damagedPackages: 0, refreshKills: 0 }

beforeAll(async () => {
  mock = await startMock()
})

afterAll(async () => {
  printFigures('integrity', figures)
  await mock?.close()
})

type Dest = 'duckdb' | 'postgres'

interface CliTarget {
  cwd: string
  pipelineName: string
  args: string[]
  env: Record<string, string>
  sums(): Promise<TableChecksums>
}

async function cliTarget(dest: Dest, name: string): Promise<CliTarget> {
  const cwd = await tempDir(`sluice-faults-integrity-${dest}-`)
  const pipelineName = `integrity_${name}`
  const base = ['run', '--progress', 'log', '--destination', dest, '--pipeline-name', pipelineName]
  if (dest === 'duckdb') {
    return {
      cwd,
      pipelineName,
      args: base,
      env: cliEnv(cwd, mock.baseUrl),
      sums: () => duckdbChecksums(join(cwd, `${pipelineName}.duckdb`), 'clockodo_data'),
    }
  }
  return {
    cwd,
    pipelineName,
    args: [...base, '--dataset', pipelineName],
    env: cliEnv(cwd, mock.baseUrl, { DESTINATION__POSTGRES__CREDENTIALS: postgresUrl() }),
    sums: () => postgresChecksums(postgresUrl(), pipelineName),
  }
}

/** The checksums of a clean run per destination (computed once). */
const clean: Partial<Record<Dest, TableChecksums>> = {}
async function cleanRun(dest: Dest): Promise<TableChecksums> {
  if (!clean[dest]) {
    const t = await cliTarget(dest, `clean_${dest}`)
    const r = await runCli(t.args, { cwd: t.cwd, env: t.env })
    expect(r.code, r.stderr).toBe(0)
    clean[dest] = await t.sums()
    expect(clean[dest].entries?.rows).toBe(mock.account.expectedCounts().entries)
  }
  return clean[dest]
}

/** Runs the CLI and SIGKILLs it on the first stderr line starting with `trigger` (timestamps left out). */
async function killAt(t: CliTarget, trigger: string, extra: string[] = []) {
  const r = await runCli([...t.args, ...extra], {
    cwd: t.cwd,
    env: t.env,
    killWhen: (stderr) => stderr.split('\n').some((l) => l.replace(/^\S+Z /, '').startsWith(trigger)),
  })
  expect(r.killed, `"${trigger}" never appeared:\n${r.stderr}`).toBe(true)
  return r
}

function packagesDir(t: CliTarget): string {
  return join(t.env.SLUICE_PIPELINES_DIR!, t.pipelineName, 'packages')
}

async function manifests(t: CliTarget): Promise<{ loadId: string; state: string; dir: string }[]> {
  const dir = packagesDir(t)
  if (!existsSync(dir)) return []
  const out = []
  for (const id of (await readdir(dir)).sort()) {
    const m = JSON.parse(await readFile(join(dir, id, 'package.json'), 'utf8')) as { state: string }
    out.push({ loadId: id, state: m.state, dir: join(dir, id) })
  }
  return out
}

describe('rows the destination took (library pipeline, real engines)', () => {
  /** Rows of one table whose last row is `size` characters long. */
  function longRowSource(size: number): Source {
    return {
      name: 'long_rows',
      resources: [
        {
          name: 'docs',
          async *read() {
            yield [
              { id: 1, body: 'short' },
              { id: 2, body: 'short' },
              { id: 3, body: 'y'.repeat(size) },
            ]
          },
        },
      ],
    }
  }

  test('DuckDB: a row of 8 MB that ends the job file is loaded, and the load info counts what is there', async () => {
    const dir = await tempDir('sluice-faults-long-')
    const file = join(dir, 'long.duckdb')
    const p = pipeline({ pipelineName: 'long', destination: duckdb({ path: file }), pipelinesDir: dir })
    const info = await p.run(longRowSource(8_500_000))
    expect(info.tables.docs?.rows).toBe(3)
    const sums = await duckdbChecksums(file, 'long_dataset')
    expect(sums.docs?.rows).toBe(3)
  }, 60_000)

  /** A destination whose job files lose their last line after they were written: the engine loads one row less. */
  function losingLastLine(inner: Destination): Destination {
    return {
      name: inner.name,
      capabilities: inner.capabilities,
      async createClient(ctx): Promise<DestinationClient> {
        const client = await inner.createClient(ctx)
        return Object.assign(Object.create(client) as DestinationClient, {
          async load(job: LoadJob, signal: AbortSignal) {
            const text = await readFile(job.file, 'utf8')
            await writeFile(job.file, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1))
            return client.load(job, signal)
          },
        })
      },
    }
  }

  const rows = (n: number): Source => ({
    name: 'counted',
    resources: [
      {
        name: 'items',
        async *read(ctx) {
          yield Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }))
          ctx.state.done = true
        },
      },
    ],
  })

  test.each(['duckdb', 'postgres'] as const)(
    '%s: a job file one row short of what it held fails the package naming the job; nothing is published',
    async (dest) => {
      const dir = await tempDir('sluice-faults-short-')
      const dataset = `short_${dest}`
      const inner =
        dest === 'duckdb'
          ? duckdb({ path: join(dir, 'short.duckdb') })
          : postgres({ credentials: postgresUrl() })
      const p = pipeline({
        pipelineName: 'short',
        destination: losingLastLine(inner),
        datasetName: dataset,
        pipelinesDir: dir,
        loadWhileExtracting: false,
      })
      const error = await p.run(rows(50)).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      )
      expect(error?.code).toBe('LOAD_JOB_FAILED')
      expect(error?.message).toMatch(
        /the destination took 49 row\(s\) of load job items\.1\.csv \(table items, package \d+\.\d+\), but its job file \S+items\.1\.csv holds 50/,
      )
      const [pkg] = await p.packages()
      expect(pkg?.state).toBe('aborted')
      expect(await p.state()).toBeUndefined()
      const published =
        dest === 'duckdb'
          ? await duckdbChecksums(join(dir, 'short.duckdb'), dataset)
          : await postgresChecksums(postgresUrl(), dataset)
      expect(published.items?.rows ?? 0).toBe(0)
      if (dest === 'postgres') {
        const loads = await postgresQuery(
          postgresUrl(),
          `select count(*)::int as n from "${dataset}"."_sluice_loads"`,
        )
        expect(loads[0]?.n).toBe(0)
      }
    },
    60_000,
  )
})

describe('a pending package is checked before it loads (CLI)', () => {
  test('a job file that lost lines since it was written: the package is dropped and extracted again', async () => {
    const want = await cleanRun('duckdb')
    const t = await cliTarget('duckdb', 'truncated')
    await killAt(t, 'extract finished')
    const pending = (await manifests(t)).filter((m) => m.state === 'normalized')
    expect(pending, 'the kill left a pending package').toHaveLength(1)
    const jobDirs = ['jobs', 'completed'].map((d) => join(pending[0]!.dir, d)).filter((d) => existsSync(d))
    const entriesFile = (
      await Promise.all(jobDirs.map(async (d) => (await readdir(d)).map((f) => join(d, f))))
    )
      .flat()
      .find((f) => /\/entries\.\d+\.csv$/.test(f))
    expect(entriesFile).toBeDefined()
    const text = await readFile(entriesFile!, 'utf8')
    // a copy that lost whole lines: the header and the first half
    const lines = text.split('\n')
    await writeFile(entriesFile!, lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n')
    const rerun = await runCli(t.args, { cwd: t.cwd, env: t.env })
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.stdout).toMatch(
      new RegExp(
        `warning: pending load package ${pending[0]!.loadId} is damaged \\(its job file \\S+entries\\.\\d+\\.csv has \\d+ bytes instead of \\d+\\): dropped it`,
      ),
    )
    expect(rerun.stdout).not.toContain('resumed pending package')
    expect(await t.sums()).toEqual(want)
    figures.damagedPackages++
    figures.rowsCompared += rowsIn(want)
  })

  test('an unreadable package.json stops run and pipeline info naming the file; drop-pending-packages recovers', async () => {
    const want = await cleanRun('duckdb')
    const t = await cliTarget('duckdb', 'unreadable')
    await killAt(t, 'extract finished')
    const [pending] = (await manifests(t)).filter((m) => m.state === 'normalized')
    expect(pending).toBeDefined()
    const manifest = join(pending!.dir, 'package.json')
    await writeFile(manifest, '{ "loadId": ')
    const recover = `sluice pipeline ${t.pipelineName} drop-pending-packages`
    const run = await runCli(t.args, { cwd: t.cwd, env: t.env })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`the load package manifest ${manifest} is not valid JSON`)
    expect(run.stderr).toContain(recover)
    const info = await runCli(['pipeline', t.pipelineName, 'info'], { cwd: t.cwd, env: t.env })
    expect(info.code).toBe(1)
    expect(info.stderr).toContain(`${manifest} is not valid JSON`)
    expect(info.stderr).toContain(recover)
    const drop = await runCli(['pipeline', t.pipelineName, 'drop-pending-packages'], {
      cwd: t.cwd,
      env: t.env,
    })
    expect(drop.code, drop.stderr).toBe(0)
    expect(drop.stdout).toContain(
      `dropped 1 pending load package(s) of pipeline ${t.pipelineName}: ${pending!.loadId}`,
    )
    const rerun = await runCli(t.args, { cwd: t.cwd, env: t.env })
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(await t.sums()).toEqual(want)
    figures.rowsCompared += rowsIn(want)
  })

  test('an unreadable local state.json names the file and `sluice pipeline NAME sync`, which restores it', async () => {
    const t = await cliTarget('duckdb', 'state')
    expect((await runCli(t.args, { cwd: t.cwd, env: t.env })).code).toBe(0)
    const stateFile = join(t.env.SLUICE_PIPELINES_DIR!, t.pipelineName, 'state.json')
    await writeFile(stateFile, '')
    const run = await runCli(t.args, { cwd: t.cwd, env: t.env })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`the local pipeline state ${stateFile} is not valid JSON`)
    expect(run.stderr).toContain(`sluice pipeline ${t.pipelineName} sync`)
    const sync = await runCli(['pipeline', t.pipelineName, 'sync'], { cwd: t.cwd, env: t.env })
    expect(sync.code, sync.stderr).toBe(0)
    expect((await runCli(t.args, { cwd: t.cwd, env: t.env })).code).toBe(0)
  })
})

describe('SIGKILL during run --full-refresh (CLI)', () => {
  test.each(['duckdb', 'postgres'] as const)(
    '%s: readers keep the old data until the refresh commits; the rerun equals a clean run',
    async (dest) => {
      const want = await cleanRun(dest)
      const t = await cliTarget(dest, `refresh_${dest}`)
      const first = await runCli(t.args, { cwd: t.cwd, env: t.env })
      expect(first.code, first.stderr).toBe(0)
      expect(await t.sums()).toEqual(want)
      // killed after some job files loaded into staging, before the publish
      await killAt(t, 'load entries: end', ['--full-refresh'])
      expect((await manifests(t)).at(-1)?.state).toBe('normalized')
      expect(await t.sums()).toEqual(want)
      const rerun = await runCli(t.args, { cwd: t.cwd, env: t.env })
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(rerun.stdout).toContain('resumed pending package(s)')
      expect(await t.sums()).toEqual(want)
      figures.refreshKills++
      figures.rowsCompared += 2 * rowsIn(want)
    },
    120_000,
  )
})
