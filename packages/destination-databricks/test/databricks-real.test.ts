import { isSluiceError } from '@sluice/core/destination'
import { testDestination } from '@sluice/destination-testkit'
import { afterAll, beforeAll, expect, it, test } from 'vitest'
import {
  connectDatabricks,
  type DatabricksOptions,
  type DatabricksSqlClient,
  databricks,
  parseDatabricksOptions,
  quoteDatabricksIdentifier as q,
  tokenSourceFor,
} from '../src/index.ts'
import { guard } from './setup.ts'

// The same conformance suites against a real workspace, opt-in: set SLUICE_TEST_DATABRICKS_SERVER_HOSTNAME,
// _HTTP_PATH, _CATALOG and _ACCESS_TOKEN (or _CLIENT_ID and _CLIENT_SECRET); _STAGING_VOLUME_NAME optionally.
const env = process.env
const options: DatabricksOptions | undefined = env.SLUICE_TEST_DATABRICKS_SERVER_HOSTNAME
  ? {
      server_hostname: env.SLUICE_TEST_DATABRICKS_SERVER_HOSTNAME,
      http_path: env.SLUICE_TEST_DATABRICKS_HTTP_PATH,
      catalog: env.SLUICE_TEST_DATABRICKS_CATALOG,
      access_token: env.SLUICE_TEST_DATABRICKS_ACCESS_TOKEN,
      client_id: env.SLUICE_TEST_DATABRICKS_CLIENT_ID,
      client_secret: env.SLUICE_TEST_DATABRICKS_CLIENT_SECRET,
      staging_volume_name: env.SLUICE_TEST_DATABRICKS_STAGING_VOLUME_NAME,
    }
  : undefined

if (!options) {
  console.info(
    '[test] real Databricks suite skipped: SLUICE_TEST_DATABRICKS_SERVER_HOSTNAME is not set (also _HTTP_PATH, _CATALOG, _ACCESS_TOKEN or _CLIENT_ID and _CLIENT_SECRET); the fake-workspace suites ran instead',
  )
  test.skip('real Databricks workspace (no SLUICE_TEST_DATABRICKS_* variables)', () => {})
} else {
  const opts = options
  let admin: DatabricksSqlClient | undefined
  beforeAll(() => {
    // this file talks to the real workspace, so the loopback-only guard steps aside
    guard.close()
    console.info(`[test] real Databricks suite runs against ${opts.server_hostname}`)
  })
  afterAll(async () => {
    await admin?.[Symbol.asyncDispose]()
  })
  const client = async (): Promise<DatabricksSqlClient> => {
    const params = parseDatabricksOptions(opts)
    admin ??= await connectDatabricks({ params, tokens: tokenSourceFor(params.auth, params.baseUrl) })
    return admin
  }
  testDestination(
    {
      name: 'databricks (real workspace)',
      create: () => databricks(opts),
      readTable: async (dataset, table) => (await client()).query(`SELECT * FROM ${q(dataset)}.${q(table)}`),
      cleanup: async (dataset) => {
        const c = await client()
        for (const s of [dataset, `${dataset}_staging`])
          await c.execute(`DROP SCHEMA IF EXISTS ${q(s)} CASCADE`)
      },
    },
    {
      skip: ['identifiers'],
      skipReason: 'Unity Catalog refuses spaces in table names',
      // Databricks has no time or JSON type: both are STRING columns, and the reader returns their text
      storedAs: { time: 'text', json: 'text' },
    },
  )

  it('the reader refuses a write before it runs', async () => {
    const c = await client()
    await c.execute(`CREATE SCHEMA IF NOT EXISTS ${q('sluice_reader_check')}`)
    try {
      await c.execute(`CREATE TABLE IF NOT EXISTS ${q('sluice_reader_check')}.${q('t')} (id BIGINT)`)
      const reader = await databricks(opts).openReader?.({ datasetName: 'sluice_reader_check' })
      const rows: unknown[] = []
      for await (const chunk of reader?.query('SELECT count(*) AS n FROM t') ?? []) rows.push(...chunk.rows)
      expect(rows).toEqual([[0n]])
      const refused = await (async () => {
        for await (const _ of reader?.query('DELETE FROM t') ?? []) {
          // nothing expected
        }
      })().catch((e: unknown) => e)
      expect(isSluiceError(refused, 'READ_ONLY')).toBe(true)
      await reader?.close()
    } finally {
      await c.execute(`DROP SCHEMA IF EXISTS ${q('sluice_reader_check')} CASCADE`)
    }
  })
}
