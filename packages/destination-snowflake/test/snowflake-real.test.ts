import { testDestination } from '@sluice/destination-testkit'
import { afterAll, beforeAll, test } from 'vitest'
import {
  connectSnowflake,
  parseSnowflakeOptions,
  quoteSnowflakeIdentifier as q,
  type SnowflakeOptions,
  type SnowflakeSqlClient,
  snowflake,
} from '../src/index.ts'
import { guard } from './setup.ts'

// The same conformance suites against a real Snowflake account, opt-in: set SLUICE_TEST_SNOWFLAKE_ACCOUNT,
// _USER, _PASSWORD (or _PRIVATE_KEY_PATH and _PRIVATE_KEY_PASSPHRASE), _DATABASE, _WAREHOUSE and _ROLE.
const env = process.env
const options: SnowflakeOptions | undefined = env.SLUICE_TEST_SNOWFLAKE_ACCOUNT
  ? {
      account: env.SLUICE_TEST_SNOWFLAKE_ACCOUNT,
      user: env.SLUICE_TEST_SNOWFLAKE_USER,
      password: env.SLUICE_TEST_SNOWFLAKE_PASSWORD,
      private_key_path: env.SLUICE_TEST_SNOWFLAKE_PRIVATE_KEY_PATH,
      private_key_passphrase: env.SLUICE_TEST_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
      database: env.SLUICE_TEST_SNOWFLAKE_DATABASE,
      warehouse: env.SLUICE_TEST_SNOWFLAKE_WAREHOUSE,
      role: env.SLUICE_TEST_SNOWFLAKE_ROLE,
    }
  : undefined

if (!options) {
  console.info(
    '[test] real Snowflake suite skipped: SLUICE_TEST_SNOWFLAKE_ACCOUNT is not set (also _USER, _PASSWORD or _PRIVATE_KEY_PATH, _DATABASE, _WAREHOUSE, _ROLE); the fake-server suites ran instead',
  )
  test.skip('real Snowflake account (no SLUICE_TEST_SNOWFLAKE_* variables)', () => {})
} else {
  const opts = options
  let reader: SnowflakeSqlClient | undefined
  beforeAll(() => {
    // this file talks to the real account (and its cloud stage), so the loopback-only guard steps aside
    guard.close()
    console.info(`[test] real Snowflake suite runs against account ${opts.account}`)
  })
  afterAll(async () => {
    await reader?.[Symbol.asyncDispose]()
  })
  const read = async (): Promise<SnowflakeSqlClient> => {
    reader ??= await connectSnowflake({ params: parseSnowflakeOptions(opts) })
    return reader
  }
  const caseInsensitive = (row: Record<string, unknown>) =>
    new Proxy(row, {
      get: (t, k) => (typeof k === 'string' && !(k in t) ? t[k.toLowerCase()] : Reflect.get(t, k)),
    })
  testDestination({
    name: 'snowflake (real account)',
    create: () => snowflake(opts),
    readTable: async (dataset, table) =>
      (await (await read()).query(`SELECT * FROM ${q(dataset.toUpperCase())}.${q(table.toUpperCase())}`)).map(
        caseInsensitive,
      ),
    cleanup: async (dataset) => {
      const c = await read()
      await c.execute(`DROP SCHEMA IF EXISTS ${q(dataset.toUpperCase())} CASCADE`)
      await c.execute(`DROP SCHEMA IF EXISTS ${q(`${dataset}_staging`.toUpperCase())} CASCADE`)
    },
  })
}
