import { join } from 'node:path'
import { type PipelineEvent, pipeline, type Source } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { afterEach, describe, expect, it } from 'vitest'
import { duckdb } from '../src/index.ts'
import { memoryDuckDB, shopSource, spyOnStatements } from './duckdb-test-helpers.ts'

// A statement that fails inside the publish transaction (between the first and the last statement of
// `complete()`) must leave the dataset as it was, and the next run must publish the pending package once: no
// row lost, none twice. The failure is injected into the client's statements.
const { instance, conn, dir } = await memoryDuckDB('sluice-duckdb-publish-failure-')

const { statements, failNext } = spyOnStatements()
afterEach(() => {
  failNext(undefined)
  statements.length = 0
})

async function value(sql: string): Promise<number> {
  return Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0])
}

/** Items `from..to` (merge on id, with a child list) and 40 events (append), tagged with the run's label. */
function source(label: string, from: number, to: number): Source {
  return shopSource({ label, pages: [[from, to]], tags: () => [label, 'x'], events: 40 })
}

function run(dataset: string, src: Source, events: PipelineEvent[] = []) {
  return pipeline({
    pipelineName: `publish_${dataset}`,
    destination: duckdb({ instance }),
    datasetName: dataset,
    pipelinesDir: join(dir, 'pipelines'),
    fs: nodeFileSystem(),
    onEvent: (e) => events.push(e),
  }).run(src)
}

const counts = (dataset: string) =>
  Promise.all([
    value(`SELECT count(*) FROM ${dataset}.items`),
    value(`SELECT count(DISTINCT id) FROM ${dataset}.items`),
    value(`SELECT count(*) FROM ${dataset}.items__tags`),
    value(`SELECT count(*) FROM ${dataset}.events`),
    value(`SELECT count(*) FROM ${dataset}._sluice_loads`),
  ])

describe('duckdb: a statement fails inside the publish transaction', () => {
  it.each([
    // a first load, published by rename: the failure after the root table was renamed into place
    ['a first load (rename), at the child table', 'rename', /RENAME TO "items__tags"$/],
    // the last statement of every publish
    ['a first load (rename), at the load record', 'record', /INSERT INTO .*"_sluice_loads"/],
  ])('%s: nothing is published, and the rerun publishes it once', async (_, dataset, failing) => {
    failNext(failing)
    const error = await run(dataset, source('a', 1, 300)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(error)).toContain('injected failure of')
    expect(
      statements.filter((s) => failing.test(s)),
      'the statement to fail never ran',
    ).toHaveLength(1)
    // rolled back: the tables exist (created before the publish) and hold nothing
    expect(await counts(dataset)).toEqual([0, 0, 0, 0, 0])

    const events: PipelineEvent[] = []
    await run(dataset, source('b', 201, 400), events)
    expect(events.some((e) => e.type === 'package-resumed')).toBe(true)
    // ids 1-200 from the first package, 201-400 from the rerun's (merged over the first's 201-300)
    expect(await counts(dataset)).toEqual([400, 400, 800, 80, 2])
    expect(await value(`SELECT count(*) FROM ${dataset}.items WHERE label = 'b'`)).toBe(200)
  })

  it('a merge into rows (copied): the target keeps its rows, and the rerun merges once', async () => {
    await run('copy', source('a', 1, 300))
    expect(await counts('copy')).toEqual([300, 300, 600, 40, 1])
    failNext(/INSERT INTO .*"_sluice_loads"/)
    const error = await run('copy', source('b', 201, 400)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(error)).toContain('injected failure of')
    expect(statements.some((s) => /^(INSERT INTO|DELETE FROM) "memory"\."copy"\."items"/.test(s))).toBe(true)
    expect(await counts('copy')).toEqual([300, 300, 600, 40, 1])
    expect(await value(`SELECT count(*) FROM copy.items WHERE label = 'b'`)).toBe(0)

    await run('copy', source('c', 401, 450))
    expect(await counts('copy')).toEqual([450, 450, 900, 120, 3])
    expect(await value(`SELECT count(*) FROM copy.items WHERE label = 'b'`)).toBe(200)
    expect(await value(`SELECT count(*) FROM copy.items WHERE label = 'c'`)).toBe(50)
  })
})
