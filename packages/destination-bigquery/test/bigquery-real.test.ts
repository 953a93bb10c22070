import { testDestination } from '@sluice/destination-testkit'
import { beforeAll, test } from 'vitest'
import {
  type BigQueryOptions,
  type BigQuerySqlClient,
  bigquery,
  connectBigQuery,
  parseBigQueryOptions,
  quoteBigQueryIdentifier as q,
} from '../src/index.ts'
import { guard } from './setup.ts'

// The same conformance suites against a real BigQuery project, opt-in: set SLUICE_TEST_BIGQUERY_CREDENTIALS
// (path or JSON of a service-account key with BigQuery Data Editor + Job User), optionally
// SLUICE_TEST_BIGQUERY_PROJECT and SLUICE_TEST_BIGQUERY_LOCATION (default US).
const env = process.env
const options: BigQueryOptions | undefined = env.SLUICE_TEST_BIGQUERY_CREDENTIALS
  ? {
      credentials: env.SLUICE_TEST_BIGQUERY_CREDENTIALS,
      ...(env.SLUICE_TEST_BIGQUERY_PROJECT ? { project_id: env.SLUICE_TEST_BIGQUERY_PROJECT } : {}),
      location: env.SLUICE_TEST_BIGQUERY_LOCATION ?? 'US',
    }
  : undefined

if (!options) {
  console.info(
    '[test] real BigQuery suite skipped: SLUICE_TEST_BIGQUERY_CREDENTIALS is not set (also optional _PROJECT, _LOCATION); the fake-server suites ran instead',
  )
  test.skip('real BigQuery project (no SLUICE_TEST_BIGQUERY_* variables)', () => {})
} else {
  const opts = options
  let reader: BigQuerySqlClient | undefined
  beforeAll(() => {
    // this file talks to Google (token endpoint and BigQuery), so the loopback-only guard steps aside
    guard.close()
    console.info('[test] real BigQuery suite runs against the configured project')
  })
  const read = async (): Promise<BigQuerySqlClient> => {
    reader ??= await connectBigQuery({ params: parseBigQueryOptions(opts) })
    return reader
  }
  testDestination(
    {
      name: 'bigquery (real project)',
      create: () => bigquery(opts),
      readTable: async (dataset, table) => (await read()).query(`SELECT * FROM ${q(dataset)}.${q(table)}`),
      cleanup: async (dataset) => {
        const c = await read()
        for (const ds of [dataset, `${dataset}_staging`])
          await c.execute(`DROP SCHEMA IF EXISTS ${q(ds)} CASCADE`)
      },
    },
    {
      skip: ['identifiers'],
      skipReason: 'BigQuery does not allow " or ; in column names',
    },
  )
}
