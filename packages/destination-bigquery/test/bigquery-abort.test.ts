import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { bigquery } from '../src/index.ts'
import { FakeBigQuery } from './bigquery-fake.ts'
import { fakeAuthClient } from './bigquery-helpers.ts'

// Aborting a load job cancels the BigQuery job (jobs.cancel).
const fake = new FakeBigQuery({ hold: /^abort_me_staging\.items$/ })
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

it('an aborted load cancels its load job and rejects with the abort reason', async () => {
  const client = await open(
    bigquery({ project_id: 'test-project', api_endpoint: fake.url, authClient: fakeAuthClient() }),
    'abort_me',
  )
  try {
    const t = table('items', [{ name: 'id', dataType: 'bigint' }])
    const schema = { name: 's', version: 1, versionHash: 'h', previousHashes: [], tables: { items: t } }
    await client.migrate(schema, [{ kind: 'add-table', table: t }])
    const dir = await mkdtemp(join(tmpdir(), 'sluice-abort-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'job.jsonl')
    await writeFile(file, '{"id":1,"_sluice_load_id":"l","_sluice_id":"a"}\n')
    const controller = new AbortController()
    const loading = client.load(
      { loadId: '1.1', jobId: 'items.1', table: t, file, format: 'jsonl', rows: 1 },
      controller.signal,
    )
    await expect.poll(() => fake.jobs.filter((j) => j.kind === 'load').length).toBe(1)
    const reason = new Error('stop now')
    controller.abort(reason)
    await expect(loading).rejects.toBe(reason)
    await expect.poll(() => fake.cancelled.length).toBe(1)
  } finally {
    await client[Symbol.asyncDispose]()
  }
})
