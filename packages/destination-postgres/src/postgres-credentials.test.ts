import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { destination } from './postgres-config.ts'
import { parsePostgresCredentials, postgresLocation } from './postgres-credentials.ts'

function configError(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
    return error as Error
  }
  throw new Error('expected a CONFIG_INVALID error')
}

describe('parsePostgresCredentials', () => {
  it('parses a full URL with an encoded password and sslmode', () => {
    const p = parsePostgresCredentials(
      'postgresql://loader:p%40ss%3Aword@db.example.com:6543/analytics?sslmode=require&connect_timeout=7',
    )
    expect(p).toMatchObject({
      host: 'db.example.com',
      port: 6543,
      user: 'loader',
      password: 'p@ss:word',
      database: 'analytics',
      ssl: { rejectUnauthorized: false },
      connectTimeoutMs: 7000,
      applicationName: 'sluice',
    })
  })

  it('defaults the port to 5432, accepts postgres:// and no password', () => {
    const p = parsePostgresCredentials('postgres://me@localhost/db')
    expect(p).toMatchObject({
      host: 'localhost',
      port: 5432,
      user: 'me',
      password: undefined,
      database: 'db',
      ssl: false,
    })
  })

  it('maps every sslmode', () => {
    const mode = (m: string) => parsePostgresCredentials(`postgresql://u@h/d?sslmode=${m}`).ssl
    expect(mode('disable')).toBe(false)
    expect(mode('prefer')).toBe(false)
    expect(mode('verify-full')).toEqual({ rejectUnauthorized: true })
    const verifyCa = mode('verify-ca')
    expect(verifyCa === false ? undefined : verifyCa.rejectUnauthorized).toBe(true)
    expect(verifyCa === false ? undefined : typeof verifyCa.checkServerIdentity).toBe('function')
    expect(configError(() => mode('sometimes')).message).toContain('sslmode "sometimes"')
  })

  it('lets the ssl option add a CA on top of the URL', () => {
    const p = parsePostgresCredentials('postgresql://u@h/d', { ca: 'PEM' })
    expect(p.ssl).toEqual({ rejectUnauthorized: true, ca: 'PEM' })
  })

  it('accepts IPv6 hosts and a host query parameter', () => {
    expect(parsePostgresCredentials('postgresql://u@[::1]:5433/d').host).toBe('::1')
    expect(parsePostgresCredentials('postgresql://u@/d?host=/var/run/postgresql').host).toBe(
      '/var/run/postgresql',
    )
  })

  it('accepts separate fields, with dlt names', () => {
    const p = parsePostgresCredentials({
      host: 'h',
      port: '5544',
      username: 'u',
      password: 'secret',
      database: 'd',
      sslmode: 'require',
    })
    expect(p).toMatchObject({
      host: 'h',
      port: 5544,
      user: 'u',
      password: 'secret',
      database: 'd',
      ssl: { rejectUnauthorized: false },
    })
    expect(parsePostgresCredentials({ host: 'h', user: 'u', database: 'd', ssl: true }).ssl).toEqual({
      rejectUnauthorized: true,
    })
  })

  it('names the setting and the problem, never the password', () => {
    const cases: [unknown, string][] = [
      ['', 'empty'],
      ['localhost:5432/db', 'postgresql://'],
      ['mysql://u:hunter22@h/d', 'mysql://'],
      ['postgresql://u:hunter22@h:99999/d', 'port'],
      ['postgresql://u:hunter22@h:5432/', 'no database'],
      ['postgresql://:hunter22@h:5432/d', 'no user'],
      ['postgresql://u:hunter22%zz@h/d', 'percent'],
      ['postgresql://u:hunter?22@h:5432/d', 'contains a raw "?"'],
      [{ host: 'h', user: 'u', password: 'hunter22' }, '"database"'],
      [{ user: 'u', database: 'd' }, '"host"'],
      [{ host: 'h', database: 'd' }, '"user"'],
      [42, 'got number'],
    ]
    for (const [input, problem] of cases) {
      const error = configError(() => parsePostgresCredentials(input as string))
      expect(error.message).toContain(problem)
      expect(error.message).toContain('DESTINATION__POSTGRES__CREDENTIALS')
      expect(error.message).toContain('[destination.postgres]')
      expect(error.message).not.toContain('hunter22')
    }
  })
})

describe('postgresLocation', () => {
  it('leaves the password out', () => {
    const p = parsePostgresCredentials('postgresql://loader:hunter22@db:5433/analytics')
    expect(postgresLocation(p)).toBe('postgres://loader@db:5433/analytics')
    expect(postgresLocation({ ...p, host: '::1' })).toBe('postgres://loader@[::1]:5433/analytics')
  })
})

describe('parsePostgresCredentials with unencoded characters', () => {
  it('splits at the last @ so a password with @ and / still works', () => {
    const p = parsePostgresCredentials('postgresql://u:p@ss/w0rd@h:5432/db')
    expect(p).toMatchObject({ user: 'u', password: 'p@ss/w0rd', host: 'h', database: 'db' })
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it('are host, port, user, database (and sslmode, timeout) without the password; fromConfig rebuilds from them', async () => {
    const dest = await destination.fromConfig(
      {
        credentials:
          'postgresql://loader:s3cret-pw@db.example.com:6543/analytics?sslmode=require&connect_timeout=7',
        pool_size: 4,
      },
      { pipelineName: 'p', stage: () => Promise.reject(new Error('unused')) },
    )
    const recorded = dest.publicConfig?.({ pipelineName: 'p' })
    expect(recorded).toEqual({
      credentials: {
        host: 'db.example.com',
        port: 6543,
        username: 'loader',
        database: 'analytics',
        sslmode: 'require',
        connect_timeout: '7',
      },
      pool_size: 4,
    })
    expect(JSON.stringify(recorded)).not.toContain('s3cret-pw')
    const again = await destination.fromConfig(
      { ...recorded, credentials: { ...(recorded?.['credentials'] as object), password: 's3cret-pw' } },
      { pipelineName: 'p', stage: () => Promise.reject(new Error('unused')) },
    )
    expect(again.publicConfig?.({ pipelineName: 'p' })).toEqual(recorded)
  })
})
