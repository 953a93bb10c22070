import { describe, expect, it } from 'vitest'
import { SluiceError } from '../../errors.ts'
import {
  LIBPQ_TRANSIENT_STATES,
  libpqErrno,
  libpqLocation,
  libpqSqlState,
  parseLibpqCredentials,
} from './sql-libpq.ts'

const profile = {
  name: 'wire',
  schemes: ['wire', 'postgresql'],
  defaultPort: 6543,
  setting: 'DESTINATION__WIRE__CREDENTIALS',
  example: 'wire://user:password@host:6543/db',
}

function problem(f: () => unknown): SluiceError {
  try {
    f()
  } catch (error) {
    if (error instanceof SluiceError) return error
    throw error
  }
  throw new Error('expected a SluiceError')
}

describe('parseLibpqCredentials', () => {
  it("takes the profile's default port, schemes, and names its setting in errors", () => {
    expect(parseLibpqCredentials(profile, 'wire://u:p%40ss@h/db?sslmode=require&connect_timeout=2')).toEqual({
      host: 'h',
      port: 6543,
      user: 'u',
      password: 'p@ss',
      database: 'db',
      sslmode: 'require',
      connectTimeoutMs: 2000,
      applicationName: 'sluice',
    })
    const wrong = problem(() => parseLibpqCredentials(profile, 'mysql://u:secret@h/db'))
    expect(wrong.code).toBe('CONFIG_INVALID')
    expect(wrong.message).toContain(
      '[wire] invalid credentials: the URL scheme is "mysql://", expected wire:// (or postgresql://)',
    )
    expect(wrong.hint).toContain('DESTINATION__WIRE__CREDENTIALS')
    expect(wrong.message + wrong.hint).not.toContain('secret')
  })

  it('reads fields with user or username and rejects an unknown sslmode', () => {
    expect(
      parseLibpqCredentials(profile, { host: 'h', username: 'u', database: 'd', port: '7' }),
    ).toMatchObject({
      user: 'u',
      port: 7,
      password: undefined,
    })
    expect(
      problem(() => parseLibpqCredentials(profile, { host: 'h', user: 'u', database: 'd', sslmode: 'on' }))
        .message,
    ).toMatch(/sslmode "on" is not one of disable, allow/)
  })

  it('builds a location without the password', () => {
    const settings = parseLibpqCredentials(profile, 'wire://u:secret@[::1]:1/db')
    expect(libpqLocation('wire', settings)).toBe('wire://u@[::1]:1/db')
  })
})

describe('libpq driver errors', () => {
  it('tells SQLSTATEs from socket errors, also inside an AggregateError', () => {
    expect(libpqSqlState({ code: '40P01' })).toBe('40P01')
    expect(libpqSqlState({ code: 'ECONNREFUSED' })).toBeUndefined()
    expect(libpqSqlState(new Error('x'))).toBeUndefined()
    expect(libpqErrno({ code: 'ECONNREFUSED' })).toBe('ECONNREFUSED')
    expect(libpqErrno({ errors: [{ code: 'ECONNREFUSED' }, { code: 'EHOSTUNREACH' }] })).toBe('ECONNREFUSED')
    expect(libpqErrno({ code: '40P01' })).toBeUndefined()
    expect(libpqErrno(null)).toBeUndefined()
    expect(LIBPQ_TRANSIENT_STATES.has('40001')).toBe(true)
  })
})
