import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Destination } from '../../src/destination/destination-types.ts'
import { isSluiceError } from '../../src/errors.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Source } from '../../src/source/source-types.ts'
import type { DestinationRecord } from '../../src/storage/package-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'

// A pipeline records where it loads at every run; created without a destination it uses that record.
let dir: string
useTempDir('sluice-record-', (d) => {
  dir = d
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

/** A fake destination that reports settings, one of them a path. */
function withSettings(path: string): FakeDestination {
  const d = new FakeDestination()
  d.location = `file://${path}`
  ;(d as Destination).publicConfig = () => ({ path, nested: { region: 'eu' } })
  return d
}

const options = (extra: Partial<PipelineOptions> = {}): PipelineOptions => ({
  pipelineName: 'shop',
  pipelinesDir: dir,
  fs: nodeFileSystem(),
  ...extra,
})

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure')
}

describe('the record of the destination', () => {
  it('a run records name, location, settings without secrets and dataset; destinationRecord() reads it', async () => {
    const d = withSettings('/data/a')
    const p = pipeline(options({ destination: d, datasetName: 'Shop Data' }))
    expect(await p.destinationRecord()).toBeUndefined()
    await p.run(source)
    const record = await p.destinationRecord()
    expect(record).toEqual({
      name: 'fake',
      location: 'file:///data/a',
      config: { path: '/data/a', nested: { region: 'eu' } },
      datasetName: 'shop_data',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect(JSON.parse(await readFile(join(dir, 'shop', 'destination.json'), 'utf8'))).toEqual(record)
  })

  it('without a destination the pipeline rebuilds the recorded one and loads into the recorded dataset', async () => {
    const d = withSettings('/data/a')
    await pipeline(options({ destination: d, datasetName: 'kept' })).run(source)
    const seen: DestinationRecord[] = []
    const attached = pipeline(
      options({
        destinationFromRecord: async (record) => {
          seen.push(record)
          return d
        },
      }),
    )
    const info = await attached.run(source)
    expect(info.datasetName).toBe('kept')
    expect(seen.map((r) => r.config)).toEqual([{ path: '/data/a', nested: { region: 'eu' } }])
    // the dataset option wins over the record
    const other = pipeline(options({ datasetName: 'other', destinationFromRecord: async () => d }))
    expect((await other.run(source)).datasetName).toBe('other')
    expect((await other.destinationRecord())?.datasetName).toBe('other')
  })

  it('an unknown pipeline lists the known ones; a pipeline without record or rebuild says what to pass', async () => {
    await pipeline(options({ destination: new FakeDestination() })).run(source)
    const unknown = await failure(pipeline(options({ pipelineName: 'nosuch' })).run(source))
    expect(isSluiceError(unknown, 'PIPELINE_UNKNOWN')).toBe(true)
    expect(unknown.message).toBe(`there is no pipeline nosuch in ${dir}: known pipelines: shop`)
    const reading = await failure(
      pipeline(options({ pipelineName: 'nosuch' }))
        .dataset()
        .tables(),
    )
    expect(isSluiceError(reading, 'PIPELINE_UNKNOWN')).toBe(true)
    const noRebuild = await failure(pipeline(options()).run(source))
    expect(isSluiceError(noRebuild, 'CONFIG_MISSING')).toBe(true)
    expect(noRebuild.message).toMatch(/@sluice\/core\/node/)
    await rm(join(dir, 'shop', 'destination.json'))
    const noRecord = await failure(
      pipeline(options({ destinationFromRecord: async () => new FakeDestination() })).run(source),
    )
    expect(noRecord.message).toMatch(/has no recorded destination: pass its destination/)
  })

  it('loading somewhere new says where the pipeline loaded before and that its local state is shared', async () => {
    await pipeline(options({ destination: withSettings('/data/a') })).run(source)
    const info = await pipeline(options({ destination: withSettings('/data/b') })).run(source)
    expect(info.warnings.join('\n')).toContain(
      'pipeline shop loaded into fake at file:///data/a (dataset shop_dataset) until now; file:///data/b (dataset shop_dataset) holds no state of it: loading everything again',
    )
    expect(info.warnings.join('\n')).toContain(`Its local state in ${dir} is shared by every directory`)
    expect((await pipeline(options()).destinationRecord())?.location).toBe('file:///data/b')
  })
})
