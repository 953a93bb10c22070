import { describe, expect, it } from 'vitest'
import { mapSnowflakeError } from './snowflake-errors.ts'

const ctx = { account: 'org-acc', user: 'LOADER', database: 'DB', role: 'R', action: 'login' }

describe('mapSnowflakeError', () => {
  it.each([
    [
      { code: 390100, message: 'Incorrect username or password was specified.' },
      'DESTINATION_AUTH',
      /password/,
    ],
    [{ code: 390144, message: 'JWT token is invalid.' }, 'DESTINATION_AUTH', /RSA_PUBLIC_KEY/],
    [
      { code: '090105', message: 'This session does not have a current database.' },
      'DESTINATION_DATABASE_MISSING',
      /CREATE DATABASE/,
    ],
    [
      { code: '000606', message: 'No active warehouse selected in the current session.' },
      'DESTINATION_PERMISSION',
      /warehouse/,
    ],
    [
      { code: '003001', message: 'Insufficient privileges to operate on schema' },
      'DESTINATION_PERMISSION',
      /USAGE and CREATE SCHEMA/,
    ],
    [{ code: '100069', message: "Numeric value 'abc' is not recognized" }, 'DESTINATION_DATA', /column type/],
  ])('%o → %s', (error, code, hint) => {
    const e = mapSnowflakeError(error, ctx)
    expect(e.code).toBe(code)
    expect(e.hint).toMatch(hint)
    expect(e.cause).toBe(error)
  })

  it('network errors are transient', () => {
    const e = mapSnowflakeError({ code: 401001, message: 'connect ECONNREFUSED 127.0.0.1:1' }, ctx)
    expect(e.code).toBe('DESTINATION_CONNECT')
    expect(e.transient).toBe(true)
  })

  it('lock waits and deadlocks are transient', () => {
    const e = mapSnowflakeError(
      {
        code: '000625',
        message:
          'Statement was aborted because the number of waiters for this lock exceeds the 20 statements limit.',
      },
      ctx,
    )
    expect(e.code).toBe('DESTINATION_TRANSIENT')
    expect(e.transient).toBe(true)
  })

  it('other errors keep the first line of the server message', () => {
    const e = mapSnowflakeError({ code: '001003', message: 'SQL compilation error:\nsyntax error' }, ctx)
    expect(e.code).toBe('DESTINATION_QUERY')
    expect(e.message).toContain('SQL compilation error')
  })
})
