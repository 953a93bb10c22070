import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError } from '@sluice/core/destination'
import { createStore, filesystemStaging } from '@sluice/destination-filesystem'
import { testDestination } from '@sluice/destination-testkit'
import { loadOnce, open, table } from '@sluice/destination-testkit/warehouse'
import pg from 'pg'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redactCopy, redshift } from '../src/index.ts'
import { type FakeCopyCall, installFakeCopy } from './redshift-fake-copy.ts'
import { admin, compatUrl, dq, dropDataset } from './redshift-helpers.ts'

// Loading through a staging bucket (dlt's staging = "filesystem"): the filesystem destination uploads each job file
// to s3rver, and COPY reads it from there. PostgreSQL cannot run Redshift's COPY, so a fake executes it as the
// engine would (test/redshift-fake-copy.ts), inside the load transaction, on the compatibility-profile database.
const KEY_ID = 'AKIAREDSHIFTSTAGING'
const SECRET = 'staging-secret-0f-redshift'
const ROLE = 'arn:aws:iam::123456789012:role/redshift-loader'
const BUCKET = 'sluice-redshift'
const directory = await mkdtemp(join(tmpdir(), 'sluice-redshift-s3-'))
let server: S3rver
let endpointUrl = ''
let fake: { calls: FakeCopyCall[]; restore(): void }

beforeAll(async () => {
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }],
  })
  const { port } = await server.run()
  endpointUrl = `http://127.0.0.1:${port}`
  fake = installFakeCopy({ endpoint: endpointUrl, keys: { id: KEY_ID, secret: SECRET }, roles: [ROLE] })
})
afterAll(async () => {
  fake?.restore()
  await server?.close()
  await rm(directory, { recursive: true, force: true })
})

// s3rver takes its own keys for uploads; the keys handed to COPY are the stage's credentials (what the cluster
// reads the bucket with), which the fake checks.
const uploader = () =>
  createStore({
    bucketUrl: `s3://${BUCKET}/stage`,
    credentials: { awsAccessKeyId: 'S3RVER', awsSecretAccessKey: 'S3RVER', endpointUrl },
  })

function stage(options: { secret?: string; gzip?: boolean } = {}) {
  return filesystemStaging({
    bucketUrl: `s3://${BUCKET}/stage`,
    store: uploader(),
    credentials: { awsAccessKeyId: KEY_ID, awsSecretAccessKey: options.secret ?? SECRET },
    ...(options.gzip === false ? {} : { compression: 'gzip' as const }),
  })
}

async function stagedKeys(dataset: string): Promise<string[]> {
  const store = uploader()
  try {
    return await store.list(`${dataset}/`)
  } finally {
    await store.close?.()
  }
}

testDestination({
  name: 'redshift (compatibility profile, COPY from S3 with keys)',
  create: () => redshift({ credentials: compatUrl(), staging: stage() }),
  readTable: (dataset, t) => admin(`SELECT * FROM ${dq(dataset)}.${dq(t)}`),
  cleanup: dropDataset,
})

const items = table('items', [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
  { name: 'payload', dataType: 'binary' },
])
const row = (id: number, name: string) => ({
  id,
  name,
  payload: btoa(`p${id}`),
  _sluice_load_id: 'l',
  _sluice_id: `i${id}`,
})

describe('redshift COPY from the staging bucket', () => {
  it('COPYs each job with the keys inside the load transaction, removes the staged file, masks the keys', async () => {
    const dataset = 'stg_keys'
    await dropDataset(dataset)
    const client = await open(redshift({ credentials: compatUrl(), staging: stage() }), dataset)
    const before = fake.calls.length
    const pkg = await loadOnce(client, [{ table: items, rows: [row(1, 'a'), row(2, 'b')] }])
    await client[Symbol.asyncDispose]()
    const [call] = fake.calls.slice(before)
    expect(call?.rows).toBe(2)
    // binary columns come through a temporary table as base64 text (COPY cannot read VARBYTE from JSON)
    expect(call?.sql).toMatch(
      new RegExp(
        `^COPY "_sluice_copy_[a-z0-9]+" \\("id", "name", "payload", "_sluice_load_id", "_sluice_id"\\) FROM 's3://${BUCKET}/stage/${dataset}/items/${pkg.loadId}\\.1\\.jsonl\\.gz' CREDENTIALS 'aws_access_key_id=${KEY_ID};aws_secret_access_key=${SECRET}' FORMAT AS JSON 'auto ignorecase' GZIP TIMEFORMAT 'auto' DATEFORMAT 'auto' MAXERROR 0$`,
      ),
    )
    expect(redactCopy(call?.sql ?? '')).not.toContain(SECRET)
    expect(await stagedKeys(dataset)).toEqual([])
    const rows = await admin<{ id: string; name: string; payload: Buffer }>(
      `SELECT id, name, payload FROM ${dq(dataset)}.items ORDER BY id`,
    )
    expect(rows.map((r) => [r.id, r.name, Buffer.from(r.payload).toString()])).toEqual([
      ['1', 'a', 'p1'],
      ['2', 'b', 'p2'],
    ])
    await dropDataset(dataset)
  })

  it('with an IAM role, COPY uses it instead of the keys and straight into the staging table; staged files can be kept', async () => {
    const dataset = 'stg_role'
    await dropDataset(dataset)
    const plain = table('plain', [{ name: 'id', dataType: 'bigint' }])
    const client = await open(
      redshift({
        credentials: compatUrl(),
        staging: stage({ gzip: false }),
        stagingIamRole: ROLE,
        stagingRegion: 'eu-central-1',
        keepStagedFiles: true,
      }),
      dataset,
    )
    const before = fake.calls.length
    const pkg = await loadOnce(client, [
      { table: plain, rows: [{ id: 7, _sluice_load_id: 'l', _sluice_id: 'p7' }] },
    ])
    await client[Symbol.asyncDispose]()
    expect(fake.calls.slice(before).map((c) => c.sql)).toEqual([
      `COPY "${dataset}_staging"."plain" ("id", "_sluice_load_id", "_sluice_id") FROM 's3://${BUCKET}/stage/${dataset}/plain/${pkg.loadId}.1.jsonl' IAM_ROLE '${ROLE}' FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-central-1' MAXERROR 0`,
    ])
    expect(await stagedKeys(dataset)).toEqual([`${dataset}/plain/${pkg.loadId}.1.jsonl`])
    expect(await admin(`SELECT id FROM ${dq(dataset)}.plain`)).toEqual([{ id: '7' }])
    await dropDataset(dataset)
  })

  it('a wrong key fails the load with the keys kept out of the message, and nothing is loaded', async () => {
    const dataset = 'stg_denied'
    await dropDataset(dataset)
    const client = await open(
      redshift({ credentials: compatUrl(), staging: stage({ secret: 'wrong-secret-123' }) }),
      dataset,
    )
    const error = await loadOnce(client, [{ table: items, rows: [row(1, 'a')] }]).catch((e: unknown) => e)
    await client[Symbol.asyncDispose]()
    expect(isSluiceError(error, 'DESTINATION_PERMISSION')).toBe(true)
    expect((error as Error).message).toMatch(/Access Denied.*IAM role/)
    expect((error as Error).message).not.toContain('wrong-secret-123')
    expect(await admin(`SELECT count(*)::int AS n FROM ${dq(`${dataset}_staging`)}.items`)).toEqual([
      { n: 0 },
    ])
    await dropDataset(dataset)
  })

  it('a row that does not fit fails the whole COPY as a terminal data error (MAXERROR 0)', async () => {
    const dataset = 'stg_overflow'
    await dropDataset(dataset)
    const money = table('money', [{ name: 'amount', dataType: 'decimal', precision: 6, scale: 2 }])
    const client = await open(redshift({ credentials: compatUrl(), staging: stage() }), dataset)
    const error = await loadOnce(client, [
      {
        table: money,
        rows: [
          { amount: '12.5', _sluice_load_id: 'l', _sluice_id: 'm1' },
          { amount: '123456789.5', _sluice_load_id: 'l', _sluice_id: 'm2' },
        ],
      },
    ]).catch((e: unknown) => e)
    await client[Symbol.asyncDispose]()
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as { transient?: boolean }).transient).toBe(false)
    expect((error as Error).message).toMatch(/does not fit its column \(numeric overflow\)/)
    expect(await admin(`SELECT count(*)::int AS n FROM ${dq(`${dataset}_staging`)}.money`)).toEqual([
      { n: 0 },
    ])
    await dropDataset(dataset)
  })

  it('the fake refuses what Redshift refuses: VARBYTE from JSON, unknown keys, a malformed statement', async () => {
    await admin('DROP TABLE IF EXISTS public.fake_check')
    await admin('CREATE TABLE public.fake_check (id bigint, b varbinary)')
    const copy = (auth: string) =>
      `COPY "public"."fake_check" ("id", "b") FROM 's3://${BUCKET}/none.jsonl' ${auth} FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' MAXERROR 0`
    const run = async (sql: string) => {
      const client = new pg.Client({ connectionString: compatUrl() })
      await client.connect()
      try {
        return await client.query(sql).then(
          () => undefined,
          (e: Error) => e.message,
        )
      } finally {
        await client.end()
      }
    }
    expect(await run(copy(`IAM_ROLE '${ROLE}'`))).toMatch(/prefix 'none.jsonl' does not exist/)
    expect(await run(copy("IAM_ROLE 'arn:aws:iam::1:role/other'"))).toMatch(/not authorized to assume/)
    const key = 'fake_check.jsonl'
    const store = uploader()
    await store.put(key, new TextEncoder().encode('{"id":1,"b":"aGk="}\n'))
    await store.close?.()
    expect(await run(copy(`IAM_ROLE '${ROLE}'`).replace('none.jsonl', `stage/${key}`))).toMatch(
      /COPY from JSON does not support the varbinary type/,
    )
    expect(
      await run(
        `COPY "public"."fake_check" ("id") FROM 's3://${BUCKET}/stage/${key}' IAM_ROLE '${ROLE}' JSON`,
      ),
    ).toMatch(/syntax error/)
    await admin('DROP TABLE public.fake_check')
  })

  it('refuses a bucket COPY cannot read, and a stage without a role or keys, when the destination is made', () => {
    expect(() =>
      redshift({
        credentials: compatUrl(),
        staging: filesystemStaging({ bucketUrl: 'gs://some-bucket/prefix' }),
      }),
    ).toThrow(
      /COPY cannot read gs:\/\/ staging files: set bucket_url in \[destination.filesystem\] to an s3:\/\/ bucket/,
    )
    const keyless = filesystemStaging({ bucketUrl: `s3://${BUCKET}/stage`, store: uploader() })
    expect(() => redshift({ credentials: compatUrl(), staging: keyless })).toThrow(
      /COPY has no way to read the staging bucket: set DESTINATION__REDSHIFT__STAGING_IAM_ROLE/,
    )
    expect(redshift({ credentials: compatUrl(), staging: keyless, stagingIamRole: ROLE }).name).toBe(
      'redshift',
    )
  })
})
