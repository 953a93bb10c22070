// What the pipeline runner's tests share: a pipeline over a fake destination and the fake normalizer, and small
// incremental resources.
import type { PipelineEvent } from '../../src/events.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { type PipelineInternals, pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Resource, Source } from '../../src/source/source-types.ts'
import type { FakeDestination } from './fake-destination.ts'
import { fakeNormalizer } from './fake-normalizer.ts'

/** A row of the test resources. */
export type Entry = { id: number; name: string; items?: number[] }

const internals: PipelineInternals = { createNormalizer: fakeNormalizer }

/** A pipeline `test_pipeline` into `destination` that records its events and sleeps (which return at once). */
export function makePipeline(
  destination: FakeDestination,
  extra: Partial<PipelineOptions>,
  pipelinesDir: string,
): { p: ReturnType<typeof pipeline>; events: PipelineEvent[]; sleeps: number[] } {
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
export function incremental(name: string, data: Entry[], counter = { reads: 0 }): Resource<Entry> {
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

/** A source `test_source` of the resources. */
export function source(...resources: Resource<Entry>[]): Source {
  return { name: 'test_source', resources: resources as Resource<object>[] }
}

/** `n` entries from id `from`, with names that need CSV quoting. */
export const entries = (n: number, from = 1): Entry[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, name: `entry "${from + i}", with comma` }))
