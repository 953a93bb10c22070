import { existsSync, readdirSync } from 'node:fs'
import { cp, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SluiceError } from '../../src/errors.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Resource } from '../../src/source/source-types.ts'
import { newLoadId } from '../../src/storage/load-id.ts'
import { decompressState } from '../../src/storage/state-compression.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'
import { type Entry, entries, incremental, makePipeline, source } from './pipeline-runner-kit.ts'

let dir: string
useTempDir('sluice-pipeline-', (d) => {
  dir = d
})

const make = (destination: FakeDestination, extra: Partial<PipelineOptions> = {}, pipelinesDir = dir) =>
  makePipeline(destination, extra, pipelinesDir)

describe('pipeline run', () => {
  it('extracts, normalizes and loads a package, saving state, schema and trace', async () => {
    const d = new FakeDestination()
    const { p, events } = make(d)
    const info = await p.run(source(incremental('Entries', entries(5))))
    expect(info.tables).toEqual({ entries: { rows: 5 } })
    expect(info.loadIds).toHaveLength(1)
    expect(info.destinationLocation).toBe('memory://fake')
    expect(info.datasetName).toBe('test_pipeline_dataset')
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3, 4, 5])
    expect(d.rows('entries')[0]!.name).toBe('entry "1", with comma')
    const pkg = await p.package(info.loadIds[0]!)
    expect(pkg?.state).toBe('loaded')
    expect(pkg?.jobs.every((j) => j.state === 'completed')).toBe(true)
    // job files of loaded packages are deleted; the manifest stays
    expect(await readdir(join(dir, 'test_pipeline', 'packages', info.loadIds[0]!))).toEqual([
      'package.json',
      'schema.json',
      'state.json',
    ])
    expect((await p.state())?.sources.test_source?.resources.Entries).toEqual({ lastId: 5 })
    expect(Object.keys((await p.schema())?.tables ?? {})).toEqual(['entries'])
    const stored = (await decompressState(d.storedState!.state)) as { sources: Record<string, unknown> }
    expect(stored.sources).toEqual({ test_source: { resources: { Entries: { lastId: 5 } } } })
    const trace = await p.lastTrace()
    expect(trace?.steps.map((s) => s.step)).toEqual(['restore', 'extract', 'normalize', 'load'])
    expect(trace?.steps.find((s) => s.step === 'load')?.rows).toEqual({ entries: 5 })
    const types = events.map((e) => (e.type === 'step' ? `${e.step}:${e.phase}` : e.type))
    expect(types).toContain('resource-start')
    expect(types.indexOf('extract:start')).toBeLessThan(types.indexOf('load:start'))
    expect(types.filter((t) => t === 'load-job').length).toBeGreaterThanOrEqual(2)
    expect(d.migrations[0]?.map((c) => c.kind)).toEqual(['add-table'])
    const added = d.migrations[0]?.[0]
    expect(added?.kind === 'add-table' && added.table.columns.map((c) => c.name)).toEqual([
      '_sluice_id',
      '_sluice_load_id',
      'id',
      'name',
    ])
  })

  it('removes the loaded job files while the destination closes, and only warns when that fails', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    const jobs = (loadId: string) => join(dir, 'test_pipeline', 'packages', loadId, 'jobs')
    const exists = (path: string) =>
      readdir(path).then(
        () => true,
        () => false,
      )
    // the files are there when the close starts, and go while it waits (up to 2 s): removed before the close, or
    // only after it, one of the two fails
    let existedAtClose: boolean | undefined
    let removedWhileClosing: boolean | undefined
    d.onDispose = async () => {
      const dirs = readdirSync(join(dir, 'test_pipeline', 'packages'))
      const path = jobs(
        dirs
          .filter((n) => /^\d/.test(n))
          .sort()
          .at(-1)!,
      )
      existedAtClose = existsSync(path)
      for (let i = 0; i < 400 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 5))
      removedWhileClosing = !existsSync(path)
    }
    const info = await p.run(source(incremental('Entries', entries(5))))
    expect(existedAtClose).toBe(true)
    expect(removedWhileClosing).toBe(true)
    expect(await exists(jobs(info.loadIds[0]!))).toBe(false)
    expect(info.warnings).toEqual([])

    // a file system that cannot remove them: the load stands, with a warning, and the next run removes them
    d.onDispose = async () => {}
    const fs = nodeFileSystem()
    const failing = { ...fs, remove: async () => Promise.reject(new Error('EBUSY: resource busy')) }
    const second = await make(d, { fs: failing }).p.run(source(incremental('Entries', entries(8))))
    expect(second.loadIds).toHaveLength(1)
    expect(d.rows('entries')).toHaveLength(8)
    expect(second.warnings.join('\n')).toContain('could not remove the job files of loaded packages (EBUSY')
    expect(await exists(jobs(second.loadIds[0]!))).toBe(true)
    await p.run(source(incremental('Entries', entries(8))))
    expect(await exists(jobs(second.loadIds[0]!))).toBe(false)
  })

  it('continues incrementally: the second run loads only new rows', async () => {
    const d = new FakeDestination()
    const data = entries(3)
    const { p } = make(d)
    await p.run(source(incremental('entries', data)))
    data.push(...entries(2, 4))
    const info = await p.run(source(incremental('entries', data)))
    expect(info.tables).toEqual({ entries: { rows: 2 } })
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3, 4, 5])
    expect(Number(d.loads[1])).toBeGreaterThan(Number(d.loads[0]))
  })

  it('writes csv for a csv destination and jsonl when parquet is preferred', async () => {
    const csv = new FakeDestination('csv')
    await make(csv).p.run(
      source(
        incremental('entries', [
          { id: 1, name: '' },
          { id: 2, name: 'a\nb' },
        ]),
      ),
    )
    expect(csv.jobs[0]?.format).toBe('csv')
    expect(csv.rows('entries').map((r) => r.name)).toEqual(['', 'a\nb'])
    const parquet = new FakeDestination('parquet')
    await make(parquet, {}, join(dir, 'other')).p.run(source(incremental('entries', entries(1))))
    expect(parquet.jobs[0]?.format).toBe('jsonl')
  })

  it('rotates job files by size', async () => {
    const d = new FakeDestination()
    const { p } = make(d, { fileMaxBytes: 200 })
    const info = await p.run(source(incremental('entries', entries(20))))
    const pkg = await p.package(info.loadIds[0]!)
    expect(pkg!.jobs.length).toBeGreaterThan(3)
    expect(pkg!.jobs.reduce((n, j) => n + j.rows, 0)).toBe(20)
    expect(d.rows('entries')).toHaveLength(20)
  })

  it('retries a transient job failure with backoff', async () => {
    const d = new FakeDestination()
    d.failures = [{ table: 'entries', transient: 2 }]
    const { p, events, sleeps } = make(d)
    const info = await p.run(source(incremental('entries', entries(2))))
    expect(info.tables.entries?.rows).toBe(2)
    expect(sleeps).toEqual([1000, 2000])
    expect(events.filter((e) => e.type === 'load-job' && e.phase === 'retry')).toHaveLength(2)
    expect((await p.package(info.loadIds[0]!))?.jobs[0]?.retries).toBe(2)
  })

  it('aborts the package on a terminal job failure, keeps it, and does not commit its state', async () => {
    const d = new FakeDestination()
    d.failures = [{ table: 'entries', terminal: true }]
    const counter = { reads: 0 }
    const { p } = make(d)
    const error = await p.run(source(incremental('entries', entries(2), counter))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SluiceError)
    expect((error as SluiceError).code).toBe('LOAD_JOB_FAILED')
    expect((error as Error).message).toMatch(
      /load job entries\.1\.jsonl for table entries in package .* failed: column "x"/,
    )
    const [pkg] = await p.packages()
    expect(pkg?.state).toBe('aborted')
    expect(pkg?.error).toContain('entries.1.jsonl')
    expect(await readdir(join(dir, 'test_pipeline', 'packages', pkg!.loadId, 'failed'))).toEqual([
      'entries.1.jsonl',
    ])
    expect(await p.failedJobs()).toEqual([
      {
        loadId: pkg!.loadId,
        jobId: 'entries.1.jsonl',
        table: 'entries',
        error: expect.stringContaining('rejects'),
      },
    ])
    expect(d.storedState).toBeUndefined()
    expect(await p.state()).toBeUndefined()
    expect((await p.lastTrace())?.error).toContain('failed: column "x"')
    // the aborted package is not retried; the next run fetches again from the last committed state
    d.failures = []
    const info = await p.run(source(incremental('entries', entries(2), counter)))
    expect(info.resumedPackages).toEqual([])
    expect(counter.reads).toBe(2)
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2])
  })

  it('keeps a package pending when transient retries run out, and resumes it next run without fetching', async () => {
    const d = new FakeDestination()
    d.failures = [{ table: 'entries', transient: 10 }]
    const counter = { reads: 0 }
    const { p, events } = make(d, { loadRetries: 2 })
    await expect(p.run(source(incremental('entries', entries(3), counter)))).rejects.toMatchObject({
      code: 'LOAD_RETRIES_EXHAUSTED',
    })
    const [pending] = await p.packages()
    expect(pending?.state).toBe('normalized')
    d.failures = []
    const info = await p.run(source(incremental('entries', entries(3), counter)))
    expect(info.resumedPackages).toEqual([pending!.loadId])
    expect(info.loadIds[0]).toBe(pending!.loadId)
    expect(events).toContainEqual({ type: 'package-resumed', loadId: pending!.loadId, state: 'normalized' })
    // one read in each run; the resumed package was not fetched again and the new extract found nothing new
    expect(counter.reads).toBe(2)
    expect(info.tables.entries?.rows).toBe(3)
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3])
  })

  it('commits state only with complete(): a crash before complete neither loses nor duplicates rows', async () => {
    const d = new FakeDestination()
    const data = entries(3)
    const counter = { reads: 0 }
    const { p } = make(d)
    d.crashOnComplete = 1
    await expect(p.run(source(incremental('entries', data, counter)))).rejects.toThrow('process killed')
    expect(d.storedState).toBeUndefined()
    expect(await p.state()).toBeUndefined()
    expect(d.rows('entries')).toEqual([])
    data.push(...entries(2, 4))
    const info = await p.run(source(incremental('entries', data, counter)))
    expect(info.resumedPackages).toHaveLength(1)
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3, 4, 5])
    expect((await p.state())?.sources.test_source?.resources.entries).toEqual({ lastId: 5 })
  })

  it('loads several pending packages in load-id order before extracting', async () => {
    const d = new FakeDestination()
    const data = entries(2)
    const { p } = make(d)
    d.crashOnComplete = 1
    await expect(p.run(source(incremental('entries', data)))).rejects.toThrow()
    // a second pending package (a run only leaves one; an older version or a kill during resume may leave more)
    const [first] = (await p.packages()).map((m) => m.loadId)
    const second = newLoadId(first)
    const packages = join(dir, 'test_pipeline', 'packages')
    await cp(join(packages, first!), join(packages, second), { recursive: true })
    const manifest = JSON.parse(await readFile(join(packages, second, 'package.json'), 'utf8'))
    await writeFile(join(packages, second, 'package.json'), JSON.stringify({ ...manifest, loadId: second }))
    const pending = (await p.packages()).map((m) => m.loadId)
    expect(pending).toHaveLength(2)
    expect(Number(pending[1])).toBeGreaterThan(Number(pending[0]))
    const info = await p.run(source(incremental('entries', data)))
    expect(info.resumedPackages).toEqual(pending)
    expect(d.loads.slice(0, 2)).toEqual(pending)
    expect(Number(info.loadIds[2])).toBeGreaterThan(Number(pending[1]))
  })

  it('restores state and schema from the destination on a fresh pipelines dir', async () => {
    const d = new FakeDestination()
    const data = entries(3)
    await make(d).p.run(source(incremental('entries', data)))
    data.push(...entries(1, 4))
    const fresh = join(dir, 'fresh-machine')
    const { p } = make(d, {}, fresh)
    const info = await p.run(source(incremental('entries', data)))
    expect(info.tables.entries?.rows).toBe(1)
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3, 4])
    expect((await p.schema('test_source'))?.tables.entries).toBeDefined()
    expect(d.migrations.at(-1)).toEqual([])
  })

  it('takes the destination state when another machine loaded since', async () => {
    const d = new FakeDestination()
    const data = entries(2)
    const here = make(d).p
    await here.run(source(incremental('entries', data)))
    data.push(...entries(2, 3))
    await make(d, {}, join(dir, 'other-machine')).p.run(source(incremental('entries', data)))
    data.push(...entries(1, 5))
    const info = await here.run(source(incremental('entries', data)))
    expect(info.tables.entries?.rows).toBe(1)
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3, 4, 5])
  })

  it('loads everything again when the destination lost the data the local state points at', async () => {
    const data = entries(3)
    const { p } = make(new FakeDestination())
    await p.run(source(incremental('entries', data)))
    // same pipelines dir, but a new, empty destination (a new database file, a dropped dataset)
    const empty = new FakeDestination()
    const again = make(empty).p
    const info = await again.run(source(incremental('entries', data)))
    expect(info.tables.entries?.rows).toBe(3)
    expect(empty.rows('entries').map((r) => r.id)).toEqual([1, 2, 3])
    expect(info.warnings.join('\n')).toMatch(
      /holds no state of pipeline test_pipeline .*loading everything again/,
    )
  })

  it('passes replace ranges (column normalized) to complete()', async () => {
    const d = new FakeDestination()
    const resource: Resource<Entry & { TimeSince: string }> = {
      name: 'entries',
      primaryKey: 'id',
      writeDisposition: { disposition: 'merge' },
      async *read(ctx) {
        ctx.replaceRange({ column: 'TimeSince', from: '2024-01-01', to: '2024-02-01' })
        yield [{ id: 1, name: 'a', TimeSince: '2024-01-05' }]
      },
    }
    const { p } = make(d)
    await p.run({ name: 'test_source', resources: [resource as Resource<object>] })
    expect(d.completed[0]?.tables[0]).toMatchObject({
      disposition: 'merge',
      rows: 1,
      replaceRanges: [{ column: 'time_since', from: '2024-01-01', to: '2024-02-01' }],
    })
    d.tables.set('entries', [
      { id: 9, time_since: '2024-01-20' },
      { id: 8, time_since: '2023-12-31' },
    ])
    const gone: Resource<Entry> = {
      ...resource,
      async *read(ctx) {
        ctx.replaceRange({ column: 'TimeSince', from: '2024-01-01', to: '2024-02-01' })
        yield []
      },
    } as Resource<Entry>
    await p.run({ name: 'test_source', resources: [gone as Resource<object>] })
    expect(d.completed[1]?.tables).toEqual([expect.objectContaining({ rows: 0, disposition: 'merge' })])
    expect(d.rows('entries').map((r) => r.id)).toEqual([8])
  })

  it('skips a resource that throws RESOURCE_SKIPPED, unless strict', async () => {
    const d = new FakeDestination()
    const forbidden: Resource<Entry> = {
      name: 'absences',
      writeDisposition: 'replace',
      async *read(ctx) {
        ctx.warn('absences: reading with reduced rights')
        ctx.emit({ type: 'page', resource: 'absences', page: 1, rows: 1 })
        yield [{ id: 1, name: 'x' }]
        throw new SluiceError('RESOURCE_SKIPPED', 'absences: the API key may not read absences (403)')
      },
    }
    const { p, events } = make(d)
    const info = await p.run(source(incremental('entries', entries(2)), forbidden))
    expect(info.skippedResources).toEqual([{ resource: 'absences', reason: expect.stringContaining('403') }])
    expect(events).toContainEqual(expect.objectContaining({ type: 'resource-skipped', resource: 'absences' }))
    expect(events).toContainEqual({ type: 'page', resource: 'absences', page: 1, rows: 1 })
    expect(info.warnings).toEqual(['absences: reading with reduced rights'])
    expect(Object.keys(info.tables)).toEqual(['entries'])
    expect(d.completed[0]?.tables.map((t) => t.table.name)).toEqual(['entries'])
    expect((await p.state())?.sources.test_source?.resources.absences).toBeUndefined()
    await expect(
      make(d, {}, join(dir, 'strict')).p.run(source(forbidden), { strict: true }),
    ).rejects.toMatchObject({
      code: 'RESOURCE_SKIPPED',
    })
  })

  it('selects resources by name and rejects unknown names', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    const info = await p.run(source(incremental('entries', entries(1)), incremental('users', entries(2))), {
      resources: ['users'],
    })
    expect(Object.keys(info.tables)).toEqual(['users'])
    await expect(p.run(source(incremental('entries', [])), { resources: ['nope'] })).rejects.toMatchObject({
      code: 'RESOURCE_UNKNOWN',
    })
  })
})
