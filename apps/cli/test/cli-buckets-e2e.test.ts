import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type ClockodoAccount, startClockodoMock } from '@sluice/clockodo-mock'
import type { SqlReader } from '@sluice/core/destination'
import { type FilesystemOptions, filesystem } from '@sluice/destination-filesystem'
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type Azurite,
  type GcsFake,
  type S3Server,
  startAzurite,
  startGcsFake,
  startS3Server,
} from '@sluice/destination-filesystem/test-servers'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { runCli, tempDir } from './cli-helpers.ts'

// `sluice run --destination filesystem` with each bucket URL scheme, configured only through the environment,
// against s3rver, Azurite and the GCS JSON API fake on 127.0.0.1; read back through the filesystem reader.
const SECRET = 'sk-BUCKETS-7e57c0de'
const USER = 'owner@example.com'

let mock: { baseUrl: string; account: ClockodoAccount; close(): Promise<void> }
let s3: S3Server
let azurite: Azurite
let gcs: GcsFake

beforeAll(async () => {
  mock = await startClockodoMock({
    seed: 29,
    size: { users: 2, years: 1, entriesPerWorkday: 1 },
    credentials: { user: USER, apiKey: SECRET },
    rateLimits: false,
  })
  s3 = await startS3Server(['sluice-lake'])
  azurite = await startAzurite()
  await azurite.createContainer('lake')
  gcs = await startGcsFake({ buckets: ['sluice-lake'] })
})

afterAll(async () => {
  await mock?.close()
  await s3?.stop()
  await azurite?.stop()
  await gcs?.stop()
})

async function count(reader: SqlReader, table: string): Promise<number> {
  let n = 0
  for await (const chunk of reader.query(`select count(*) from ${table}`)) n += Number(chunk.rows[0]?.[0])
  return n
}

const schemes: [string, () => { env: Record<string, string>; options: FilesystemOptions; secret: string }][] =
  [
    [
      's3://',
      () => ({
        env: {
          DESTINATION__FILESYSTEM__BUCKET_URL: 's3://sluice-lake/raw',
          DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: 'S3RVER',
          DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: 'S3RVER',
          DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: s3.endpointUrl,
        },
        options: {
          bucketUrl: 's3://sluice-lake/raw',
          credentials: {
            awsAccessKeyId: 'S3RVER',
            awsSecretAccessKey: 'S3RVER',
            endpointUrl: s3.endpointUrl,
          },
        },
        secret: 'S3RVER',
      }),
    ],
    [
      'az://',
      () => ({
        env: {
          DESTINATION__FILESYSTEM__BUCKET_URL: 'az://lake/raw',
          DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_ACCOUNT_NAME: AZURITE_ACCOUNT,
          DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_ACCOUNT_KEY: AZURITE_KEY,
          DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: azurite.blobEndpoint,
        },
        options: {
          bucketUrl: 'az://lake/raw',
          credentials: { azureStorageConnectionString: azurite.connectionString },
        },
        secret: AZURITE_KEY,
      }),
    ],
    [
      'abfss://',
      () => ({
        env: {
          DESTINATION__FILESYSTEM__BUCKET_URL: `abfss://lake@${AZURITE_ACCOUNT}.dfs.core.windows.net/abfss`,
          DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        },
        options: {
          bucketUrl: 'az://lake/abfss',
          credentials: { azureStorageConnectionString: azurite.connectionString },
        },
        secret: AZURITE_KEY,
      }),
    ],
    [
      'gs://',
      () => ({
        env: {
          DESTINATION__FILESYSTEM__BUCKET_URL: 'gs://sluice-lake/raw',
          DESTINATION__FILESYSTEM__CREDENTIALS__PROJECT_ID: gcs.serviceAccount.project_id,
          DESTINATION__FILESYSTEM__CREDENTIALS__CLIENT_EMAIL: gcs.serviceAccount.client_email,
          // as pasted into an environment variable: newlines written as \n
          DESTINATION__FILESYSTEM__CREDENTIALS__PRIVATE_KEY: gcs.serviceAccount.private_key.replaceAll(
            '\n',
            '\\n',
          ),
          DESTINATION__FILESYSTEM__CREDENTIALS__TOKEN_URI: gcs.serviceAccount.token_uri,
          DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: gcs.endpoint,
        },
        options: {
          bucketUrl: 'gs://sluice-lake/raw',
          credentials: {
            clientEmail: gcs.serviceAccount.client_email,
            privateKey: gcs.serviceAccount.private_key,
            tokenUri: gcs.serviceAccount.token_uri,
            endpointUrl: gcs.endpoint,
          },
        },
        secret: gcs.serviceAccount.private_key.split('\n')[1] ?? 'unused',
      }),
    ],
  ]

describe('sluice run --destination filesystem on buckets', () => {
  for (const [scheme, setup] of schemes) {
    test(`${scheme} parquet: the run loads every table, the bucket reads back with the generated counts`, async () => {
      const cwd = await tempDir('sluice-cli-bucket-')
      onTestFinished(() => rm(cwd, { recursive: true, force: true }))
      const { env, options, secret } = setup()
      const r = await runCli(['run', '--destination', 'filesystem', '--progress', 'none'], {
        cwd,
        env: {
          SOURCES__CLOCKODO__API_USER: USER,
          SOURCES__CLOCKODO__API_KEY: SECRET,
          SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
          DESTINATION__FILESYSTEM__FORMAT: 'parquet',
          SLUICE_PIPELINES_DIR: join(cwd, 'p'),
          ...env,
        },
      })
      expect(r.code, r.stderr).toBe(0)
      expect(`${r.stdout}${r.stderr}`).not.toContain(secret)
      const expected = mock.account.expectedCounts()
      const reader = await filesystem(options).openReader!({ datasetName: 'clockodo_data' })
      try {
        for (const table of ['entries', 'customers', 'users'])
          expect({ table, rows: await count(reader, table) }).toEqual({ table, rows: expected[table] })
      } finally {
        await reader.close()
      }
    })
  }
})
