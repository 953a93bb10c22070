import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { isSluiceError, type PipelineEvent, pipeline, type SluiceError, type Source } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { afterAll, describe, expect, it } from 'vitest'
import { duckdb } from '../src/index.ts'
import { shopSource } from './duckdb-test-helpers.ts'

// A run whose database hits a FATAL error (DuckDB invalidates the instance) must fail with DESTINATION_FATAL, and
// running again on the same file must end with every row exactly once: nothing lost, nothing appended twice.
// DuckDB's `debug_checkpoint_abort` makes the first checkpoint fail with a FATAL error; `checkpoint_threshold`
// picks how much must be written before one runs, so the failure lands at different steps of the run.
const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-fatal-'))
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const PAGES = 6
const ITEMS = 300
const EVENTS = 150

/** Items 1..1800 (merge on id) and 900 events (append), each row tagged with the run's label. */
function source(label: string): Source {
  const pages = Array.from({ length: PAGES }, (_, p) => [p * ITEMS + 1, (p + 1) * ITEMS] as const)
  return shopSource({ label, pages, tags: (id) => (id % 2 ? ['a', 'b'] : []), events: EVENTS })
}

function run(name: string, label: string, settings: Record<string, string>, events: PipelineEvent[]) {
  return pipeline({
    pipelineName: name,
    destination: duckdb({ path: join(dir, `${name}.duckdb`), settings }),
    datasetName: 'shop',
    pipelinesDir: join(dir, 'pipelines'),
    fs: nodeFileSystem(),
    fileMaxBytes: 8 * 1024,
    onEvent: (e) => events.push(e),
  }).run(source(label))
}

/** Opens the file after the runs closed it; the queries return one number each. */
async function counts(name: string, queries: string[]): Promise<number[]> {
  const instance = await DuckDBInstance.create(join(dir, `${name}.duckdb`))
  const conn = await instance.connect()
  try {
    const out: number[] = []
    for (const sql of queries) out.push(Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0]))
    return out
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

const loaded = (events: PipelineEvent[]): number =>
  events.filter((e) => e.type === 'load-job' && e.phase === 'end').length

describe('duckdb: a run that hits a FATAL error, then runs again', () => {
  // 0KB: the first commit checkpoints, before any job file loads; 64KB and 256KB: after some of them loaded
  it.each([
    ['0KB', false],
    ['64KB', true],
    ['256KB', true],
  ])(
    'checkpoint after %s: DESTINATION_FATAL naming the first error; the rerun publishes each package once',
    async (threshold, jobsBefore) => {
      const name = `fatal_${threshold.toLowerCase()}`
      const first: PipelineEvent[] = []
      const failed = await run(
        name,
        'first',
        { debug_checkpoint_abort: 'before_header', checkpoint_threshold: threshold },
        first,
      ).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isSluiceError(failed, 'DESTINATION_FATAL'), String(failed)).toBe(true)
      // the error that invalidated the database, even where a later statement reported it
      expect((failed as Error).message).toContain('checkpoint_abort')
      expect((failed as SluiceError).hint).toContain('run again')
      expect(loaded(first) > 0).toBe(jobsBefore)

      const second: PipelineEvent[] = []
      await run(name, 'second', {}, second)
      // a package extracted before the failure is loaded first, then the rerun's own: none of them half or twice
      const resumed = second.some((e) => e.type === 'package-resumed')
      expect(resumed).toBe(jobsBefore)
      const all = PAGES * ITEMS
      const events = PAGES * EVENTS
      expect(
        await counts(name, [
          'SELECT count(*) FROM shop.items',
          'SELECT count(DISTINCT id) FROM shop.items',
          `SELECT count(*) FROM shop.items WHERE label = 'second'`,
          'SELECT count(*) FROM shop.items__tags',
          `SELECT count(*) FROM shop.events WHERE label = 'first'`,
          `SELECT count(*) FROM shop.events WHERE label = 'second'`,
          `SELECT count(DISTINCT n) FROM shop.events WHERE label = 'second'`,
        ]),
      ).toEqual([all, all, all, all, resumed ? events : 0, events, events])
    },
  )
})
