import { isSluiceError } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { databricks } from '../src/index.ts'
import { FakeDatabricks } from './databricks-fake.ts'

// The conformance suite `identifiers` names its table `odd table "select"`, which Unity Catalog refuses (no spaces
// in table names); its odd column names are loaded here into a table Unity Catalog accepts. Such column names
// need Delta column mapping, which the fake checks for as Databricks does.
const fake = new FakeDatabricks()
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})
const destination = () =>
  databricks({
    serverHostname: fake.url,
    httpPath: fake.httpPath,
    catalog: 'main',
    accessToken: 'dapi-fake-token',
    http: { pollMs: 1, backoffMs: 1 },
  })

const ODD = [
  'with space',
  'quote"d',
  "apo'strophe",
  'back`tick',
  'ünïcødé_名前',
  'select',
  'order',
  'x"; DROP TABLE t; --',
]

it('spaces, quotes, backticks, unicode, reserved words and an injection-like name load as columns', async () => {
  const client = await open(destination(), 'ids_columns')
  const t = table(
    'odd_columns',
    ODD.map((name) => ({ name, dataType: 'text' as const })),
  )
  const values = Object.fromEntries(ODD.map((n, i) => [n, `v${i}'"\``]))
  await loadOnce(client, [{ table: t, rows: [{ ...values, _sluice_load_id: 'l', _sluice_id: 'a' }] }])
  await client[Symbol.asyncDispose]()
  const [row] = await readRows(fake.admin, 'ids_columns', 'odd_columns')
  expect(Object.fromEntries(ODD.map((n) => [n, row?.[n]]))).toEqual(values)
})

it('a table name Unity Catalog refuses fails before any statement runs, naming it', async () => {
  const client = await open(destination(), 'ids_tables')
  const before = fake.statements.length
  const t = table('odd table', [{ name: 'id', dataType: 'bigint' }])
  const e = await loadOnce(client, [{ table: t, rows: [] }]).catch((x: unknown) => x)
  await client[Symbol.asyncDispose]()
  expect(isSluiceError(e, 'DESTINATION_IDENTIFIER')).toBe(true)
  expect(String(e)).toMatch(/table name "odd table"/)
  expect(fake.statements.slice(before).filter((s) => !s.statement.startsWith('SELECT'))).toEqual([])
})
