import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isSluiceError } from '../../src/errors.ts'
import { defaultPipelinesDir, nodeFileSystem, pipeline as nodePipeline } from '../../src/node/index.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Source } from '../../src/source/source-types.ts'
import { FakeDestination } from './fake-destination.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-node-defaults-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const source: Source = {
  name: 'shop',
  resources: [
    {
      name: 'items',
      async *read() {
        yield [{ id: 1 }, { id: 2 }]
      },
    },
  ],
}

describe('where a pipeline keeps its files', () => {
  it("core's pipeline takes no file system from the runtime and says where the defaults are", () => {
    const destination = new FakeDestination()
    for (const missing of [
      { pipelinesDir: dir },
      { fs: nodeFileSystem() },
      { fs: nodeFileSystem(), pipelinesDir: '' },
    ]) {
      let error: unknown
      try {
        pipeline({ pipelineName: 'p', destination, ...missing } as PipelineOptions)
      } catch (e) {
        error = e
      }
      expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
      expect((error as Error).message).toContain("import { pipeline } from '@sluice/core/node'")
    }
  })

  it('the Node.js pipeline defaults the directory to ~/.sluice/pipelines and the file system to the disk', async () => {
    const destination = new FakeDestination()
    expect(nodePipeline({ pipelineName: 'p', destination }).pipelinesDir).toBe(defaultPipelinesDir())
    const p = nodePipeline({ pipelineName: 'shop_pipeline', destination, pipelinesDir: dir })
    expect(p.pipelinesDir).toBe(dir)
    const info = await p.run(source)
    expect(info.tables.items?.rows).toBe(2)
    expect(await readdir(join(dir, 'shop_pipeline'))).toContain('state.json')
  })
})
