import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nodeFileSystem } from '../node/node-file-system.ts'
import { LoadPackageStore } from './load-package-store.ts'
import type { PackageManifest } from './package-types.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-store-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function manifest(loadId: string): PackageManifest {
  return {
    loadId,
    pipelineName: 'p',
    schemaName: 's',
    state: 'extracted',
    format: 'jsonl',
    createdAt: '',
    updatedAt: '',
    tables: {},
    jobs: [],
    schemaChanges: [],
    skippedResources: [],
    warnings: [],
    stateChanged: false,
    attempts: 0,
  }
}

describe('LoadPackageStore', () => {
  it('lays out a pipeline directory and lists packages in load order', async () => {
    const fs = nodeFileSystem()
    const store = new LoadPackageStore(fs, dir, 'p')
    for (const id of ['1700000010.000000', '1700000002.500000', '999999999.000000']) {
      await store.createPackage(manifest(id))
    }
    expect(await store.loadIds()).toEqual(['999999999.000000', '1700000002.500000', '1700000010.000000'])
    expect(await fs.exists(join(dir, 'p', 'packages', '1700000002.500000', 'jobs'))).toBe(true)
    const m = (await store.readPackage('1700000002.500000'))!
    expect(m.state).toBe('extracted')
    expect(m.updatedAt).not.toBe('')
    await store.writeState({ pipelineName: 'p', version: 1, sources: {} })
    expect(await fs.exists(join(dir, 'p', 'state.json'))).toBe(true)
    await store.writeSchema({ name: 's', version: 1, versionHash: 'h', previousHashes: [], tables: {} })
    expect(await store.schemaNames()).toEqual(['s'])
    await store.removePackage('999999999.000000')
    expect(await store.loadIds()).toHaveLength(2)
  })

  it('moves job files between jobs/, completed/ and failed/', async () => {
    const fs = nodeFileSystem()
    const store = new LoadPackageStore(fs, dir, 'p')
    const m = manifest('1700000000.000000')
    await store.createPackage(m)
    const job = {
      jobId: 't.1.jsonl',
      table: 't',
      resource: 't',
      format: 'jsonl' as const,
      rows: 1,
      bytes: 2,
      state: 'new' as const,
      retries: 0,
    }
    await fs.writeText(store.jobFile(m.loadId, job), '{}\n')
    const moved: PackageManifest['jobs'][number] = { ...job }
    await store.moveJob(m.loadId, moved, 'completed')
    expect(moved.state).toBe('completed')
    expect(await fs.list(store.jobsDir(m.loadId))).toEqual([])
    expect(await fs.readText(join(dir, 'p', 'packages', m.loadId, 'completed', 't.1.jsonl'))).toBe('{}\n')
  })

  it('finds job files a crash left in another folder than the manifest says', async () => {
    const fs = nodeFileSystem()
    const store = new LoadPackageStore(fs, dir, 'p')
    const m = manifest('1700000000.000000')
    await store.createPackage(m)
    const job = (jobId: string) => ({
      jobId,
      table: 't',
      resource: 't',
      format: 'jsonl' as const,
      rows: 1,
      bytes: 2,
      state: 'new' as const,
      retries: 0,
    })
    m.jobs.push(job('t.1.jsonl'), job('t.2.jsonl'))
    await fs.writeText(store.jobFile(m.loadId, { jobId: 't.1.jsonl', state: 'completed' }), '{}\n')
    await fs.writeText(store.jobFile(m.loadId, { jobId: 't.2.jsonl', state: 'new' }), '{}\n')
    expect(await store.locateJobs(m)).toBe(true)
    expect(m.jobs.map((j) => j.state)).toEqual(['completed', 'new'])
    expect(await store.locateJobs(m)).toBe(false)
  })

  it('names the file and the way out when a JSON file of the pipeline cannot be read', async () => {
    const fs = nodeFileSystem()
    const store = new LoadPackageStore(fs, dir, 'p')
    const id = '1700000000.000000'
    await store.createPackage(manifest(id))
    const cases: [string, () => Promise<unknown>, string, string][] = [
      [
        join(dir, 'p', 'packages', id, 'package.json'),
        () => store.packages(),
        'PACKAGE_CORRUPT',
        'drop-pending-packages',
      ],
      [
        join(dir, 'p', 'packages', id, 'schema.json'),
        () => store.readPackageSchema(id),
        'PACKAGE_CORRUPT',
        'drop-pending-packages',
      ],
      [
        join(dir, 'p', 'packages', id, 'state.json'),
        () => store.readPackageState(id),
        'PACKAGE_CORRUPT',
        'drop-pending-packages',
      ],
      [join(dir, 'p', 'state.json'), () => store.readState(), 'PIPELINE_FILES', '`sluice pipeline p sync`'],
      [
        join(dir, 'p', 'schemas', 's.json'),
        () => store.readSchema('s'),
        'PIPELINE_FILES',
        '`sluice pipeline p sync`',
      ],
      [join(dir, 'p', 'trace.json'), () => store.readTrace(), 'PIPELINE_FILES', 'delete it'],
    ]
    for (const [file, read, code, way] of cases) {
      await fs.writeText(file, '{ broken')
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error, file).toMatchObject({ code })
      expect((error as Error).message).toContain(`${file} is not valid JSON`)
      expect((error as Error).message).toContain(way)
    }
    await fs.writeText(join(dir, 'p', 'packages', id, 'package.json'), '[]')
    await expect(store.readPackage(id)).rejects.toThrow(/package\.json is not a JSON object/)
  })

  it('turns only load ids and plain names into paths', async () => {
    const store = new LoadPackageStore(nodeFileSystem(), dir, 'p')
    for (const id of ['../../x', '..', '1/2', '', '1.2.3'])
      expect(() => store.packageDir(id), id).toThrow(/is not a load id.*sluice pipeline p info/)
    for (const name of ['../x', '..', 'a/b', 'a\\b', ''])
      expect(() => store.schemaFile(name), name).toThrow(/cannot be a file name/)
    const id = '1700000000.000000'
    expect(() => store.jobFile(id, { jobId: '../../../etc/passwd', state: 'new' })).toThrow(
      /package\.json names the job "\.\.\/\.\.\/\.\.\/etc\/passwd".*drop-pending-packages/,
    )
    expect(() => store.jobFile(id, { jobId: 't.1.csv', state: '../x' as 'new' })).toThrow(
      /names the job state/,
    )
    expect(() => new LoadPackageStore(nodeFileSystem(), dir, '..')).toThrow(/cannot be a file name/)
  })
})
