import { cp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isSluiceError } from '../../src/errors.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { type PipelineInternals, pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Pipeline } from '../../src/pipeline/pipeline-types.ts'
import type { Resource, Source } from '../../src/source/source-types.ts'
import { createChecksum } from '../../src/storage/checksum.ts'
import { newLoadId } from '../../src/storage/load-id.ts'
import { LoadPackageStore } from '../../src/storage/load-package-store.ts'
import type { PackageManifest } from '../../src/storage/package-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'
import { fakeNormalizer } from './fake-normalizer.ts'

// Every loaded row is counted (the destination's count against the job file's), and a pending package whose
// job files changed since they were written is not loaded.

type Row = { id: number; name: string }

/** What job files are checksummed with here: the file system's CRC-32 where Node.js has one, else XXH32. */
const ALGORITHM = nodeFileSystem().crc32 ? 'crc32' : 'xxh32'

let dir: string
useTempDir('sluice-integrity-', (d) => {
  dir = d
})

const internals: PipelineInternals = { createNormalizer: fakeNormalizer }

function make(d: FakeDestination): { p: Pipeline; warnings: string[] } {
  const warnings: string[] = []
  const p = pipeline(
    {
      pipelineName: 'p',
      destination: d,
      pipelinesDir: dir,
      fs: nodeFileSystem(),
      onEvent: (e) => {
        if (e.type === 'warning') warnings.push(e.message)
      },
      sleep: async () => {},
    },
    internals,
  )
  return { p, warnings }
}

/** Rows with id > state.lastId, 3 to a page. */
function rows(name: string, data: Row[], counter = { reads: 0 }): Resource<Row> {
  return {
    name,
    async *read(ctx) {
      counter.reads++
      const last = (ctx.state.lastId as number | undefined) ?? 0
      const fresh = data.filter((r) => r.id > last)
      for (let i = 0; i < fresh.length; i += 3) {
        yield fresh.slice(i, i + 3)
        ctx.state.lastId = fresh[Math.min(i + 2, fresh.length - 1)]!.id
      }
    },
  }
}

const source = (...resources: Resource<Row>[]): Source => ({
  name: 'src',
  resources: resources as Resource<object>[],
})
const data = (n: number, from = 1): Row[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, name: `row ${from + i}` }))

async function failure(run: Promise<unknown>): Promise<Error> {
  const outcome = await run.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(outcome instanceof Error)) throw new Error('the run succeeded')
  return outcome
}

describe('rows the destination took', () => {
  it('a job the destination reports one row short of its file fails the package, naming the job', async () => {
    const d = new FakeDestination('csv')
    d.reportRows = (n) => n - 1
    const { p } = make(d)
    const error = await failure(p.run(source(rows('items', data(5)))))
    expect(isSluiceError(error, 'LOAD_JOB_FAILED')).toBe(true)
    expect(isSluiceError((error as Error & { cause: unknown }).cause, 'LOAD_ROWS_MISMATCH')).toBe(true)
    expect(error.message).toMatch(
      /load job items\.1\.csv .*the destination took 4 row\(s\) of load job items\.1\.csv \(table items, package \d+\.\d+\), but its job file \S+items\.1\.csv holds 5/,
    )
    const [pkg] = await p.packages()
    expect(pkg?.state).toBe('aborted')
    expect(pkg?.jobs[0]?.state).toBe('failed')
    expect(d.loads).toEqual([])
    expect(d.storedState).toBeUndefined()
    expect(await p.state()).toBeUndefined()
    expect((await p.lastTrace())?.error).toContain('the destination took 4 row(s)')
  })

  it('checks loads during extraction too', async () => {
    const d = new FakeDestination('csv')
    d.earlyLoad = true
    d.reportRows = (n) => n + 1
    const { p } = make(d)
    const error = await failure(p.run(source(rows('items', data(4)))))
    expect(error.message).toContain('the destination took 5 row(s) of load job items.1.csv')
    expect(d.calls.filter((c) => c.startsWith('load:'))).toHaveLength(2)
    expect(d.loads).toEqual([])
  })

  it('counts the rows of two resources that write one table (the load info said only the last one)', async () => {
    const d = new FakeDestination('csv')
    const { p } = make(d)
    const into = (name: string, n: number): Resource<Row> => ({ ...rows(name, data(n)), tableName: 'items' })
    const info = await p.run(source(into('first', 2), into('second', 3)))
    expect(info.tables).toEqual({ items: { rows: 5 } })
    expect(d.rows('items')).toHaveLength(5)
  })

  it('trusts a destination whose capabilities say it cannot count', async () => {
    const d = new FakeDestination('csv', false)
    d.reportRows = () => 0
    const { p } = make(d)
    const info = await p.run(source(rows('items', data(5))))
    expect(info.tables).toEqual({ items: { rows: 5 } })
    expect(d.rows('items')).toHaveLength(5)
  })
})

describe('a pending package whose job files changed since they were written', () => {
  /** Runs into a destination that crashes before complete(): the package stays pending. */
  async function pendingPackage(): Promise<{ d: FakeDestination; p: Pipeline; manifest: PackageManifest }> {
    const d = new FakeDestination('csv')
    const { p } = make(d)
    d.crashOnComplete = 1
    await failure(p.run(source(rows('items', data(6)))))
    const [manifest] = await p.packages()
    expect(manifest?.state).toBe('normalized')
    expect(manifest?.jobs[0]?.checksum).toMatch(new RegExp(`^${ALGORITHM}:[0-9a-f]{8}$`))
    return { d, p, manifest: manifest! }
  }

  function jobPath(manifest: PackageManifest): string {
    return new LoadPackageStore(nodeFileSystem(), dir, 'p').jobFile(manifest.loadId, manifest.jobs[0]!)
  }

  it('a job file that lost its last line: the package is dropped and its rows are extracted again', async () => {
    const { d, p, manifest } = await pendingPackage()
    const file = jobPath(manifest)
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1))
    const counter = { reads: 0 }
    const { p: again, warnings } = make(d)
    const info = await again.run(source(rows('items', data(6), counter)))
    expect(warnings.join('\n')).toMatch(
      new RegExp(
        `pending load package ${manifest.loadId} is damaged \\(its job file \\S+ has \\d+ bytes instead of ${manifest.jobs[0]!.bytes}\\): dropped it`,
      ),
    )
    expect(info.warnings).toEqual(warnings)
    expect(info.resumedPackages).toEqual([])
    expect(counter.reads).toBe(1)
    expect(d.rows('items').map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5, 6])
    expect((await p.packages()).map((m) => m.loadId)).not.toContain(manifest.loadId)
  })

  it('a job file of the same size with a changed byte, and the pending packages after it, are dropped', async () => {
    const { d, manifest } = await pendingPackage()
    const file = jobPath(manifest)
    const text = await readFile(file, 'utf8')
    // a second pending package (as a kill while resuming leaves one), carrying on from the first one's state
    const packages = join(dir, 'p', 'packages')
    const second = newLoadId(manifest.loadId)
    await cp(join(packages, manifest.loadId), join(packages, second), { recursive: true })
    await writeFile(join(packages, second, 'package.json'), JSON.stringify({ ...manifest, loadId: second }))
    await writeFile(file, text.replace('row 3', 'row 8'))
    const { p, warnings } = make(d)
    expect((await p.packages()).filter((m) => m.state === 'normalized')).toHaveLength(2)
    const info = await p.run(source(rows('items', data(6))))
    expect(warnings[0]).toMatch(
      new RegExp(
        `has the checksum ${ALGORITHM}:[0-9a-f]{8} instead of ${ALGORITHM}:[0-9a-f]{8}\\): dropped it and the 1 pending package\\(s\\) after it`,
      ),
    )
    expect(info.resumedPackages).toEqual([])
    expect(d.rows('items').map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5, 6])
    expect(d.rows('items').find((r) => Number(r.id) === 3)?.name).toBe('row 3')
    expect((await p.packages()).map((m) => m.loadId)).toEqual(info.loadIds)
  })

  /** Rewrites the package's manifest with the XXH32 checksum of its job file, as an earlier version wrote it. */
  async function asEarlierVersion(manifest: PackageManifest): Promise<void> {
    const xxh32 = createChecksum()
    xxh32.update(await readFile(jobPath(manifest)))
    await writeFile(
      join(dir, 'p', 'packages', manifest.loadId, 'package.json'),
      JSON.stringify({ ...manifest, jobs: [{ ...manifest.jobs[0]!, checksum: xxh32.digest() }] }),
    )
  }

  it('a package an earlier version checksummed with XXH32 is checked with XXH32 and resumed', async () => {
    const { d, manifest } = await pendingPackage()
    await asEarlierVersion(manifest)
    const { p, warnings } = make(d)
    const info = await p.run(source(rows('items', data(6))))
    expect(warnings).toEqual([])
    expect(info.resumedPackages).toEqual([manifest.loadId])
    expect(d.rows('items')).toHaveLength(6)
  })

  it('a package an earlier version checksummed with XXH32, with a byte changed, is dropped', async () => {
    const { d, manifest } = await pendingPackage()
    await asEarlierVersion(manifest)
    const file = jobPath(manifest)
    await writeFile(file, (await readFile(file, 'utf8')).replace('row 3', 'row 8'))
    const { p, warnings } = make(d)
    const info = await p.run(source(rows('items', data(6))))
    expect(warnings[0]).toMatch(/has the checksum xxh32:[0-9a-f]{8} instead of xxh32:[0-9a-f]{8}\)/)
    expect(info.resumedPackages).toEqual([])
    expect(d.rows('items').find((r) => Number(r.id) === 3)?.name).toBe('row 3')
  })

  it('a missing job file', async () => {
    const { d, manifest } = await pendingPackage()
    await rm(jobPath(manifest))
    const { p, warnings } = make(d)
    await p.run(source(rows('items', data(6))))
    expect(warnings[0]).toContain(`is damaged (its job file ${jobPath(manifest)} is missing)`)
    expect(d.rows('items')).toHaveLength(6)
  })
})

describe('a full refresh', () => {
  it('drops the old tables only when it publishes: killed before, the old rows stay until the rerun', async () => {
    const d = new FakeDestination('csv')
    const withItems = (n: number) => data(n).map((r) => ({ ...r, items: [r.id, r.id + 1] }))
    await make(d).p.run(source(rows('items', withItems(5) as Row[])))
    expect(d.rows('items__items')).toHaveLength(10)
    d.crashOnComplete = 1
    const { p } = make(d)
    await failure(p.run(source(rows('items', data(3))), { refresh: 'drop_sources' }))
    expect(d.dropped).toEqual([])
    expect(d.rows('items')).toHaveLength(5)
    expect(d.rows('items__items')).toHaveLength(10)
    const info = await p.run(source(rows('items', data(3))))
    expect(info.resumedPackages).toHaveLength(1)
    expect(d.dropped.sort()).toEqual(['items', 'items__items'])
    expect(d.rows('items').map((r) => Number(r.id))).toEqual([1, 2, 3])
    expect(d.rows('items__items')).toEqual([])
    const refreshed = d.completed.find((load) => load.loadId === info.resumedPackages[0])
    expect(refreshed?.dropTables).toEqual(['items__items'])
    expect(refreshed?.tables).toEqual([
      expect.objectContaining({ disposition: 'replace', recreate: true, rows: 3 }),
    ])
  })
})
