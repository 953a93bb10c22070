import { describe, expect, it } from 'vitest'
import { destination } from './databricks-config.ts'
import {
  databricksLocation,
  parseDatabricksOptions,
  warehouseIdOf,
  workspaceUrl,
} from './databricks-credentials.ts'

const section = (credentials: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  credentials: {
    server_hostname: 'dbc-1234abcd-5678.cloud.databricks.com',
    http_path: '/sql/1.0/warehouses/1234567890abcdef',
    catalog: 'main',
    ...credentials,
  },
  ...extra,
})

describe('databricks options', () => {
  it("reads dlt's credentials table: the warehouse id from http_path, a personal access token", () => {
    const p = parseDatabricksOptions(section({ access_token: 'dapi-secret-1' }))
    expect(p).toMatchObject({
      baseUrl: 'https://dbc-1234abcd-5678.cloud.databricks.com',
      warehouseId: '1234567890abcdef',
      catalog: 'main',
      auth: { kind: 'token', accessToken: 'dapi-secret-1' },
      keepStagedFiles: false,
      replaceStrategy: 'insert-from-staging',
      parallelJobs: 4,
      readerRowLimit: 100_000,
      stagingVolume: undefined,
    })
    expect(databricksLocation(p)).toBe(
      'databricks://dbc-1234abcd-5678.cloud.databricks.com/main?warehouse=1234567890abcdef',
    )
  })

  it('uses OAuth when client_id and client_secret are given, camelCase too', () => {
    const p = parseDatabricksOptions({
      serverHostname: 'https://adb-1.2.azuredatabricks.net',
      warehouseId: 'w1',
      catalog: 'cat',
      clientId: 'sp',
      clientSecret: 's3cret',
      stagingVolumeName: 'cat.tools.uploads',
      keepStagedFiles: true,
      parallelJobs: 2,
    })
    expect(p.auth).toEqual({ kind: 'oauth', clientId: 'sp', clientSecret: 's3cret' })
    expect(p.stagingVolume).toEqual({ catalog: 'cat', schema: 'tools', volume: 'uploads' })
    expect(p).toMatchObject({ warehouseId: 'w1', keepStagedFiles: true, parallelJobs: 2 })
  })

  it('names the missing or wrong setting, never a secret', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { credentials: { http_path: '/sql/1.0/warehouses/x', catalog: 'c', access_token: 'tok-1234' } },
        /server_hostname is missing/,
      ],
      [section({ http_path: undefined, access_token: 'tok-1234' }), /http_path is missing/],
      [section({ catalog: undefined, access_token: 'tok-1234' }), /catalog is missing/],
      [section({}), /give access_token, or client_id and client_secret/],
      [section({ client_id: 'x', access_token: 'tok-1234' }), /both client_id and client_secret/],
      [
        section({ access_token: 'tok-1234' }, { staging_volume_name: 'just_a_name' }),
        /catalog\.schema\.volume/,
      ],
      [
        section({ access_token: 'tok-1234' }, { replace_strategy: 'swap' }),
        /replace_strategy must be one of/,
      ],
      [
        section({ access_token: 'tok-1234' }, { parallel_jobs: '0' }),
        /parallel_jobs must be a positive integer/,
      ],
      [section({ access_token: 'tok-1234', catalog: 'my catalog' }), /catalog name "my catalog"/],
    ]
    for (const [options, message] of cases) {
      let error: unknown
      try {
        parseDatabricksOptions(options)
      } catch (e) {
        error = e
      }
      expect(String(error), String(message)).toMatch(message)
      expect(String(error)).not.toContain('tok-1234')
    }
  })

  it('takes the warehouse id from a warehouse HTTP path only', () => {
    expect(warehouseIdOf('/sql/1.0/warehouses/abc123')).toBe('abc123')
    expect(warehouseIdOf('sql/1.0/endpoints/abc123/')).toBe('abc123')
    expect(() => warehouseIdOf('sql/protocolv1/o/1234/0123-456789-abcdefgh')).toThrow(/clusters cannot run/)
  })

  it('sends tokens over https only, plain http to loopback addresses (tests, local proxies)', () => {
    expect(workspaceUrl('dbc-1.cloud.databricks.com:8443').baseUrl).toBe(
      'https://dbc-1.cloud.databricks.com:8443',
    )
    expect(workspaceUrl('http://127.0.0.1:4000').baseUrl).toBe('http://127.0.0.1:4000')
    expect(workspaceUrl('http://localhost:4000').host).toBe('localhost:4000')
    expect(() => workspaceUrl('http://dbc-1.cloud.databricks.com')).toThrow(/clear text/)
    expect(() => workspaceUrl('https://dbc-1.cloud.databricks.com/sql/1.0')).toThrow(/workspace host only/)
    expect(() => workspaceUrl('https://user:pw@dbc-1.cloud.databricks.com')).toThrow(/workspace host only/)
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it('are host, warehouse, catalog and the OAuth client id, never the token or the secret', async () => {
    const ctx = { pipelineName: 'p', stage: () => Promise.reject(new Error('unused')) }
    const dest = await destination.fromConfig(
      {
        credentials: {
          server_hostname: 'dbc-1.cloud.databricks.com',
          http_path: '/sql/1.0/warehouses/abc123',
          catalog: 'main',
          client_id: 'sp-1',
          client_secret: 'sp-secret-42',
        },
      },
      ctx,
    )
    const recorded = dest.publicConfig?.({ pipelineName: 'p' })
    expect(recorded).toMatchObject({
      credentials: {
        server_hostname: 'dbc-1.cloud.databricks.com',
        http_path: '/sql/1.0/warehouses/abc123',
        catalog: 'main',
        client_id: 'sp-1',
      },
    })
    expect(JSON.stringify(recorded)).not.toContain('sp-secret-42')
    const again = await destination.fromConfig(
      {
        ...recorded,
        credentials: { ...(recorded?.['credentials'] as object), client_secret: 'sp-secret-42' },
      },
      ctx,
    )
    expect(again.publicConfig?.({ pipelineName: 'p' })).toEqual(recorded)
  })
})
