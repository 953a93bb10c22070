import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FileStore, filesystemStaging, localStore } from '@sluice/destination-filesystem'
import { testDestination } from '@sluice/destination-testkit'
import { dq, loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redactCredentials, snowflake } from '../src/index.ts'
import { FakeSnowflake } from './snowflake-fake.ts'

// Loading through a staging bucket (dlt's staging = "filesystem"): the filesystem destination's staging area
// uploads the job file, COPY INTO reads it by URL with the bucket's keys (or through a named external stage).
// The "bucket" is a local folder behind a store whose URLs are s3://stage-bucket/pre/...; the fake Snowflake
// maps that URL prefix back to the folder.
const bucketDir = await mkdtemp(join(tmpdir(), 'sluice-sf-bucket-'))
const KEY_ID = 'AKIA-STAGING-TEST'
const SECRET = 'staging-secret-key-42'

function urlStore(dir: string, rootUrl: string): FileStore {
  const local = localStore(dir)
  return {
    put: (k, b) => local.put(k, b),
    putFile: (k, p) => local.putFile(k, p),
    get: (k) => local.get(k),
    list: (p) => local.list(p),
    delete: (k) => local.delete(k),
    url: (k) => `${rootUrl}/${k}`,
    rootUrl,
  }
}
const s3LikeStore = (dir: string): FileStore => urlStore(dir, 's3://stage-bucket/pre')
const SAS = 'sv=2024-01-01&ss=b&sig=c2FzLXNpZ25hdHVyZQ%3D%3D'

const staging = () =>
  filesystemStaging({
    bucketUrl: 's3://stage-bucket/pre',
    store: s3LikeStore(bucketDir),
    compression: 'gzip',
  })

const fake = new FakeSnowflake({
  buckets: {
    's3://stage-bucket/pre/': bucketDir,
    'azure://lakeacc.blob.core.windows.net/stage/pre/': bucketDir,
  },
  bucketKeyId: KEY_ID,
  bucketSasToken: SAS,
  externalStages: { EXT_STAGE: bucketDir },
})
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await rm(bucketDir, { recursive: true, force: true })
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const base = () => ({
  account: 'testorg-testaccount',
  user: 'LOADER',
  password: 'secret',
  database: 'ANALYTICS',
  accessUrl: fake.url,
  credentials: { aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET },
})

testDestination({
  name: 'snowflake (fake server, s3 staging bucket)',
  create: () =>
    snowflake({
      ...base(),
      staging: staging(),
      stagingCredentials: { awsAccessKeyId: KEY_ID, awsSecretAccessKey: SECRET },
    }),
  readTable: (dataset, t) => readRows(fake.admin, dataset.toUpperCase(), t.toUpperCase()),
  cleanup: async (dataset) => {
    for (const s of [dataset, `${dataset}_staging`])
      await fake.admin.run(`DROP SCHEMA IF EXISTS ${dq(s.toUpperCase())} CASCADE`)
  },
})

const items = table('items', [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
])

describe('snowflake staging bucket', () => {
  it('uploads to the bucket, COPYs by URL with the keys, removes the file; messages mask the keys', async () => {
    const client = await open(
      snowflake({
        ...base(),
        staging: staging(),
        stagingCredentials: { awsAccessKeyId: KEY_ID, awsSecretAccessKey: SECRET },
      }),
      'stg_url',
    )
    const pkg = await loadOnce(client, [
      { table: items, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ])
    await client[Symbol.asyncDispose]()
    const copy = fake.sql(/^COPY INTO "STG_URL_STAGING"/).at(-1)
    expect(copy).toBe(
      `COPY INTO "STG_URL_STAGING"."ITEMS" FROM 's3://stage-bucket/pre/stg_url/items/' CREDENTIALS = (AWS_KEY_ID = '${KEY_ID}' AWS_SECRET_KEY = '${SECRET}') FILES = ('${pkg.loadId}.1.jsonl.gz') FILE_FORMAT = (TYPE = 'JSON' BINARY_FORMAT = 'BASE64' COMPRESSION = AUTO) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE ON_ERROR = ABORT_STATEMENT FORCE = TRUE`,
    )
    expect(fake.sql(/^PUT /).some((s) => s.includes('STG_URL'))).toBe(false)
    expect(await readdir(join(bucketDir, 'stg_url', 'items'))).toEqual([])
    expect(await readRows(fake.admin, 'STG_URL', 'ITEMS')).toEqual([
      { id: '1', name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' },
    ])
    expect(redactCredentials(copy as string)).not.toContain(SECRET)
    expect(redactCredentials(copy as string)).toContain('CREDENTIALS = (***)')
  })

  it('a wrong key fails with the keys masked in the message', async () => {
    const client = await open(
      snowflake({
        ...base(),
        staging: staging(),
        stagingCredentials: { awsAccessKeyId: 'WRONG', awsSecretAccessKey: SECRET },
      }),
      'stg_bad',
    )
    const error = await loadOnce(client, [
      { table: items, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ]).catch((e: unknown) => e)
    await client[Symbol.asyncDispose]()
    expect(String((error as Error).message)).toMatch(/Access Denied/)
    expect(String((error as Error).message)).not.toContain(SECRET)
  })

  it('a named external stage on the bucket is used instead of the URL; staged files can be kept', async () => {
    const client = await open(
      snowflake({ ...base(), staging: staging(), stage_name: 'EXT_STAGE', keep_staged_files: 'true' }),
      'stg_named',
    )
    const pkg = await loadOnce(client, [
      { table: items, rows: [{ id: 2, name: 'b', _sluice_load_id: 'l', _sluice_id: 'i2' }] },
    ])
    await client[Symbol.asyncDispose]()
    expect(fake.copies.at(-1)).toMatchObject({
      stage: '@EXT_STAGE/stg_named/items/',
      files: [`${pkg.loadId}.1.jsonl.gz`],
    })
    expect(await readdir(join(bucketDir, 'stg_named', 'items'))).toEqual([`${pkg.loadId}.1.jsonl.gz`])
    expect((await readRows(fake.admin, 'STG_NAMED', 'ITEMS')).length).toBe(1)
  })

  it('an Azure container is read by its azure:// URL with the SAS token, masked in messages', async () => {
    const azure = filesystemStaging({
      bucketUrl: 'az://stage/pre',
      store: urlStore(bucketDir, 'az://stage/pre'),
      compression: 'gzip',
      credentials: { azureStorageAccountName: 'lakeacc', azureStorageSasToken: `?${SAS}` },
    })
    const client = await open(snowflake({ ...base(), staging: azure }), 'stg_az')
    const pkg = await loadOnce(client, [
      { table: items, rows: [{ id: 5, name: 'az', _sluice_load_id: 'l', _sluice_id: 'i5' }] },
    ])
    await client[Symbol.asyncDispose]()
    const copy = fake.sql(/^COPY INTO "STG_AZ_STAGING"/).at(-1) as string
    expect(copy).toContain(
      `FROM 'azure://lakeacc.blob.core.windows.net/stage/pre/stg_az/items/' CREDENTIALS = (AZURE_SAS_TOKEN = '${SAS}') FILES = ('${pkg.loadId}.1.jsonl.gz')`,
    )
    expect(await readRows(fake.admin, 'STG_AZ', 'ITEMS')).toEqual([
      { id: '5', name: 'az', _sluice_load_id: 'l', _sluice_id: 'i5' },
    ])
    expect(redactCredentials(copy)).not.toContain('c2FzLXNpZ25hdHVyZQ')
    // without a token, or without the account, the destination says what to set when it is made
    const noToken = filesystemStaging({
      bucketUrl: 'abfss://stage@lakeacc.dfs.core.windows.net/pre',
      store: urlStore(bucketDir, 'abfss://stage@lakeacc.dfs.core.windows.net/pre'),
    })
    expect(() => snowflake({ ...base(), staging: noToken })).toThrow(/azure_storage_sas_token/)
  })

  it('a gs:// bucket without a named stage is refused with what to do, when the destination is made', () => {
    const gcs = filesystemStaging({ bucketUrl: 'gs://some-bucket/prefix' })
    expect(() => snowflake({ ...base(), staging: gcs })).toThrow(/create an external stage on the bucket/)
    expect(snowflake({ ...base(), staging: gcs, stage_name: 'EXT_STAGE' }).name).toBe('snowflake')
  })
})
