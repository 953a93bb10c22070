import { testDestination } from '@sluice/destination-testkit'
import { afterAll, expect, it } from 'vitest'
import { connectMydb, destination, mydb, quoteMydbIdentifier as q } from '../src/index.ts'

// Every conformance suite against the engine; suites the capabilities do not claim are skipped (and say so).
const DATABASE = 'conformance'
const reader = await connectMydb({ database: DATABASE })
afterAll(() => reader[Symbol.asyncDispose]())

testDestination({
  name: 'mydb',
  create: () => mydb({ database: DATABASE }),
  readTable: (dataset, table) => reader.query(`SELECT * FROM ${q(dataset)}.${q(table)}`),
  cleanup: async (dataset) => {
    for (const schema of [dataset, `${dataset}_staging`])
      await reader.execute(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`)
  },
})

it('the config entry point builds the destination from its section, and names a missing setting', async () => {
  const ctx = { pipelineName: 'p', stage: () => Promise.reject(new Error('no stage')) }
  expect((await destination.fromConfig({ database: 'analytics' }, ctx)).name).toBe('mydb')
  expect(() => destination.fromConfig({}, ctx)).toThrow(/DESTINATION__MYDB__DATABASE/)
})
