import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError } from '@sluice/core/destination'
import { type FileStore, filesystemStaging, localStore } from '@sluice/destination-filesystem'
import { testDestination } from '@sluice/destination-testkit'
import { dq, loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DatabricksOptions, databricks } from '../src/index.ts'
import { FakeDatabricks } from './databricks-fake.ts'

// Loading through a staging bucket (dlt's staging = "filesystem"): the filesystem destination's stage uploads each
// job file as parquet, COPY INTO reads it by URL with the bucket's keys, a named storage credential, or as an
// external location. The "bucket" is a local folder behind a store whose URLs are s3://stage-bucket/pre/...; the
// fake workspace maps that URL prefix back to the folder.
const bucketDir = await mkdtemp(join(tmpdir(), 'sluice-dbx-bucket-'))
const KEY_ID = 'AKIA-DBX-STAGING-TEST'
const SECRET_KEY = 'dbx-staging-secret-key-42'

function s3LikeStore(dir: string): FileStore {
  const local = localStore(dir)
  return {
    put: (k, b) => local.put(k, b),
    putFile: (k, p) => local.putFile(k, p),
    get: (k) => local.get(k),
    list: (p) => local.list(p),
    delete: (k) => local.delete(k),
    url: (k) => `s3://stage-bucket/pre/${k}`,
    rootUrl: 's3://stage-bucket/pre',
  }
}

const staging = (keys = true) =>
  filesystemStaging({
    bucketUrl: 's3://stage-bucket/pre',
    store: s3LikeStore(bucketDir),
    ...(keys ? { credentials: { awsAccessKeyId: KEY_ID, awsSecretAccessKey: SECRET_KEY } } : {}),
  })

const fake = new FakeDatabricks({
  buckets: { 's3://stage-bucket/pre/': bucketDir },
  bucketKeyId: KEY_ID,
  storageCredentials: ['stage_reader'],
  externalLocations: ['s3://stage-bucket/pre/ext_'],
})
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await rm(bucketDir, { recursive: true, force: true })
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const base = (extra: DatabricksOptions = {}): DatabricksOptions => ({
  serverHostname: fake.url,
  httpPath: fake.httpPath,
  catalog: 'main',
  accessToken: 'dapi-fake-token',
  http: { pollMs: 1, backoffMs: 1 },
  ...extra,
})

testDestination(
  {
    name: 'databricks (fake workspace, s3 staging bucket)',
    create: () => databricks(base({ staging: staging() })),
    readTable: (dataset, t) => readRows(fake.admin, dataset, t),
    cleanup: async (dataset) => {
      for (const s of [dataset, `${dataset}_staging`])
        await fake.admin.run(`DROP SCHEMA IF EXISTS ${dq(s)} CASCADE`)
    },
  },
  {
    skip: ['identifiers'],
    skipReason:
      'Unity Catalog refuses spaces in table names; the odd column names load in databricks-identifiers.test.ts',
    // Databricks has no time or JSON type: both are STRING columns, and the reader returns their text
    storedAs: { time: 'text', json: 'text' },
  },
)

const items = table('items', [
  { name: 'id', dataType: 'bigint' },
  { name: 'at', dataType: 'time' },
])
const rows = [{ id: 1, at: '07:00:00', _sluice_load_id: 'l', _sluice_id: 'a' }]

describe('databricks with a staging bucket', () => {
  it("COPYs parquet INTO the staging table with the bucket's keys inline, never in a message, and removes the file", async () => {
    const client = await open(databricks(base({ staging: staging() })), 'stg_keys')
    await loadOnce(client, [{ table: items, rows }])
    await client[Symbol.asyncDispose]()
    const [copy] = fake.sql(/^COPY INTO `stg_keys_staging`/)
    expect(copy).toMatch(
      new RegExp(
        `^COPY INTO \`stg_keys_staging\`\\.\`items\` FROM 's3://stage-bucket/pre/stg_keys/items' WITH \\(CREDENTIAL \\(AWS_ACCESS_KEY = '${KEY_ID}', AWS_SECRET_KEY = '${SECRET_KEY}'\\)\\) FILEFORMAT = PARQUET FILES = \\('[\\w.]+\\.parquet'\\) COPY_OPTIONS \\('force' = 'true'\\)$`,
      ),
    )
    expect(fake.uploads.some((p) => p.includes('stg_keys'))).toBe(false)
    expect(await readdir(join(bucketDir, 'stg_keys', 'items')).catch(() => [])).toEqual([])
    expect((await readRows(fake.admin, 'stg_keys', 'items')).map((r) => [r['id'], r['at']])).toEqual([
      ['1', '07:00:00'],
    ])
  })

  it('reads with a named storage credential, or none for an external location; keeps files when asked', async () => {
    const named = await open(
      databricks(
        base({ staging: staging(false), staging_credentials_name: 'stage_reader', keep_staged_files: true }),
      ),
      'stg_named',
    )
    await loadOnce(named, [{ table: items, rows }])
    await named[Symbol.asyncDispose]()
    expect(fake.sql(/^COPY INTO `stg_named_staging`/)[0]).toMatch(
      / WITH \(CREDENTIAL `stage_reader`\) FILEFORMAT/,
    )
    expect(await readdir(join(bucketDir, 'stg_named', 'items'))).toHaveLength(1)
    const external = await open(
      databricks(base({ staging: staging(false), is_staging_external_location: 'true' })),
      'ext_loc',
    )
    await loadOnce(external, [{ table: items, rows }])
    await external[Symbol.asyncDispose]()
    expect(fake.sql(/^COPY INTO `ext_loc_staging`/)[0]).toMatch(
      / FROM 's3:\/\/stage-bucket\/pre\/ext_loc\/items' FILEFORMAT = PARQUET FILES/,
    )
  })

  it('a credential that cannot read the bucket fails with the permission to grant, the keys masked', async () => {
    const client = await open(
      databricks(base({ staging: staging(), staging_credentials_name: 'other' })),
      'stg_denied',
    )
    const e = await loadOnce(client, [{ table: items, rows }]).catch((x: unknown) => x)
    await client[Symbol.asyncDispose]()
    expect(isSluiceError(e, 'DESTINATION_PERMISSION')).toBe(true)
    expect(String(e)).not.toContain(SECRET_KEY)
  })

  it('refuses a bucket COPY INTO cannot read, and one without a way to authenticate, when the destination is made', () => {
    const local = filesystemStaging({ bucketUrl: bucketDir })
    expect(() => databricks(base({ staging: local }))).toThrow(/s3:\/\/, gs:\/\/ or abfss:\/\//)
    expect(() => databricks(base({ staging: staging(false) }))).toThrow(/staging_credentials_name/)
  })
})
