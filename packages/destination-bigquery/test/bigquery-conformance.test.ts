import { testDestination } from '@sluice/destination-testkit'
import { dq, readRows } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, expect } from 'vitest'
import { bigquery } from '../src/index.ts'
import { FakeBigQuery } from './bigquery-fake.ts'
import { fakeAuthClient } from './bigquery-helpers.ts'

const fake = new FakeBigQuery()
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

testDestination(
  {
    name: 'bigquery (fake server)',
    create: () =>
      bigquery({
        projectId: 'test-project',
        location: 'EU',
        apiEndpoint: fake.url,
        authClient: fakeAuthClient(),
      }),
    readTable: (dataset, table) => readRows(fake.admin, dataset, table),
    cleanup: async (dataset) => {
      for (const s of [dataset, `${dataset}_staging`])
        await fake.admin.run(`DROP SCHEMA IF EXISTS ${dq(s)} CASCADE`)
    },
  },
  {
    skip: ['identifiers'],
    skipReason:
      'BigQuery does not allow " or ; in column names (quoteBigQueryIdentifier rejects them; see bigquery-dialect.test.ts)',
  },
)
