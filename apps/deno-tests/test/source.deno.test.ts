// Runs under `deno test -A`: the Clockodo source against the simulated account (msw intercepts Deno's fetch),
// through the pipeline into DuckDB (read back through its reader too), and into PostgreSQL when
// SLUICE_TEST_POSTGRES_URL is set.
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { DuckDBInstance } from '@duckdb/node-api'
import { createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'
import { clockodoHandlers } from '@sluice/clockodo-mock/msw'
import type { Destination } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { postgres } from '@sluice/destination-postgres'
import { clockodoSource, validateClockodoConfig } from '@sluice/source-clockodo'
import { setupServer } from 'msw/node'
import pg from 'pg'

const account = createClockodoAccount({ seed: 11, users: 3, years: 1, entriesPerWorkday: 2 })
const server = setupServer(...clockodoHandlers(account, { rateLimits: false }))
server.listen({ onUnhandledRequest: 'error' })
const expected = account.expectedCounts()

function source() {
  return clockodoSource(
    validateClockodoConfig({
      apiUser: DEFAULT_CREDENTIALS.user,
      apiKey: DEFAULT_CREDENTIALS.apiKey,
      baseUrl: 'https://my.clockodo.com/api',
    }),
  )
}

async function load(destination: Destination, name: string): Promise<Record<string, { rows: number }>> {
  const pipelinesDir = await Deno.makeTempDir({ prefix: 'sluice-deno-' })
  try {
    const p = pipeline({ pipelineName: name, destination, datasetName: `${name}_data`, pipelinesDir })
    const info = await p.run(source())
    assert.equal(info.failedJobs.length, 0)
    return info.tables
  } finally {
    await rm(pipelinesDir, { recursive: true, force: true })
  }
}

Deno.test({
  name: 'clockodo → DuckDB under Deno: every table has the generated row count',
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: 'sluice-deno-duckdb-' })
    try {
      const file = `${dir}/deno.duckdb`
      await load(duckdb({ path: file }), 'deno_duckdb')
      const instance = await DuckDBInstance.create(file)
      const conn = await instance.connect()
      try {
        for (const [table, rows] of Object.entries(expected)) {
          const r = await conn.runAndReadAll(`select count(*) from "deno_duckdb_data"."${table}"`)
          assert.equal(Number(r.getRows()[0]?.[0]), rows, `rows in ${table}`)
        }
      } finally {
        conn.closeSync()
        instance.closeSync()
      }
      // the read-only reader (pipeline.dataset() reads through it): counts, and a write refused
      const reader = await duckdb({ path: file }).openReader!({ datasetName: 'deno_duckdb_data' })
      try {
        for await (const chunk of reader.query('select count(*) from entries'))
          assert.deepEqual(chunk.rows, [[BigInt(expected['entries'] ?? -1)]])
        await assert.rejects(
          async () => {
            for await (const _ of reader.query('delete from entries where true')) void _
          },
          { code: 'READ_ONLY' },
        )
      } finally {
        await reader.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
})

const pgUrl = Deno.env.get('SLUICE_TEST_POSTGRES_URL')
Deno.test({
  name: 'clockodo → PostgreSQL under Deno: every table has the generated row count',
  ignore: !pgUrl,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await load(postgres({ credentials: pgUrl! }), 'deno_pg')
    const client = new pg.Client({ connectionString: pgUrl })
    await client.connect()
    try {
      for (const [table, rows] of Object.entries(expected)) {
        const r = await client.query(`select count(*)::int as n from "deno_pg_data"."${table}"`)
        assert.equal(r.rows[0].n, rows, `rows in ${table}`)
      }
    } finally {
      await client.end()
    }
  },
})
if (!pgUrl)
  console.log(
    'PostgreSQL under Deno: not run, SLUICE_TEST_POSTGRES_URL is not set (run-deno-tests.mjs sets it)',
  )
