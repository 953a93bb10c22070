import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { destination } from './redshift-config.ts'
import { parseRedshiftCredentials, redshiftLocation } from './redshift-credentials.ts'

function configError(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
    return error as Error
  }
  throw new Error('expected a CONFIG_INVALID error')
}

const HOST = 'examplecluster.abc123xyz789.eu-central-1.redshift.amazonaws.com'

describe('parseRedshiftCredentials', () => {
  it('parses a redshift:// URL with an encoded password; port 5439 and encrypted TLS by default', () => {
    const p = parseRedshiftCredentials(`redshift://loader:p%40ss%3Aword@${HOST}/dev?connect_timeout=7`)
    expect(p).toEqual({
      host: HOST,
      port: 5439,
      user: 'loader',
      password: 'p@ss:word',
      database: 'dev',
      ssl: { rejectUnauthorized: false },
      connectTimeoutMs: 7000,
      applicationName: 'sluice',
    })
    expect(redshiftLocation(p)).toBe(`redshift://loader@${HOST}:5439/dev`)
  })

  it("takes dlt's fields ([destination.redshift.credentials]) and postgresql:// URLs", () => {
    const p = parseRedshiftCredentials({
      host: HOST,
      port: '5440',
      username: 'loader',
      password: 'pw',
      database: 'dev',
    })
    expect(p).toMatchObject({ host: HOST, port: 5440, user: 'loader', password: 'pw', database: 'dev' })
    expect(parseRedshiftCredentials('postgresql://u:pw@h:5439/d?sslmode=disable').ssl).toBe(false)
  })

  it('verifies the certificate with sslmode=verify-full or the ssl option', () => {
    expect(parseRedshiftCredentials(`redshift://u@${HOST}/d?sslmode=verify-full`).ssl).toEqual({
      rejectUnauthorized: true,
    })
    expect(parseRedshiftCredentials(`redshift://u@${HOST}/d`, { ca: 'PEM' }).ssl).toEqual({
      rejectUnauthorized: true,
      ca: 'PEM',
    })
    expect(parseRedshiftCredentials(`redshift://u@${HOST}/d`, false).ssl).toBe(false)
  })

  it('names what is wrong, and never the password', () => {
    expect(configError(() => parseRedshiftCredentials('mysql://u:secret-pw@h/d')).message).toMatch(
      /scheme is "mysql:\/\/".*DESTINATION__REDSHIFT__CREDENTIALS/,
    )
    expect(configError(() => parseRedshiftCredentials('redshift://u:secret-pw@h')).message).toMatch(
      /names no database/,
    )
    expect(configError(() => parseRedshiftCredentials('redshift://u:secret-pw@h:99999/d')).message).toMatch(
      /port "99999"/,
    )
    expect(configError(() => parseRedshiftCredentials({ host: 'h', database: 'd' })).message).toMatch(
      /"username" \(or "user"\) is missing/,
    )
    for (const url of [
      'mysql://u:secret-pw@h/d',
      'redshift://u:secret-pw@h',
      'redshift://u:secret-pw@h:99999/d',
    ]) {
      expect(configError(() => parseRedshiftCredentials(url)).message).not.toContain('secret-pw')
    }
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it('are host, port, user, database and sslmode without the password; fromConfig rebuilds from them', async () => {
    const ctx = { pipelineName: 'p', stage: () => Promise.reject(new Error('unused')) }
    const dest = await destination.fromConfig(
      {
        credentials: 'redshift://loader:pw-secret-77@cluster.example.com:5439/dev?sslmode=verify-full',
        pool_size: 4,
      },
      ctx,
    )
    const recorded = dest.publicConfig?.({ pipelineName: 'p' })
    expect(recorded).toEqual({
      credentials: {
        host: 'cluster.example.com',
        port: 5439,
        username: 'loader',
        database: 'dev',
        sslmode: 'verify-full',
      },
      pool_size: 4,
    })
    expect(JSON.stringify(recorded)).not.toContain('pw-secret-77')
    const again = await destination.fromConfig(
      { ...recorded, credentials: { ...(recorded?.['credentials'] as object), password: 'pw-secret-77' } },
      ctx,
    )
    expect(again.publicConfig?.({ pipelineName: 'p' })).toEqual(recorded)
  })
})
