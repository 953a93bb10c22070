import { describe, expect, it } from 'vitest'
import { nodeFileSystem } from '../../src/node/index.ts'
import { type PipelineInternals, pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Resource } from '../../src/source/source-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'
import { fakeNormalizer } from './fake-normalizer.ts'

let dir: string
useTempDir('sluice-groups-', (d) => {
  dir = d
})

const internals: PipelineInternals = { createNormalizer: fakeNormalizer }

describe('Resource.group in the extractor', () => {
  it('starts the resources of a group together, each seeing the contexts of all, within one slot', async () => {
    const log: string[] = []
    let meet: () => void = () => {}
    const met = new Promise<void>((resolve) => (meet = resolve))
    /** `a` waits for `b` to start: with one slot and no grouping it would wait forever. */
    const member = (name: string): Resource<{ id: number }> => ({
      name,
      group: 'pair',
      async *read(ctx) {
        log.push(`${name} sees ${[...(ctx.group?.contexts.keys() ?? [])].join(',')}`)
        if (name === 'b') meet()
        const timeout = new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`${name} ran alone`)), 2000),
        )
        await Promise.race([met, timeout])
        yield [{ id: 1 }]
        ctx.state.done = true
      },
    })
    const alone: Resource<{ id: number }> = {
      name: 'c',
      async *read(ctx) {
        log.push(`c sees ${ctx.group === undefined ? 'no group' : 'a group'}`)
        yield [{ id: 3 }]
      },
    }
    const d = new FakeDestination()
    const p = pipeline(
      {
        pipelineName: 'groups',
        destination: d,
        pipelinesDir: dir,
        fs: nodeFileSystem(),
        resourceConcurrency: 1,
      },
      internals,
    )
    await p.run({ name: 'src', resources: [member('a'), alone, member('b')] })
    expect(log).toEqual(['a sees a,b', 'b sees a,b', 'c sees no group'])
    expect(d.rows('a')).toHaveLength(1)
    expect(d.rows('b')).toHaveLength(1)
    expect(d.rows('c')).toHaveLength(1)
    expect((await p.state())?.sources['src']?.resources['b']).toEqual({ done: true })
  })
})
