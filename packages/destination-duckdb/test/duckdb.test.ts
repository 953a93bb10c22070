import { DuckDBBlobValue, DuckDBInstance } from '@duckdb/node-api'
import { testDestination } from '@sluice/destination-testkit'
import { afterAll } from 'vitest'
import { duckdb, duckdbQuote } from '../src/index.ts'

const instance = await DuckDBInstance.create(':memory:')
const conn = await instance.connect()
afterAll(() => {
  conn.closeSync()
  instance.closeSync()
})

testDestination({
  name: 'duckdb',
  create: () => duckdb({ instance }),
  async readTable(dataset, table) {
    const reader = await conn.runAndReadAll(`SELECT * FROM ${duckdbQuote(dataset)}.${duckdbQuote(table)}`)
    return reader.getRowObjects().map((row) => {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(row)) {
        out[k] = v instanceof DuckDBBlobValue ? v.bytes : v !== null && typeof v === 'object' ? String(v) : v
      }
      return out
    })
  },
  async cleanup(dataset) {
    await conn.run(
      `DROP SCHEMA IF EXISTS ${duckdbQuote(dataset)} CASCADE; DROP SCHEMA IF EXISTS ${duckdbQuote(`${dataset}_staging`)} CASCADE`,
    )
  },
})
