import { describe, expect, it } from 'vitest'
import { SluiceError } from '../../src/errors.ts'
import type { PipelineEvent } from '../../src/events.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Resource, Source } from '../../src/source/source-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'

type Row = { id: number; name: string; extra?: string; tags?: string[] }

let dir: string
useTempDir('sluice-early-', (d) => {
  dir = d
})

function make(d: FakeDestination, extra: Partial<PipelineOptions> = {}) {
  const events: PipelineEvent[] = []
  const p = pipeline({
    pipelineName: 'early',
    destination: d,
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    // small files, so that they rotate while the resource still yields pages
    fileMaxBytes: 300,
    sleep: async () => {},
    onEvent: (e) => events.push(e),
    ...extra,
  })
  return { p, events }
}

/**
 * `pages` pages of 5 rows (merge on id). Records, after each page, how many jobs the destination had loaded,
 * and can add a column from page `newColumnAt` on or throw RESOURCE_SKIPPED after page `skipAfter`.
 */
function resource(
  d: FakeDestination,
  pages: number,
  options: { name?: string; seen?: number[]; newColumnAt?: number; skipAfter?: number } = {},
): Resource<Row> {
  const name = options.name ?? 'items'
  return {
    name,
    primaryKey: 'id',
    writeDisposition: 'merge',
    async *read() {
      for (let p = 0; p < pages; p++) {
        if (options.skipAfter !== undefined && p === options.skipAfter) {
          // its files are loaded by now: the skip must still keep them out
          await new Promise((r) => setTimeout(r, 50))
          throw new SluiceError('RESOURCE_SKIPPED', `${name}: the key may not read this (403)`)
        }
        yield Array.from({ length: 5 }, (_, i) => ({
          id: p * 5 + i + 1,
          name: `${name} row ${p * 5 + i + 1}, "quoted"`,
          tags: ['a', 'b'],
          ...(options.newColumnAt !== undefined && p >= options.newColumnAt ? { extra: `x${p}` } : {}),
        }))
        // let queued loads run, as network waits would
        await new Promise((r) => setTimeout(r, 1))
        options.seen?.push(d.jobs.length)
      }
    },
  }
}

const source = (...resources: Resource<Row>[]): Source => ({
  name: 'shop',
  resources: resources as Resource<object>[],
})

describe('loading while extracting', () => {
  it('loads job files into staging before extraction ends, each once, and publishes once at the end', async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    const seen: number[] = []
    const { p, events } = make(d)
    const info = await p.run(source(resource(d, 12, { seen })))
    // jobs were loaded while the resource was still yielding pages, and said so to the destination
    expect(seen.some((n) => n > 0)).toBe(true)
    expect(d.jobs.filter((j) => j.duringExtraction).length).toBeGreaterThan(0)
    const pkg = await p.package(info.loadIds[0]!)
    expect(pkg!.jobs.length).toBeGreaterThan(3)
    expect(pkg!.jobs.every((j) => j.state === 'completed')).toBe(true)
    const loadedIds = d.jobs.map((j) => j.jobId)
    expect(new Set(loadedIds).size).toBe(loadedIds.length)
    expect(loadedIds.sort()).toEqual(pkg!.jobs.map((j) => j.jobId).sort())
    // no startLoad (it would empty the staging tables filled so far); complete once, last
    expect(d.calls).not.toContain('startLoad')
    expect(d.calls.filter((c) => c === 'complete')).toHaveLength(1)
    expect(d.calls.at(-1)).toBe('complete')
    const firstLoad = d.calls.findIndex((c) => c.startsWith('load:items.'))
    expect(d.calls.slice(0, firstLoad)).toContain('prepare:items')
    // the child table is prepared before its first load
    const firstChildLoad = d.calls.findIndex((c) => c.startsWith('load:items__tags.'))
    expect(d.calls.slice(0, firstChildLoad)).toContain('prepare:items__tags')
    expect(d.rows('items')).toHaveLength(60)
    expect(d.rows('items__tags')).toHaveLength(120)
    // the load step began only after extraction ended, although jobs loaded before
    const extractEnd = events.findIndex((e) => e.type === 'step' && e.step === 'extract' && e.phase === 'end')
    const firstJobEnd = events.findIndex((e) => e.type === 'load-job' && e.phase === 'end')
    expect(firstJobEnd).toBeLessThan(extractEnd)
  })

  it("loads the extraction's last files as loads after it, and a resource's that ends first as during it", async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    const { p } = make(d, { resourceConcurrency: 2 })
    const info = await p.run(source(resource(d, 2, { name: 'short' }), resource(d, 12, { name: 'long' })))
    const jobs = (await p.package(info.loadIds[0]!))!.jobs
    const during = new Map(d.jobs.map((j) => [j.jobId, j.duringExtraction === true]))
    expect(during.size).toBe(jobs.length)
    /** Whether the last file of each of the resource's tables loaded as during extraction. */
    const lastFiles = (resource: string) => {
      const own = jobs.filter((j) => j.resource === resource)
      const tables = [...new Set(own.map((j) => j.table))]
      return tables.map((t) => during.get(own.filter((j) => j.table === t).at(-1)!.jobId))
    }
    // `long` reads after `short` ended: short's final files compete with it, long's (the final flush) do not
    expect(lastFiles('short')).toEqual([true, true])
    expect(lastFiles('long')).toEqual([false, false])
    // files that rotated while `long` still read pages loaded as during extraction
    const rotated = jobs.filter((j) => j.resource === 'long').slice(0, 2)
    expect(rotated.map((j) => during.get(j.jobId))).toEqual([true, true])
    expect(d.rows('long')).toHaveLength(60)
    expect(d.rows('short')).toHaveLength(10)
  })

  it('closes the first job file of a table at half of fileMaxBytes, so that its load starts early', async () => {
    const sizes = async (extra: Partial<PipelineOptions>) => {
      const d = new FakeDestination()
      d.earlyLoad = true
      const { p } = make(d, { fileMaxBytes: 1200, ...extra })
      const info = await p.run(source(resource(d, 12)))
      const jobs = (await p.package(info.loadIds[0]!))!.jobs.filter((j) => j.table === 'items')
      expect(jobs.reduce((n, j) => n + j.rows, 0)).toBe(60)
      return jobs.map((j) => j.bytes)
    }
    const early = await sizes({})
    expect(early[0]).toBeGreaterThanOrEqual(600)
    expect(early[0]).toBeLessThan(1200)
    for (const bytes of early.slice(1, -1)) expect(bytes).toBeGreaterThanOrEqual(1200)
    // without loads while extracting, every file rotates at fileMaxBytes
    const late = await sizes({ loadWhileExtracting: false })
    for (const bytes of late.slice(0, -1)) expect(bytes).toBeGreaterThanOrEqual(1200)
  })

  it("rotates job files at the destination's jobFileMaxBytes where the pipeline sets no fileMaxBytes", async () => {
    const sizes = async (jobFileMaxBytes: number | undefined, extra: Partial<PipelineOptions> = {}) => {
      const d = new FakeDestination()
      d.earlyLoad = true
      if (jobFileMaxBytes !== undefined) Object.assign(d.capabilities, { jobFileMaxBytes })
      const { p } = make(d, { fileMaxBytes: undefined, ...extra })
      const info = await p.run(source(resource(d, 12)))
      const jobs = (await p.package(info.loadIds[0]!))!.jobs.filter((j) => j.table === 'items')
      expect(jobs.reduce((n, j) => n + j.rows, 0)).toBe(60)
      expect(d.rows('items')).toHaveLength(60)
      return jobs.map((j) => j.bytes)
    }
    // the default (64 MiB) keeps the 60 rows in one file
    expect(await sizes(undefined)).toHaveLength(1)
    const small = await sizes(1200)
    expect(small.length).toBeGreaterThan(2)
    expect(small[0]).toBeGreaterThanOrEqual(600)
    expect(small[0]).toBeLessThan(1200)
    for (const bytes of small.slice(1, -1)) expect(bytes).toBeGreaterThanOrEqual(1200)
    // the pipeline's own setting wins
    expect(await sizes(1200, { fileMaxBytes: 64 * 1024 })).toHaveLength(1)
  })

  it('refuses a job-file size that is not a positive number of bytes, before any page is read', async () => {
    const refused = async (jobFileMaxBytes: number | undefined, fileMaxBytes: number | undefined) => {
      const d = new FakeDestination()
      if (jobFileMaxBytes !== undefined) Object.assign(d.capabilities, { jobFileMaxBytes })
      const seen: number[] = []
      const { p } = make(d, { fileMaxBytes })
      const error = await p.run(source(resource(d, 3, { seen }))).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SluiceError)
      expect(seen).toEqual([])
      return error as SluiceError
    }
    const option = await refused(undefined, 0)
    expect(option.code).toBe('CONFIG_INVALID')
    expect(option.message).toContain('fileMaxBytes is 0')
    const capability = await refused(-1, undefined)
    expect(capability.code).toBe('CONFIG_INVALID')
    expect(capability.message).toContain('capabilities.jobFileMaxBytes is -1')
    expect(capability.hint).toContain('64 MiB')
  })

  it("loads up to the client's maxParallelJobs files at once, each once", async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    d.maxParallelJobs = 3
    d.loadDelayMs = 20
    const { p } = make(d)
    const info = await p.run(source(resource(d, 12)))
    expect(d.maxConcurrentLoads).toBe(3)
    const loadedIds = d.jobs.map((j) => j.jobId)
    expect(new Set(loadedIds).size).toBe(loadedIds.length)
    expect(loadedIds.length).toBe((await p.package(info.loadIds[0]!))!.jobs.length)
    expect(d.calls).not.toContain('startLoad')
    expect(d.rows('items')).toHaveLength(60)
  })

  it('migrates again when the schema grows mid-extraction', async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    const { p } = make(d)
    await p.run(source(resource(d, 10, { newColumnAt: 6 })))
    const duringExtraction = d.calls.slice(0, d.calls.lastIndexOf('migrate'))
    expect(duringExtraction.filter((c) => c === 'migrate').length).toBeGreaterThanOrEqual(2)
    const added = d.migrations.flat().filter((c) => c.kind === 'add-column')
    expect(added.map((c) => (c.kind === 'add-column' ? c.column.name : ''))).toContain('extra')
    expect(d.rows('items').filter((r) => r.extra !== undefined && r.extra !== null)).toHaveLength(20)
    expect(d.rows('items')).toHaveLength(50)
  })

  it('falls back to the whole load sequence when an early load fails, without duplicates', async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    d.failures = [{ table: 'items', transient: 1 }]
    const { p, events } = make(d)
    const info = await p.run(source(resource(d, 12)))
    // the early failure's cause is reported, not only retried
    const warning = expect.stringMatching(
      /^loading while extracting stopped \(.*connection reset loading .+\); the load step loads every job file again$/,
    )
    expect(info.warnings).toEqual([warning])
    expect(events).toContainEqual({ type: 'warning', message: warning })
    expect(d.calls).toContain('startLoad')
    const pkg = await p.package(info.loadIds[0]!)
    // every job loads again after startLoad emptied staging
    const afterStart = d.calls.slice(d.calls.indexOf('startLoad'))
    expect(afterStart.filter((c) => c.startsWith('load:'))).toHaveLength(pkg!.jobs.length)
    expect(d.rows('items')).toHaveLength(60)
    expect(new Set(d.rows('items').map((r) => r.id)).size).toBe(60)
  })

  it('drops a skipped resource whose files were already loaded, and keeps the others', async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    const { p } = make(d)
    const info = await p.run(
      source(resource(d, 8, { name: 'items' }), resource(d, 10, { name: 'secret', skipAfter: 8 })),
    )
    expect(info.skippedResources.map((s) => s.resource)).toEqual(['secret'])
    expect(d.calls).toContain('startLoad')
    expect(d.rows('items')).toHaveLength(40)
    expect(d.rows('secret')).toHaveLength(0)
    expect(d.completed[0]!.tables.map((t) => t.table.name)).not.toContain('secret')
  })

  it('loads only after extraction with loadWhileExtracting: false', async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    const seen: number[] = []
    const { p } = make(d, { loadWhileExtracting: false })
    await p.run(source(resource(d, 12, { seen })))
    expect(seen.every((n) => n === 0)).toBe(true)
    expect(d.jobs.some((j) => j.duringExtraction)).toBe(false)
    expect(d.calls.some((c) => c.startsWith('prepare:'))).toBe(false)
    expect(d.calls).toContain('startLoad')
    expect(d.rows('items')).toHaveLength(60)
  })

  it('removes the package and loads nothing when extraction fails after early loads', async () => {
    const d = new FakeDestination()
    d.earlyLoad = true
    const failing: Resource<Row> = {
      name: 'items',
      async *read() {
        yield* resource(d, 10).read({} as never)
        throw new Error('the API went away')
      },
    }
    const { p } = make(d)
    await expect(p.run(source(failing))).rejects.toThrow('the API went away')
    expect(d.jobs.length).toBeGreaterThan(0)
    expect(d.calls).not.toContain('complete')
    expect(await p.packages()).toEqual([])
  })
})
