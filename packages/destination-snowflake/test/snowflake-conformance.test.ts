import { testDestination } from '@sluice/destination-testkit'
import { dq, readRows } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, expect } from 'vitest'
import { snowflake } from '../src/index.ts'
import { FakeSnowflake } from './snowflake-fake.ts'

const fake = new FakeSnowflake()
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

testDestination({
  name: 'snowflake (fake server)',
  create: () =>
    snowflake({
      account: 'testorg-testaccount',
      user: 'LOADER',
      password: 'secret',
      database: 'ANALYTICS',
      warehouse: 'LOAD_WH',
      role: 'LOADER_ROLE',
      accessUrl: fake.url,
    }),
  readTable: (dataset, table) => readRows(fake.admin, dataset.toUpperCase(), table.toUpperCase()),
  cleanup: async (dataset) => {
    for (const s of [dataset, `${dataset}_staging`])
      await fake.admin.run(`DROP SCHEMA IF EXISTS ${dq(s.toUpperCase())} CASCADE`)
  },
})
