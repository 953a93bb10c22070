import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SluiceError } from '../../src/errors.ts'
import type { PipelineEvent } from '../../src/events.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { withLoadInfoMethods } from '../../src/pipeline/pipeline-load-info.ts'
import { type PipelineInternals, pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Resource, Source } from '../../src/source/source-types.ts'
import { newLoadId } from '../../src/storage/load-id.ts'
import { decompressState } from '../../src/storage/state-compression.ts'
import { FakeDestination } from './fake-destination.ts'
import { fakeNormalizer } from './fake-normalizer.ts'

type Entry = { id: number; name: string; items?: number[] }

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-pipeline-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const internals: PipelineInternals = { createNormalizer: fakeNormalizer }

function make(destination: FakeDestination, extra: Partial<PipelineOptions> = {}, pipelinesDir = dir) {
  const events: PipelineEvent[] = []
  const sleeps: number[] = []
  const p = pipeline(
    {
      pipelineName: 'test_pipeline',
      destination,
      pipelinesDir,
      fs: nodeFileSystem(),
      onEvent: (e) => events.push(e),
      sleep: async (ms) => {
        sleeps.push(ms)
      },
      ...extra,
    },
    internals,
  )
  return { p, events, sleeps }
}

/** An incremental resource over `data`: yields rows with id > state.lastId in pages of 2, counts reads. */
function incremental(name: string, data: Entry[], counter = { reads: 0 }): Resource<Entry> {
  return {
    name,
    async *read(ctx) {
      counter.reads++
      const last = (ctx.state.lastId as number | undefined) ?? 0
      const rows = data.filter((r) => r.id > last)
      for (let i = 0; i < rows.length; i += 2) {
        const page = rows.slice(i, i + 2)
        yield page
        ctx.state.lastId = page.at(-1)!.id
      }
    },
  }
}

function source(...resources: Resource<Entry>[]): Source {
  return { name: 'test_source', resources: resources as Resource<object>[] }
}

const entries = (n: number, from = 1): Entry[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, name: `entry "${from + i}", with comma` }))

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

  it('refresh drop_sources drops the tables and resets state after extracting', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    const withItems = entries(2).map((e) => ({ ...e, items: [1, 2] }))
    await p.run(source(incremental('entries', withItems)))
    expect(d.rows('entries__items')).toHaveLength(4)
    const info = await p.run(source(incremental('entries', withItems)), { refresh: 'drop_sources' })
    expect(d.dropped.sort()).toEqual(['entries', 'entries__items'])
    expect(info.tables.entries?.rows).toBe(2)
    expect(d.rows('entries')).toHaveLength(2)
    expect(d.migrations.at(-1)?.filter((c) => c.kind === 'add-table')).toHaveLength(2)
  })

  it('refresh drop_resources drops only the selected resources; drop_data empties and reloads', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    const src = () => source(incremental('entries', entries(2)), incremental('users', entries(3)))
    await p.run(src())
    const dropped = await p.run(src(), { refresh: 'drop_resources', resources: ['users'] })
    expect(d.dropped).toEqual(['users'])
    expect(dropped.refresh).toEqual({ mode: 'drop_resources', droppedTables: ['users'], emptiedTables: [] })
    expect(dropped.toString()).toContain('refresh drop_resources: dropped users')
    expect(d.rows('users')).toHaveLength(3)
    expect(d.rows('entries')).toHaveLength(2)
    const info = await p.run(src(), { refresh: 'drop_data', resources: ['entries'] })
    expect(info.tables.entries?.rows).toBe(2)
    expect(info.refresh).toEqual({ mode: 'drop_data', droppedTables: [], emptiedTables: ['entries'] })
    expect(d.completed.at(-1)?.tables).toEqual([expect.objectContaining({ disposition: 'replace', rows: 2 })])
    expect(d.rows('entries')).toHaveLength(2)
  })

  it('refresh is not applied when extraction fails', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    await p.run(source(incremental('entries', entries(2))))
    const broken: Resource<Entry> = {
      name: 'entries',
      async *read() {
        yield [{ id: 3, name: 'c' }]
        throw new Error('API down')
      },
    }
    await expect(p.run(source(broken), { refresh: 'drop_sources' })).rejects.toThrow('API down')
    expect(d.dropped).toEqual([])
    expect(d.rows('entries')).toHaveLength(2)
    expect(await p.packages()).toHaveLength(1)
  })

  it('extracts resources concurrently; the first failure stops the others and is the one reported', async () => {
    const d = new FakeDestination()
    let siblingStopped = false
    const waiting: Resource<Entry> = {
      name: 'slow',
      async *read(ctx) {
        try {
          yield [{ id: 1, name: 'a' }]
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
        } finally {
          siblingStopped = ctx.signal.aborted
        }
      },
    }
    const failing: Resource<Entry> = {
      name: 'failing',
      read: () => ({
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            throw new Error('API down')
          },
        }),
      }),
    }
    const { p } = make(d)
    await expect(p.run(source(waiting, failing))).rejects.toThrow('API down')
    expect(siblingStopped).toBe(true)
    expect(await p.packages()).toEqual([])
    // with both succeeding, the package keeps resource order whatever the finishing order
    const info = await p.run(source(incremental('zeta', entries(1)), incremental('alpha', entries(3))))
    expect(Object.keys(info.tables)).toEqual(['zeta', 'alpha'])
  })

  it('honours the abort signal during extraction and discards the partial package', async () => {
    const d = new FakeDestination()
    const controller = new AbortController()
    const endless: Resource<Entry> = {
      name: 'entries',
      async *read() {
        for (let i = 1; ; i++) {
          if (i === 3) controller.abort(new Error('SIGINT'))
          yield [{ id: i, name: 'x' }]
        }
      },
    }
    const { p } = make(d)
    await expect(p.run(source(endless), { signal: controller.signal })).rejects.toMatchObject({
      code: 'RUN_ABORTED',
    })
    expect(await p.packages()).toEqual([])
    expect(d.loads).toEqual([])
  })

  it('stops a load on abort without publishing, and resumes the package next run', async () => {
    const d = new FakeDestination()
    const controller = new AbortController()
    const { p } = make(d, {
      onEvent: (e) => {
        if (e.type === 'load-job' && e.phase === 'start') controller.abort(new Error('SIGTERM'))
      },
    })
    const counter = { reads: 0 }
    await expect(
      p.run(source(incremental('entries', entries(2), counter)), { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'RUN_ABORTED' })
    expect(d.loads).toEqual([])
    const [pending] = await p.packages()
    expect(pending?.state).toBe('normalized')
    const info = await p.run(source(incremental('entries', entries(2), counter)))
    expect(info.resumedPackages).toEqual([pending!.loadId])
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2])
    expect(counter.reads).toBe(2)
  })

  it('aborts promptly even when a resource ignores the signal', async () => {
    const d = new FakeDestination()
    const controller = new AbortController()
    let closed = false
    const stuck: Resource<Entry> = {
      name: 'entries',
      async *read() {
        try {
          yield [{ id: 1, name: 'x' }]
          queueMicrotask(() => controller.abort(new Error('SIGINT')))
          await new Promise(() => undefined)
        } finally {
          closed = true
        }
      },
    }
    const { p } = make(d)
    await expect(p.run(source(stuck), { signal: controller.signal })).rejects.toMatchObject({
      code: 'RUN_ABORTED',
    })
    expect(await p.packages()).toEqual([])
    expect(closed).toBe(false)
  })

  it('discards a package left in state extracted by an interrupted run', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    await p.run(source(incremental('entries', entries(1))))
    const fs = nodeFileSystem()
    const stale = join(dir, 'test_pipeline', 'packages', '1000000000.000000')
    await fs.writeText(
      join(stale, 'package.json'),
      JSON.stringify({ loadId: '1000000000.000000', state: 'extracted', jobs: [] }),
    )
    const info = await p.run(source(incremental('entries', entries(1))))
    expect(info.resumedPackages).toEqual([])
    expect(await fs.exists(stale)).toBe(false)
  })

  it('LoadInfo: a readable toString() with the package line, hasFailedJobs, durations that agree with the trace', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    const info = await p.run(source(incremental('entries', entries(3)), incremental('users', entries(2))))
    const [loadId] = info.loadIds
    const text = info.toString()
    expect(text).toMatch(/^Pipeline test_pipeline run completed in \d+\.\d\d s \(extract /)
    expect(text).toContain(`Load package ${loadId} is LOADED and contains no failed jobs`)
    expect(text).toMatch(/rows per table:\n {2}entries {2}3\n {2}users {4}2/)
    expect(text).not.toContain('"name"')
    expect(String(info)).toBe(text)
    expect(info.hasFailedJobs).toBe(false)
    expect(() => info.raiseOnFailedJobs()).not.toThrow()
    const json = JSON.parse(JSON.stringify(info))
    expect(Object.keys(json)).not.toContain('hasFailedJobs')
    const trace = (await p.lastTrace())!
    const ms = (step: string) => trace.steps.find((s) => s.step === step)!.ms!
    for (const v of Object.values(info.durations)) expect(v).toBeGreaterThanOrEqual(0)
    expect(info.durations.normalize).toBe(ms('normalize'))
    expect(info.durations.extract).toBeLessThanOrEqual(ms('extract') + 1)
    expect(info.durations.load).toBeGreaterThanOrEqual(ms('load') - 1)
  })

  it('LoadInfo.raiseOnFailedJobs() throws LOAD_JOB_FAILED naming the first failed job', () => {
    const info = withLoadInfoMethods({
      pipelineName: 'p',
      destinationName: 'duckdb',
      destinationLocation: 'x.duckdb',
      datasetName: 'd',
      loadIds: ['1.2'],
      tables: {},
      schemaChanges: [],
      skippedResources: [],
      warnings: [],
      failedJobs: [{ loadId: '1.2', jobId: 'users.1', table: 'users', error: 'bad row' }],
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      durations: { extract: 1, normalize: 1, load: 1 },
      resumedPackages: [],
    })
    expect(info.hasFailedJobs).toBe(true)
    expect(() => info.raiseOnFailedJobs()).toThrow(
      expect.objectContaining({
        code: 'LOAD_JOB_FAILED',
        message: expect.stringContaining('users.1 (table users)'),
      }),
    )
    expect(info.toString()).toContain('Load package 1.2 is ABORTED and contains 1 failed job(s)')
  })

  it('drop() drops tables and resets the resource state, committed with the destination', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    await p.run(source(incremental('entries', entries(2)), incremental('users', entries(1))))
    await p.drop(['users'])
    expect(d.dropped).toEqual(['users'])
    expect((await p.state())?.sources.test_source?.resources).toEqual({ entries: { lastId: 2 } })
    const stored = (await decompressState(d.storedState!.state)) as {
      sources: { test_source: { resources: object } }
    }
    expect(stored.sources.test_source.resources).toEqual({ entries: { lastId: 2 } })
    expect(Object.keys((await p.schema())!.tables)).toEqual(['entries'])
  })

  it('drop() refuses unknown names, listing the known ones; re: selects by pattern; stateOnly keeps tables', async () => {
    const d = new FakeDestination()
    const { p } = make(d)
    await p.run(source(incremental('entries', entries(2)), incremental('users', entries(1))))
    await expect(p.drop(['nope'])).rejects.toMatchObject({
      code: 'RESOURCE_UNKNOWN',
      hint: 'known resources: entries, users',
    })
    await expect(p.drop(['re:^zz'])).rejects.toMatchObject({ code: 'RESOURCE_UNKNOWN' })
    expect(d.dropped).toEqual([])
    expect(await p.dropPlan(['re:^u'])).toMatchObject({ resources: ['users'], tables: ['users'] })
    expect(await p.dropPlan([])).toMatchObject({ resources: ['entries', 'users'] })
    const plan = await p.drop(['re:^e'], { stateOnly: true })
    expect(plan).toMatchObject({ resources: ['entries'], tables: [] })
    expect(d.dropped).toEqual([])
    expect((await p.state())?.sources.test_source?.resources).toEqual({ users: { lastId: 1 } })
    expect(Object.keys((await p.schema())!.tables).sort()).toEqual(['entries', 'users'])
    // statePaths: only those keys of the resource state go, the tables stay
    const paths = await p.drop(['users'], { statePaths: ['lastId', 'no.such.path'] })
    expect(paths).toMatchObject({ resources: ['users'], tables: [], statePaths: ['lastId', 'no.such.path'] })
    expect((await p.state())?.sources.test_source?.resources).toEqual({ users: {} })
    expect(d.dropped).toEqual([])
  })

  it('sync() restores state and schema from the destination; dropPendingPackages() removes pending ones', async () => {
    const d = new FakeDestination()
    await make(d).p.run(source(incremental('entries', entries(2))))
    const { p } = make(d, {}, join(dir, 'synced'))
    await p.sync()
    expect((await p.state())?.sources.test_source?.resources.entries).toEqual({ lastId: 2 })
    expect((await p.schema('test_source'))?.tables.entries).toBeDefined()
    d.crashOnComplete = 1
    await expect(p.run(source(incremental('entries', entries(3))))).rejects.toThrow()
    expect((await p.packages()).filter((m) => m.state === 'normalized')).toHaveLength(1)
    await p.dropPendingPackages()
    expect((await p.packages()).filter((m) => m.state !== 'loaded')).toEqual([])
  })

  it('refuses a second run, drop or sync of the pipeline while a run holds it, and frees it after', async () => {
    const d = new FakeDestination()
    let started!: () => void
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    let finish!: () => void
    const gate = new Promise<void>((resolve) => {
      finish = resolve
    })
    const slow: Resource<Entry> = {
      name: 'entries',
      async *read() {
        started()
        await gate
        yield entries(3)
      },
    }
    const first = make(d).p.run(source(slow))
    await running
    const second = make(d).p
    const locked = { code: 'PIPELINE_LOCKED', message: expect.stringContaining(`process ${process.pid}`) }
    await expect(second.run(source(incremental('entries', entries(5))))).rejects.toMatchObject(locked)
    await expect(second.drop(['entries'])).rejects.toMatchObject(locked)
    await expect(second.sync()).rejects.toMatchObject(locked)
    await expect(second.dropPendingPackages()).rejects.toMatchObject(locked)
    finish()
    expect((await first).tables).toEqual({ entries: { rows: 3 } })
    // the refused run touched nothing: one package, three rows; the lock is gone
    expect(d.rows('entries').map((r) => r.id)).toEqual([1, 2, 3])
    expect(await readdir(join(dir, 'test_pipeline'))).not.toContain('run.lock')
    const info = await second.run(source(incremental('entries', entries(5))))
    expect(info.tables).toEqual({ entries: { rows: 5 } })
  })

  it('runs of different pipelines in one directory do not block each other', async () => {
    const d = new FakeDestination()
    const a = make(d).p
    const b = make(d, { pipelineName: 'other_pipeline' }).p
    const [ra, rb] = await Promise.all([
      a.run(source(incremental('entries', entries(2)))),
      b.run(source(incremental('entries', entries(2)))),
    ])
    expect([ra.loadIds.length, rb.loadIds.length]).toEqual([1, 1])
  })
})

describe('pipeline run with the real normalizer', () => {
  it('flattens, creates child tables and merges by primary key', async () => {
    const d = new FakeDestination()
    const p = pipeline({ pipelineName: 'real', destination: d, pipelinesDir: dir, fs: nodeFileSystem() })
    const projects = (names: string[]): Resource<object> => ({
      name: 'Projects',
      primaryKey: 'id',
      writeDisposition: { disposition: 'merge' },
      async *read(ctx) {
        ctx.replaceRange({ column: 'TimeSince', from: 0, to: 100 })
        yield names.map((name, i) => ({ id: i + 1, name, billing: { budgetMoney: 10.5 }, tags: ['a', 'b'] }))
      },
    })
    const first = await p.run({ name: 'crm', resources: [projects(['x', 'y'])] })
    expect(Object.keys(first.tables).sort()).toEqual(['projects', 'projects__tags'])
    expect(first.tables.projects__tags?.rows).toBe(4)
    const row = d.rows('projects')[0]!
    expect(row).toMatchObject({ id: 1, name: 'x', billing__budget_money: 10.5 })
    expect(row._sluice_load_id).toBe(first.loadIds[0])
    expect(d.completed[0]?.tables.find((t) => t.table.name === 'projects')?.replaceRanges).toEqual([
      { column: 'time_since', from: 0, to: 100 },
    ])
    await p.run({ name: 'crm', resources: [projects(['x2', 'y'])] })
    expect(
      d
        .rows('projects')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['x2', 'y'])
    expect((await p.schema('crm'))?.tables.projects__tags?.parent).toBe('projects')
  })
})
