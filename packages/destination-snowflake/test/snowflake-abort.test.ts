import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { snowflake } from '../src/index.ts'
import { FakeSnowflake } from './snowflake-fake.ts'

// Aborting a load job cancels the running statement on the server (snowflake-sdk's abort-request).
const fake = new FakeSnowflake({ hold: /^COPY INTO "ABORT_ME_STAGING"/ })
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

it('an aborted load cancels its COPY INTO and rejects with the abort reason', async () => {
  const client = await open(
    snowflake({
      account: 'a-b',
      user: 'LOADER',
      password: 'secret',
      database: 'ANALYTICS',
      accessUrl: fake.url,
    }),
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
    await expect.poll(() => fake.sql(/^COPY INTO "ABORT_ME_STAGING"/).length).toBe(1)
    const reason = new Error('stop now')
    controller.abort(reason)
    await expect(loading).rejects.toBe(reason)
    expect(fake.aborted.length).toBe(1)
  } finally {
    await client[Symbol.asyncDispose]()
  }
})
