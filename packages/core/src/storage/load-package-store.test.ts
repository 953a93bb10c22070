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
})
