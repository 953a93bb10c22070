import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeFileSystem } from '../../src/node/index.ts'
import { withLoadInfoMethods } from '../../src/pipeline/pipeline-load-info.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Resource } from '../../src/source/source-types.ts'
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

describe('pipeline run: refresh, cancellation, load info, drop, sync and locks', () => {
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
