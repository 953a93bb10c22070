import { describe, expect, it } from 'vitest'
import { destination } from './snowflake-config.ts'
import { parseSnowflakeOptions, snowflakeLocation } from './snowflake-credentials.ts'

describe('parseSnowflakeOptions', () => {
  it('reads camelCase options', () => {
    const p = parseSnowflakeOptions({
      account: 'org-acc',
      user: 'LOADER',
      password: 'pw',
      database: 'DB',
      warehouse: 'WH',
      role: 'R',
    })
    expect(p).toMatchObject({
      account: 'org-acc',
      user: 'LOADER',
      password: 'pw',
      authenticator: 'SNOWFLAKE',
      database: 'DB',
      warehouse: 'WH',
      role: 'R',
      parallelJobs: 4,
    })
    expect(snowflakeLocation(p)).toBe('snowflake://LOADER@org-acc/DB')
  })

  it("reads dlt's section: credentials table with host/username, key pair, stage_name", () => {
    const p = parseSnowflakeOptions({
      credentials: {
        host: 'org-acc',
        username: 'LOADER',
        private_key_path: '/keys/rsa.p8',
        private_key_passphrase: 'pass',
        database: 'DB',
      },
      stage_name: 'MY_STAGE',
      parallel_jobs: '2',
    })
    expect(p).toMatchObject({
      account: 'org-acc',
      user: 'LOADER',
      privateKeyPath: '/keys/rsa.p8',
      privateKeyPassphrase: 'pass',
      authenticator: 'SNOWFLAKE_JWT',
      stage: 'MY_STAGE',
      parallelJobs: 2,
    })
    expect(p.password).toBeUndefined()
  })

  it('reads a snowflake:// connection string; top-level keys win', () => {
    const p = parseSnowflakeOptions({
      credentials: 'snowflake://LOADER:p%40ss@org-acc/DB?warehouse=WH&role=R',
      role: 'OTHER',
    })
    expect(p).toMatchObject({
      user: 'LOADER',
      password: 'p@ss',
      account: 'org-acc',
      database: 'DB',
      warehouse: 'WH',
      role: 'OTHER',
    })
  })

  it('names what is missing and never echoes secrets', () => {
    expect(() => parseSnowflakeOptions({ user: 'u', password: 'pw-secret-1', database: 'd' })).toThrow(
      /account is missing/,
    )
    expect(() => parseSnowflakeOptions({ account: 'a', password: 'pw-secret-1', database: 'd' })).toThrow(
      /user is missing/,
    )
    expect(() => parseSnowflakeOptions({ account: 'a', user: 'u', password: 'pw-secret-1' })).toThrow(
      /database is missing/,
    )
    expect(() => parseSnowflakeOptions({ account: 'a', user: 'u', database: 'd' })).toThrow(
      /password, or private_key/,
    )
    try {
      parseSnowflakeOptions({ account: 'a', user: 'u', password: 'pw-secret-1', parallel_jobs: 0 })
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('pw-secret-1')
      expect((e as { code: string }).code).toBe('CONFIG_INVALID')
    }
    expect(() => parseSnowflakeOptions({ credentials: 'postgres://x@y/z' })).toThrow(
      /scheme must be snowflake/,
    )
  })

  it('the documented config keys, nested by their dots, make a valid section', async () => {
    const keys = destination.keys.map((k) => k.key)
    const env: Record<string, string> = {
      'credentials.host': 'org-acc',
      'credentials.username': 'LOADER',
      'credentials.password': 'pw',
      'credentials.database': 'DB',
      'credentials.warehouse': 'WH',
      stage_name: 'ST',
      replace_strategy: 'staging-optimized',
    }
    const section: Record<string, unknown> = {}
    for (const key of keys) {
      const value = env[key]
      if (value === undefined) continue
      const parts = key.split('.')
      let at = section
      for (const p of parts.slice(0, -1)) {
        at[p] ??= {}
        at = at[p] as Record<string, unknown>
      }
      at[parts.at(-1) as string] = value
    }
    expect(Object.keys(env).every((k) => keys.includes(k))).toBe(true)
    expect(parseSnowflakeOptions(section)).toMatchObject({
      account: 'org-acc',
      user: 'LOADER',
      database: 'DB',
      warehouse: 'WH',
      stage: 'ST',
    })
    const stage = () => Promise.reject(new Error('no staging configured'))
    expect((await destination.fromConfig(section, { pipelineName: 'p', stage })).name).toBe('snowflake')
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it('are account, user, database, warehouse, role and load settings, never the password', async () => {
    const dest = await destination.fromConfig(
      { credentials: 'snowflake://LOADER:pw-secret-1@org-acc/DB?warehouse=WH&role=R' },
      { pipelineName: 'p', stage: () => Promise.reject(new Error('unused')) },
    )
    const recorded = dest.publicConfig?.({ pipelineName: 'p' })
    expect(recorded).toEqual({
      credentials: { host: 'org-acc', username: 'LOADER', database: 'DB', warehouse: 'WH', role: 'R' },
      parallel_jobs: 4,
      replace_strategy: 'insert-from-staging',
      keep_staged_files: false,
    })
    expect(JSON.stringify(recorded)).not.toContain('pw-secret-1')
  })
})
