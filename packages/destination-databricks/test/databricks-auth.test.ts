import { isSluiceError } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DatabricksOptions, databricks, oauthTokenSource } from '../src/index.ts'
import { FakeDatabricks } from './databricks-fake.ts'

// Authentication (personal access token, OAuth machine-to-machine with refresh) and the errors users see, against
// the fake workspace.
const SECRET = 'dose-FAKE-oauth-secret-1234'
const fake = new FakeDatabricks({
  clients: { 'sp-client-id': SECRET },
  catalogs: ['main'],
  denied: [/^CREATE SCHEMA IF NOT EXISTS `denied`/],
})
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const oauth = (extra: DatabricksOptions = {}): DatabricksOptions => ({
  credentials: {
    server_hostname: fake.url,
    http_path: fake.httpPath,
    catalog: 'main',
    client_id: 'sp-client-id',
    client_secret: SECRET,
  },
  http: { pollMs: 1, backoffMs: 1 },
  ...extra,
})
const items = table('items', [{ name: 'id', dataType: 'bigint' }])

describe('OAuth machine-to-machine', () => {
  it('fetches one token for the client, and a new one when the API rejects the expired token', async () => {
    const urls: string[] = []
    const recording: typeof fetch = (input, init) => {
      urls.push(String(input))
      return fetch(input, init)
    }
    const before = fake.tokenRequests.length
    const client = await open(
      databricks(oauth({ http: { pollMs: 1, backoffMs: 1, fetch: recording } })),
      'auth_m2m',
    )
    await loadOnce(client, [{ table: items, rows: [{ id: 1, _sluice_load_id: 'l', _sluice_id: 'a' }] }])
    expect(fake.tokenRequests.slice(before)).toEqual(['sp-client-id'])
    fake.expireTokens()
    await loadOnce(client, [{ table: items, rows: [{ id: 2, _sluice_load_id: 'l', _sluice_id: 'b' }] }])
    await client[Symbol.asyncDispose]()
    expect(fake.tokenRequests.slice(before)).toEqual(['sp-client-id', 'sp-client-id'])
    expect((await readRows(fake.admin, 'auth_m2m', 'items')).map((r) => r['id'])).toEqual(['1', '2'])
    // the secret and the tokens only ever went to the workspace
    expect(urls.length).toBeGreaterThan(0)
    expect(urls.every((u) => u.startsWith(`${fake.url}/`))).toBe(true)
  })

  it('refreshes the token before it expires', async () => {
    let now = 1_000_000
    const before = fake.tokenRequests.length
    const tokens = oauthTokenSource({
      baseUrl: fake.url,
      clientId: 'sp-client-id',
      clientSecret: SECRET,
      now: () => now,
    })
    const first = await tokens.token()
    expect(await tokens.token()).toBe(first)
    now += 3600_000 - 61_000
    expect(await tokens.token()).toBe(first)
    now += 2_000
    const second = await tokens.token()
    expect(second).not.toBe(first)
    expect(fake.tokenRequests.length - before).toBe(2)
  })

  it('a wrong client secret fails when the client is made, naming the settings but not the secret', async () => {
    const bad = oauth()
    ;(bad.credentials as Record<string, unknown>)['client_secret'] = 'wrong-secret-9876'
    const e = await databricks(bad)
      .createClient({ datasetName: 'x', pipelineName: 'p', emit: () => {} })
      .catch((x: unknown) => x)
    expect(isSluiceError(e, 'DESTINATION_AUTH')).toBe(true)
    expect(String(e)).toMatch(/client_id and client_secret/)
    expect(String(e)).toMatch(/DESTINATION__DATABRICKS__CREDENTIALS__/)
    expect(String(e)).not.toContain('wrong-secret-9876')
  })
})

describe('databricks errors', () => {
  const pat = (extra: DatabricksOptions = {}): DatabricksOptions => ({
    serverHostname: fake.url,
    httpPath: fake.httpPath,
    catalog: 'main',
    accessToken: 'dapi-fake-token',
    http: { pollMs: 1, backoffMs: 1, attempts: 2 },
    ...extra,
  })
  const fails = async (options: DatabricksOptions, dataset: string) =>
    open(databricks(options), dataset).then(
      async (c) => {
        await c[Symbol.asyncDispose]()
        throw new Error('expected a failure')
      },
      (error: unknown) => error,
    )

  it('a rejected token names the setting, without the token', async () => {
    const e = await fails(pat({ accessToken: 'dapi-wrong-token-5555' }), 'err_auth')
    expect(isSluiceError(e, 'DESTINATION_AUTH')).toBe(true)
    expect(String(e)).toMatch(/DESTINATION__DATABRICKS__CREDENTIALS__/)
    expect(String(e)).not.toContain('dapi-wrong-token-5555')
  })

  it('missing privileges name the grants', async () => {
    const e = await fails(pat(), 'denied')
    expect(isSluiceError(e, 'DESTINATION_PERMISSION')).toBe(true)
    expect(String(e)).toMatch(/USE CATALOG and CREATE SCHEMA/)
  })

  it('a missing catalog or warehouse says which setting to check', async () => {
    const catalog = await fails(pat({ catalog: 'nope' }), 'err_catalog')
    expect(isSluiceError(catalog, 'DESTINATION_DATABASE_MISSING')).toBe(true)
    expect(String(catalog)).toMatch(/check catalog/)
    const warehouse = await fails(pat({ httpPath: '/sql/1.0/warehouses/0000000000000000' }), 'err_wh')
    expect(isSluiceError(warehouse, 'DESTINATION_DATABASE_MISSING')).toBe(true)
    expect(String(warehouse)).toMatch(/check http_path/)
  })

  it('a workspace that cannot be reached is a transient connection error', async () => {
    const e = await fails(pat({ serverHostname: 'http://127.0.0.1:9' }), 'err_net')
    expect(isSluiceError(e, 'DESTINATION_CONNECT')).toBe(true)
    expect((e as { transient: boolean }).transient).toBe(true)
    expect(String(e)).toMatch(/check server_hostname/)
  })
})
