import type { SqlReader } from '@sluice/core/destination'
import { loadOnce, open, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BigQueryOptions, bigquery } from '../src/index.ts'
import { FakeBigQuery } from './bigquery-fake.ts'
import { fakeAuthClient } from './bigquery-helpers.ts'

// What the BigQuery reader sends, asserted on the fake server: a dry run first, the query job only for a SELECT,
// the dataset as defaultDataset, typed parameters, pages of chunkSize rows, and a cancelled job on abort.
const fake = new FakeBigQuery({ hold: /sleep_forever/, denied: [/secret_table/] })
let reader: SqlReader
const base = (): BigQueryOptions => ({
  project_id: 'test-project',
  location: 'EU',
  api_endpoint: fake.url,
  authClient: fakeAuthClient(),
})

beforeAll(async () => {
  await fake.start()
  const client = await open(bigquery(base()), 'shop')
  try {
    const items = table('items', [
      { name: 'id', dataType: 'bigint' },
      { name: 'name', dataType: 'text' },
    ])
    const rows = [1, 2, 3].map((id) => ({ id, name: `n${id}`, _sluice_load_id: 'l', _sluice_id: `i${id}` }))
    await loadOnce(client, [{ table: items, rows }])
  } finally {
    await client[Symbol.asyncDispose]()
  }
  reader = await bigquery(base()).openReader!({ datasetName: 'shop' })
})
afterAll(async () => {
  await reader?.close()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

async function all(sql: string, params: unknown[] = [], chunkSize?: number): Promise<unknown[][][]> {
  const chunks: unknown[][][] = []
  for await (const chunk of reader.query(sql, params, chunkSize ? { chunkSize } : {}))
    chunks.push(chunk.rows.map((r) => [...r]))
  return chunks
}

const jobsOf = (sql: string) =>
  fake.jobs.filter((j) => (j.configuration['query'] as { query?: string } | undefined)?.query === sql)

describe('bigquery reader', () => {
  it('dry-runs each query, then runs it with the dataset as defaultDataset and typed parameters', async () => {
    const sql =
      'select id, name from items where id >= @p1 and name <> @p2 and @p3 and @p4 is null order by id'
    expect(await all(sql, [2n, 'x', true, null])).toEqual([
      [
        [2n, 'n2'],
        [3n, 'n3'],
      ],
    ])
    const [dry, run] = jobsOf(sql)
    expect(dry?.configuration['dryRun']).toBe(true)
    expect(run?.configuration['dryRun']).toBeUndefined()
    for (const job of [dry, run]) {
      const query = job?.configuration['query'] as Record<string, unknown>
      expect(query['defaultDataset']).toEqual({ projectId: 'test-project', datasetId: 'shop' })
      expect(query['useLegacySql']).toBe(false)
      expect(
        (query['queryParameters'] as { name: string; parameterType: { type: string } }[]).map((p) => [
          p.name,
          p.parameterType.type,
        ]),
      ).toEqual([
        ['p1', 'INT64'],
        ['p2', 'STRING'],
        ['p3', 'BOOL'],
        ['p4', 'STRING'],
      ])
    }
    expect(run?.jobId).toMatch(/^sluice_reader_/)
  })

  it('runs nothing but the dry run for a statement that is not a SELECT', async () => {
    for (const sql of ['delete from items where true', 'drop table items', 'select 1; select 2']) {
      await expect(all(sql)).rejects.toMatchObject({ code: 'READ_ONLY' })
      expect(jobsOf(sql).map((j) => j.configuration['dryRun'])).toEqual([true])
    }
    expect(await all('select count(*) from items')).toEqual([[[3n]]])
  })

  it('reads results in pages of chunkSize rows', async () => {
    const chunks = await all('select id from items order by id', [], 2)
    expect(chunks).toEqual([[[1n], [2n]], [[3n]]])
  })

  it('cancels the job when the signal aborts, and maps what BigQuery refuses', async () => {
    const controller = new AbortController()
    const iterator = reader
      .query('select 1 as sleep_forever', [], { signal: controller.signal })
      [Symbol.asyncIterator]()
    const pending = iterator.next()
    await expect.poll(() => jobsOf('select 1 as sleep_forever').length).toBe(2)
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'RUN_ABORTED' })
    await expect.poll(() => fake.cancelled.length).toBe(1)
    await expect(all('select * from secret_table')).rejects.toMatchObject({ code: 'DESTINATION_PERMISSION' })
    await expect(bigquery(base()).openReader!({ datasetName: 'nope' })).rejects.toMatchObject({
      code: 'DESTINATION_DATABASE_MISSING',
    })
  })
})
