import { createVerify, generateKeyPairSync } from 'node:crypto'
import { isSluiceError } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { HttpResponse, http } from 'msw'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BigQueryOptions, bigquery } from '../src/index.ts'
import { FakeBigQuery } from './bigquery-fake.ts'
import { fakeAuthClient } from './bigquery-helpers.ts'
import { guard } from './setup.ts'

// What sluice sends to BigQuery, asserted on the fake server: load-job configurations, query jobs with typed
// parameters, the transaction script, and the errors users see.
const fake = new FakeBigQuery({
  tokens: ['fake-token', 'sa-token'],
  denied: [/^CREATE SCHEMA IF NOT EXISTS `denied`/],
})
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const base = (): BigQueryOptions => ({
  project_id: 'test-project',
  location: 'EU',
  api_endpoint: fake.url,
  authClient: fakeAuthClient(),
})

const items = table('items', [
  { name: 'id', dataType: 'bigint', primaryKey: true },
  { name: 'name', dataType: 'text' },
  { name: 'payload', dataType: 'json' },
  { name: 'amount', dataType: 'decimal', precision: 10, scale: 2 },
])

describe('bigquery protocol', () => {
  it('creates datasets in the location and loads job files with load jobs', async () => {
    const client = await open(bigquery(base()), 'proto_load')
    const start = fake.jobs.length
    const pkg = await loadOnce(client, [
      {
        table: items,
        rows: [
          { id: 1, name: 'a', payload: { x: [1] }, amount: '12.50', _sluice_load_id: 'l', _sluice_id: 'i1' },
        ],
      },
    ])
    await client[Symbol.asyncDispose]()
    // initialize: one multi-statement job (datasets in the location, then the system tables)
    const init = fake.queries(/^CREATE SCHEMA IF NOT EXISTS `proto_load` /)
    expect(init).toHaveLength(1)
    expect((init[0] as string).split('\n').slice(0, 3)).toEqual([
      "CREATE SCHEMA IF NOT EXISTS `proto_load` OPTIONS (location = 'EU');",
      "CREATE SCHEMA IF NOT EXISTS `proto_load_staging` OPTIONS (location = 'EU');",
      'CREATE TABLE IF NOT EXISTS `proto_load`.`_sluice_loads` (`load_id` STRING, `schema_name` STRING, `status` INT64, `inserted_at` TIMESTAMP, `schema_version_hash` STRING);',
    ])
    const jobs = fake.jobs.slice(start)
    for (const j of jobs) expect(j.location).toBe('EU')
    const load = jobs.find((j) => j.kind === 'load')
    expect(load?.configuration['load']).toEqual({
      destinationTable: { projectId: 'test-project', datasetId: 'proto_load_staging', tableId: 'items' },
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      schema: {
        fields: [
          { name: 'id', type: 'INT64', mode: 'NULLABLE' },
          { name: 'name', type: 'STRING', mode: 'NULLABLE' },
          { name: 'payload', type: 'JSON', mode: 'NULLABLE' },
          { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE' },
          { name: '_sluice_load_id', type: 'STRING', mode: 'NULLABLE' },
          { name: '_sluice_id', type: 'STRING', mode: 'NULLABLE' },
        ],
      },
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_NEVER',
      ignoreUnknownValues: false,
      maxBadRecords: 0,
      location: 'EU',
    })
    // migrate: one multi-statement job for the target and staging tables
    expect(fake.queries(/CREATE TABLE IF NOT EXISTS `proto_load`.`items`/)).toEqual([
      [
        'CREATE TABLE IF NOT EXISTS `proto_load`.`items` (`id` INT64, `name` STRING, `payload` JSON, `amount` NUMERIC(10, 2), `_sluice_load_id` STRING, `_sluice_id` STRING);',
        'CREATE TABLE IF NOT EXISTS `proto_load_staging`.`items` (`id` INT64, `name` STRING, `payload` JSON, `amount` NUMERIC(10, 2), `_sluice_load_id` STRING, `_sluice_id` STRING);',
      ].join('\n'),
    ])
    // startLoad empties staging with a WHERE (BigQuery requires one)
    expect(fake.queries(/^DELETE FROM `proto_load_staging`/)).toEqual([
      'DELETE FROM `proto_load_staging`.`items` WHERE TRUE',
    ])
    // the publish is one script; _sluice_loads last, with typed parameters
    const script = fake.jobs
      .slice(start)
      .filter((j) => j.kind === 'query')
      .map((j) => j.configuration['query'] as Record<string, unknown>)
      .find((q) => String(q['query']).startsWith('BEGIN\n'))
    expect(script).toBeDefined()
    const lines = String(script?.['query']).split('\n')
    expect(lines.slice(0, 2)).toEqual(['BEGIN', '  BEGIN TRANSACTION;'])
    expect(lines.at(-6)).toMatch(/^ {2}INSERT INTO `proto_load`.`_sluice_loads` /)
    expect(lines.slice(-5)).toEqual([
      '  COMMIT TRANSACTION;',
      'EXCEPTION WHEN ERROR THEN',
      '  ROLLBACK TRANSACTION;',
      '  RAISE USING MESSAGE = @@error.message;',
      'END;',
    ])
    const qp = script?.['queryParameters'] as {
      name: string
      parameterType: { type: string }
      parameterValue: { value: string }
    }[]
    const loadId = qp.find((p) => p.parameterValue.value === pkg.loadId)
    expect(loadId?.parameterType.type).toBe('STRING')
    expect(qp.some((p) => p.parameterType.type === 'INT64')).toBe(true)
    expect(await readRows(fake.admin, 'proto_load', 'items')).toEqual([
      { id: '1', name: 'a', payload: '{"x":[1]}', amount: '12.50', _sluice_load_id: 'l', _sluice_id: 'i1' },
    ])
  })

  it('staging-optimized replace CLONEs the staging table before the publish transaction', async () => {
    const client = await open(bigquery({ ...base(), replace_strategy: 'staging-optimized' }), 'proto_clone')
    const t = { ...items, writeDisposition: 'replace' as const }
    await loadOnce(client, [
      { table: t, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ])
    const start = fake.jobs.length
    await loadOnce(client, [
      { table: t, rows: [{ id: 2, name: 'b', _sluice_load_id: 'l', _sluice_id: 'i2' }] },
    ])
    await client[Symbol.asyncDispose]()
    const sent = fake.jobs
      .slice(start)
      .filter((j) => j.kind === 'query')
      .map((j) => String((j.configuration['query'] as { query: string }).query))
    const clone = sent.indexOf(
      'CREATE OR REPLACE TABLE `proto_clone`.`items` CLONE `proto_clone_staging`.`items`',
    )
    const script = sent.findIndex((q) => q.startsWith('BEGIN\n'))
    expect(clone).toBeGreaterThanOrEqual(0)
    expect(script).toBeGreaterThan(clone)
    expect(sent[script]).not.toContain('CLONE')
    expect((await readRows(fake.admin, 'proto_clone', 'items')).map((r) => r['id'])).toEqual(['2'])
    expect(() => bigquery({ ...base(), replace_strategy: 'swap' })).toThrow(/replace_strategy "swap"/)
  })

  it('upserts with MERGE', async () => {
    const client = await open(bigquery(base()), 'proto_merge')
    const t = { ...items, writeDisposition: 'merge' as const, mergeStrategy: 'upsert' as const }
    await loadOnce(client, [
      { table: t, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ])
    await loadOnce(client, [
      { table: t, rows: [{ id: 1, name: 'b', _sluice_load_id: 'l', _sluice_id: 'i2' }] },
    ])
    await client[Symbol.asyncDispose]()
    expect(fake.queries(/MERGE INTO `proto_merge`.`items` AS t USING/).length).toBe(2)
    expect((await readRows(fake.admin, 'proto_merge', 'items')).map((r) => [r['id'], r['name']])).toEqual([
      ['1', 'b'],
    ])
  })

  it('a service-account key gets its token by a signed JWT (token endpoint answered in-process by msw)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const assertions: string[] = []
    guard.use(
      http.post('https://oauth2.googleapis.com/token', async ({ request }) => {
        const form = new URLSearchParams(await request.text())
        assertions.push(String(form.get('assertion')))
        return HttpResponse.json({ access_token: 'sa-token', expires_in: 3600, token_type: 'Bearer' })
      }),
    )
    try {
      const client = await open(
        bigquery({
          credentials: {
            project_id: 'test-project',
            client_email: 'loader@test-project.iam.gserviceaccount.com',
            private_key: privateKey,
          },
          location: 'EU',
          api_endpoint: fake.url,
        }),
        'proto_sa',
      )
      await client[Symbol.asyncDispose]()
    } finally {
      guard.resetHandlers()
    }
    expect(assertions.length).toBeGreaterThan(0)
    const [header, payload, signature] = (assertions[0] as string).split('.')
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<
      string,
      unknown
    >
    expect(claims['iss']).toBe('loader@test-project.iam.gserviceaccount.com')
    expect(String(claims['scope'])).toContain('https://www.googleapis.com/auth/bigquery')
    const ok = createVerify('RSA-SHA256')
      .update(`${header}.${payload}`)
      .verify(publicKey, signature as string, 'base64url')
    expect(ok).toBe(true)
  })
})

describe('bigquery errors', () => {
  const fails = async (options: BigQueryOptions, dataset: string) => {
    try {
      const client = await open(bigquery(options), dataset)
      await client[Symbol.asyncDispose]()
    } catch (error) {
      return error
    }
    throw new Error('expected a failure')
  }

  it('a rejected token says to check the service account key', async () => {
    const e = await fails({ ...base(), authClient: fakeAuthClient('revoked') }, 'err_auth')
    expect(isSluiceError(e, 'DESTINATION_AUTH')).toBe(true)
    expect(String((e as Error).message)).toMatch(/client_email and private_key/)
  })

  it('missing IAM roles name the roles to grant', async () => {
    const e = await fails(base(), 'denied')
    expect(isSluiceError(e, 'DESTINATION_PERMISSION')).toBe(true)
    expect(String((e as Error).message)).toMatch(/BigQuery Data Editor .* BigQuery Job User/)
  })

  it('a load into a missing table names project and location', async () => {
    const client = await open(bigquery(base()), 'err_missing')
    try {
      const err = await client
        .load(
          { loadId: '1.1', jobId: 'x', table: items, file: '/dev/null', format: 'jsonl', rows: 0 },
          new AbortController().signal,
        )
        .catch((e: unknown) => e)
      expect(isSluiceError(err, 'DESTINATION_DATABASE_MISSING')).toBe(true)
      expect(String((err as Error).message)).toMatch(/project_id "test-project" and location "EU"/)
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })
})
