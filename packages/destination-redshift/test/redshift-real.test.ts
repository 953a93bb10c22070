import { filesystemStaging } from '@sluice/destination-filesystem'
import { testDestination } from '@sluice/destination-testkit'
import { afterAll, describe, expect, it } from 'vitest'
import {
  connectRedshift,
  parseRedshiftCredentials,
  quoteRedshiftIdentifier as q,
  type RedshiftSqlClient,
  redshift,
} from '../src/index.ts'

// Opt-in: the conformance suites and the reader against a real Redshift cluster or serverless workgroup. Set
//   SLUICE_TEST_REDSHIFT_CREDENTIALS=redshift://user:password@host:5439/database
// and, for COPY from a staging bucket, also
//   SLUICE_TEST_REDSHIFT_BUCKET_URL=s3://bucket/prefix   SLUICE_TEST_REDSHIFT_BUCKET_REGION=eu-central-1
//   SLUICE_TEST_REDSHIFT_IAM_ROLE=arn:aws:iam::...:role/...   (or the keys below, which also upload the files)
//   SLUICE_TEST_REDSHIFT_AWS_ACCESS_KEY_ID=...   SLUICE_TEST_REDSHIFT_AWS_SECRET_ACCESS_KEY=...
// Every test dataset is dropped afterwards. Without the variables the suites are skipped, and say so.
const env = process.env
const credentials = env.SLUICE_TEST_REDSHIFT_CREDENTIALS
const bucketUrl = env.SLUICE_TEST_REDSHIFT_BUCKET_URL

if (!credentials) {
  const reason = 'set SLUICE_TEST_REDSHIFT_CREDENTIALS=redshift://user:password@host:5439/database to run it'
  console.info(`[test] redshift against a real cluster: skipped: ${reason}`)
  describe.skip(`redshift against a real cluster (skipped: ${reason})`, () => {
    it('skipped', () => {})
  })
} else {
  let admin: Promise<RedshiftSqlClient> | undefined
  const db = (): Promise<RedshiftSqlClient> => {
    admin ??= connectRedshift({ params: parseRedshiftCredentials(credentials), poolSize: 2 })
    return admin
  }
  afterAll(async () => {
    if (admin) await (await admin)[Symbol.asyncDispose]()
  })
  const readTable = async (dataset: string, table: string) =>
    (await db()).query(`SELECT * FROM ${q(dataset)}.${q(table)}`)
  const cleanup = async (dataset: string) => {
    for (const schema of [dataset, `${dataset}_staging`])
      await (await db()).execute(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`)
  }

  testDestination({
    name: 'redshift (real cluster, INSERT)',
    create: () => redshift({ credentials }),
    readTable,
    cleanup,
  })

  if (bucketUrl) {
    const keys =
      env.SLUICE_TEST_REDSHIFT_AWS_ACCESS_KEY_ID && env.SLUICE_TEST_REDSHIFT_AWS_SECRET_ACCESS_KEY
        ? {
            awsAccessKeyId: env.SLUICE_TEST_REDSHIFT_AWS_ACCESS_KEY_ID,
            awsSecretAccessKey: env.SLUICE_TEST_REDSHIFT_AWS_SECRET_ACCESS_KEY,
          }
        : {}
    const region = env.SLUICE_TEST_REDSHIFT_BUCKET_REGION
    testDestination({
      name: 'redshift (real cluster, COPY from S3)',
      create: () =>
        redshift({
          credentials,
          staging: filesystemStaging({
            bucketUrl,
            credentials: { ...keys, ...(region ? { region } : {}) },
            compression: 'gzip',
          }),
          ...(env.SLUICE_TEST_REDSHIFT_IAM_ROLE ? { stagingIamRole: env.SLUICE_TEST_REDSHIFT_IAM_ROLE } : {}),
        }),
      readTable,
      cleanup,
    })
  } else {
    console.info(
      '[test] redshift COPY on a real cluster: skipped: set SLUICE_TEST_REDSHIFT_BUCKET_URL (and a role or keys)',
    )
  }

  describe('redshift reader on a real cluster', () => {
    it('reads in a READ ONLY transaction and refuses writes', async () => {
      const dataset = `sluice_reader_${Math.random().toString(36).slice(2, 8)}`
      await (await db()).execute(`CREATE SCHEMA ${q(dataset)}`)
      try {
        await (await db()).execute(`CREATE TABLE ${q(dataset)}.t (id bigint, meta super, b varbinary)`)
        await (await db()).execute(
          `INSERT INTO ${q(dataset)}.t VALUES (1, JSON_PARSE('{"a":1}'), TO_VARBYTE('aGk=', 'base64'))`,
        )
        const reader = await redshift({ credentials }).openReader!({ datasetName: dataset })
        try {
          const chunks = []
          for await (const c of reader.query('SELECT * FROM t')) chunks.push(c)
          expect(chunks[0]?.rows).toEqual([[1n, { a: 1 }, new Uint8Array([104, 105])]])
          const error = await (async () => {
            for await (const _ of reader.query('DELETE FROM t')) void _
          })().catch((e: unknown) => e)
          expect((error as { code?: string }).code).toBe('READ_ONLY')
        } finally {
          await reader.close()
        }
      } finally {
        await cleanup(dataset)
      }
    })
  })
}
