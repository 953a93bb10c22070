import { describe, expect, test } from 'vitest'
import { createConfig, envProvider, tableProvider } from './config-resolve.ts'

const toml = (table: Record<string, unknown>) => tableProvider('config.toml', table)

describe('createConfig', () => {
  test('get: the first provider with a value wins; each looks under the pipeline first, then shorter paths', () => {
    const config = createConfig(
      [
        envProvider({ SOURCES__API_KEY: 'env-any-source', P1__SOURCES__CLOCKODO__BASE_URL: 'env-p1' }),
        toml({ sources: { clockodo: { api_key: 'toml-clockodo', base_url: 'toml-url' } } }),
      ],
      { pipelineName: 'p1' },
    )
    // the environment's less specific sources.api_key comes before the file's exact key (providers first, as dlt)
    expect(config.get('sources.clockodo.api_key')).toBe('env-any-source')
    expect(config.get('sources.clockodo.base_url')).toBe('env-p1')
    expect(
      createConfig([toml({ sources: { clockodo: { base_url: 'u' } } })]).get('sources.clockodo.base_url'),
    ).toBe('u')
  })

  test('get never drops the top section: an unrelated API_KEY variable is not a source setting', () => {
    const config = createConfig([envProvider({ API_KEY: 'someone-elses', CREDENTIALS: 'x' })])
    expect(config.get('sources.clockodo.api_key')).toBeUndefined()
    expect(config.get('destination.postgres.credentials')).toBeUndefined()
    expect(config.get('api_key')).toBe('someone-elses')
  })

  test('section merges providers key by key, the pipeline section over the plain one, keys above on request', () => {
    const config = createConfig(
      [
        envProvider({ DESTINATION__PG__CREDENTIALS__PASSWORD: 'pw-env', DESTINATION__POOL_SIZE: '9' }),
        toml({
          destination: { pg: { credentials: { host: 'h1', port: 5432 }, replace_strategy: 'a' } },
          p1: { destination: { pg: { replace_strategy: 'b' } } },
        }),
      ],
      { pipelineName: 'p1' },
    )
    expect(config.section('destination.pg')).toEqual({
      credentials: { host: 'h1', port: 5432, password: 'pw-env' },
      replace_strategy: 'b',
    })
    // `destination.pool_size` applies to every destination that reads a pool_size
    expect(config.section('destination.pg', ['credentials', 'pool_size'])).toMatchObject({ pool_size: '9' })
    expect(config.section('destination.pg', ['credentials'])).not.toHaveProperty('pool_size')
  })

  test('withFallback adds a provider below the others: recorded settings fill what is not set now', () => {
    const now = createConfig([envProvider({ DESTINATION__DUCKDB__MEMORY_LIMIT: '1GB' })])
    const config = now.withFallback(
      tableProvider('record', {
        destination: { duckdb: { credentials: '/data/a.duckdb', memory_limit: '64MB' } },
      }),
    )
    expect(config.section('destination.duckdb')).toEqual({
      credentials: '/data/a.duckdb',
      memory_limit: '1GB',
    })
    expect(now.section('destination.duckdb')).toEqual({ memory_limit: '1GB' })
  })

  test('a value replaces a table of a lower provider and the other way round', () => {
    const config = createConfig([
      envProvider({ DESTINATION__PG__CREDENTIALS: 'postgresql://u@h/db' }),
      toml({ destination: { pg: { credentials: { host: 'recorded', database: 'db' } } } }),
    ])
    expect(config.section('destination.pg')).toEqual({ credentials: 'postgresql://u@h/db' })
    const other = createConfig([
      envProvider({ DESTINATION__PG__CREDENTIALS__PASSWORD: 'pw' }),
      toml({ destination: { pg: { credentials: 'postgresql://u@h/db' } } }),
    ])
    expect(other.section('destination.pg')).toEqual({ credentials: { password: 'pw' } })
  })
})
