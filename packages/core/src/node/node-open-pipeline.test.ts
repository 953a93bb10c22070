import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openPipeline } from './node-open-pipeline.ts'

describe('openPipeline', () => {
  it('opens a pipeline of the directory and refuses an unknown name, listing the known ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-open-'))
    await mkdir(join(dir, 'alpha'), { recursive: true })
    await writeFile(
      join(dir, 'alpha', 'state.json'),
      JSON.stringify({ pipelineName: 'alpha', version: 1, sources: {} }),
    )
    await mkdir(join(dir, 'not_a_pipeline'))

    const p = await openPipeline('alpha', { pipelinesDir: dir })
    expect(p.pipelineName).toBe('alpha')
    expect(p.pipelinesDir).toBe(dir)
    expect((await p.state())?.version).toBe(1)

    await expect(openPipeline('beta', { pipelinesDir: dir })).rejects.toMatchObject({
      code: 'PIPELINE_UNKNOWN',
      message: expect.stringContaining('known pipelines: alpha'),
    })
    await expect(openPipeline('not_a_pipeline', { pipelinesDir: dir })).rejects.toMatchObject({
      code: 'PIPELINE_UNKNOWN',
    })
  })
})
