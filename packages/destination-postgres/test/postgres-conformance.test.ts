import { testDestination } from '@sluice/destination-testkit'
import { afterAll } from 'vitest'
import {
  connectPostgres,
  type PostgresSqlClient,
  parsePostgresCredentials,
  postgres,
  quotePostgresIdentifier as q,
} from '../src/index.ts'
import { serverUrl } from './postgres-helpers.ts'

// One reader connection for the whole file, opened on first use (serverUrl() fails with a how-to when no server).
let reader: Promise<PostgresSqlClient> | undefined
const read = (): Promise<PostgresSqlClient> => {
  reader ??= connectPostgres({ params: parsePostgresCredentials(serverUrl()), poolSize: 2 })
  return reader
}
afterAll(async () => {
  if (reader) await (await reader)[Symbol.asyncDispose]()
})

testDestination({
  name: 'postgres',
  create: () => postgres({ credentials: serverUrl() }),
  readTable: async (datasetName, table) =>
    (await read()).query(`SELECT * FROM ${q(datasetName)}.${q(table)}`),
  cleanup: async (datasetName) => {
    await (await read()).execute(
      `DROP SCHEMA IF EXISTS ${q(datasetName)} CASCADE; DROP SCHEMA IF EXISTS ${q(`${datasetName}_staging`)} CASCADE`,
    )
  },
})
