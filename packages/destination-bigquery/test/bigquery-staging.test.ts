import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStore, type FileStore, filesystemStaging, localStore } from '@sluice/destination-filesystem'
import { type GcsFake, startGcsFake } from '@sluice/destination-filesystem/test-servers'
import { testDestination } from '@sluice/destination-testkit'
import { dq, loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bigquery } from '../src/index.ts'
import { FakeBigQuery } from './bigquery-fake.ts'
import { fakeAuthClient } from './bigquery-helpers.ts'

// Loading through a GCS staging bucket (dlt's staging = "filesystem"): the filesystem destination's staging area
// uploads the job file, a load job reads it from its gs:// URI. The "bucket" is a local folder behind a store
// whose URLs are gs://stage-bucket/pre/...; the fake BigQuery maps that URL prefix back to the folder.
const bucketDir = await mkdtemp(join(tmpdir(), 'sluice-bq-bucket-'))

function gcsLikeStore(dir: string): FileStore {
  const local = localStore(dir)
  return {
    put: (k, b) => local.put(k, b),
    putFile: (k, p) => local.putFile(k, p),
    get: (k) => local.get(k),
    list: (p) => local.list(p),
    delete: (k) => local.delete(k),
    url: (k) => `gs://stage-bucket/pre/${k}`,
    rootUrl: 'gs://stage-bucket/pre',
  }
}
const staging = () =>
  filesystemStaging({
    bucketUrl: 'gs://stage-bucket/pre',
    store: gcsLikeStore(bucketDir),
    compression: 'gzip',
  })

// a real GCS store (the filesystem destination's, through @google-cloud/storage) on the GCS JSON API fake
let gcs: GcsFake
const gcsOptions = () => ({
  bucketUrl: 'gs://bq-stage/pre',
  credentials: {
    clientEmail: gcs.serviceAccount.client_email,
    privateKey: gcs.serviceAccount.private_key,
    tokenUri: gcs.serviceAccount.token_uri,
    endpointUrl: gcs.endpoint,
  },
})
const fake = new FakeBigQuery({
  buckets: {
    'gs://stage-bucket/pre/': bucketDir,
    'gs://bq-stage/': (path) => createStore({ ...gcsOptions(), bucketUrl: 'gs://bq-stage' }).get(path),
  },
})
beforeAll(async () => {
  await fake.start()
  gcs = await startGcsFake({ buckets: ['bq-stage'] })
})
afterAll(async () => {
  await rm(bucketDir, { recursive: true, force: true })
  await gcs?.stop()
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const base = () => ({
  project_id: 'test-project',
  location: 'EU',
  api_endpoint: fake.url,
  authClient: fakeAuthClient(),
})

testDestination(
  {
    name: 'bigquery (fake server, gcs staging bucket)',
    create: () => bigquery({ ...base(), staging: staging() }),
    readTable: (dataset, t) => readRows(fake.admin, dataset, t),
    cleanup: async (dataset) => {
      for (const s of [dataset, `${dataset}_staging`])
        await fake.admin.run(`DROP SCHEMA IF EXISTS ${dq(s)} CASCADE`)
    },
  },
  { skip: ['identifiers'], skipReason: 'BigQuery does not allow " or ; in column names' },
)

const items = table('items', [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
])

describe('bigquery staging bucket', () => {
  it('uploads to the bucket and runs a load job from the gs:// URI, then removes the file', async () => {
    const client = await open(bigquery({ ...base(), staging: staging() }), 'stg_gcs')
    const pkg = await loadOnce(client, [
      { table: items, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ])
    await client[Symbol.asyncDispose]()
    const load = fake.jobs.filter((j) => j.kind === 'load').at(-1)
    expect(load?.location).toBe('EU')
    expect(load?.configuration['load']).toMatchObject({
      sourceUris: [`gs://stage-bucket/pre/stg_gcs/items/${pkg.loadId}.1.jsonl.gz`],
      destinationTable: { projectId: 'test-project', datasetId: 'stg_gcs_staging', tableId: 'items' },
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_NEVER',
    })
    expect(await readdir(join(bucketDir, 'stg_gcs', 'items'))).toEqual([])
    expect(await readRows(fake.admin, 'stg_gcs', 'items')).toEqual([
      { id: '1', name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' },
    ])
  })

  it('a GCS stage through the JSON API: the load job reads the gs:// URI the GCS store wrote', async () => {
    const stage = filesystemStaging({ ...gcsOptions(), compression: 'gzip' })
    const client = await open(bigquery({ ...base(), staging: stage }), 'stg_json_api')
    const pkg = await loadOnce(client, [
      { table: items, rows: [{ id: 7, name: 'gcs', _sluice_load_id: 'l', _sluice_id: 'i7' }] },
    ])
    await client[Symbol.asyncDispose]()
    const load = fake.jobs.filter((j) => j.kind === 'load').at(-1)
    expect(load?.configuration['load']).toMatchObject({
      sourceUris: [`gs://bq-stage/pre/stg_json_api/items/${pkg.loadId}.1.jsonl.gz`],
    })
    expect(gcs.requests.some((r) => r.method === 'POST' && r.uploadType === 'multipart')).toBe(true)
    expect(gcs.objects('bq-stage')).toEqual([])
    expect(await readRows(fake.admin, 'stg_json_api', 'items')).toEqual([
      { id: '7', name: 'gcs', _sluice_load_id: 'l', _sluice_id: 'i7' },
    ])
  })

  it('an s3:// bucket is refused when the destination is made: load jobs read only gs://', () => {
    const s3 = filesystemStaging({ bucketUrl: 's3://some-bucket/prefix' })
    expect(() => bigquery({ ...base(), staging: s3 })).toThrow(/use a gs:\/\/bucket\/prefix staging bucket/)
    expect(() => bigquery({ ...base(), staging: 'gs://some-bucket/prefix' as never })).toThrow(
      /staging must be a stage such as filesystemStaging/,
    )
  })
})
