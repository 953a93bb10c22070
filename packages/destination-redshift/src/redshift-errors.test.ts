import { SluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { isRedshiftDriverError, mapRedshiftError } from './redshift-errors.ts'

const ctx = {
  host: 'cluster.example.com',
  port: 5439,
  user: 'loader',
  database: 'dev',
  secrets: ['pw-secret-1', 'stage-key-2'],
}
const driver = (code: string, message: string, detail?: string) =>
  Object.assign(new Error(message), { code, ...(detail ? { detail } : {}) })

describe('mapRedshiftError', () => {
  it("names dlt's terminal data errors, also inside a failed COPY's detail", () => {
    const cases: [Error, RegExp][] = [
      [
        driver('23502', 'null value in column "id" violates not-null constraint'),
        /NULL value went into a NOT NULL column/,
      ],
      [
        driver(
          'XX000',
          "Load into table 'entries' failed. Check 'sys_load_error_detail' system table for details.",
          'error: Cannot insert a NULL value into column id code: 1213',
        ),
        /NULL value went into a NOT NULL column/,
      ],
      [driver('XX000', 'Numeric data overflow (result precision)'), /numeric overflow/],
      [driver('XX000', 'Precision exceeds maximum'), /precision exceeds maximum/],
      [driver('22001', 'value too long for type character varying(65535)'), /longer than its column allows/],
    ]
    for (const [error, message] of cases) {
      const mapped = mapRedshiftError(error, ctx, 'INSERT into "t"')
      expect(mapped.code).toBe('DESTINATION_DATA')
      expect(mapped.transient).toBe(false)
      expect(mapped.message).toMatch(message)
      expect(mapped.hint).toBeTruthy()
    }
    const other = mapRedshiftError(
      driver(
        'XX000',
        "Load into table 'entries' failed. Check 'sys_load_error_detail' system table for details.",
        'error: Invalid timestamp format',
      ),
      ctx,
    )
    expect(other.code).toBe('DESTINATION_DATA')
    expect(other.message).toMatch(/Invalid timestamp format.*sys_load_error_detail/)
  })

  it('marks conflicts and lost connections transient', () => {
    for (const error of [
      driver(
        'XX000',
        'Serializable isolation violation on table - 123, transactions forming the cycle are: 1, 2',
      ),
      driver('40001', 'could not serialize access'),
      driver('57P01', 'terminating connection due to administrator command'),
      driver('08006', 'connection failure'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      const mapped = mapRedshiftError(error, ctx)
      expect(mapped.code, error.message).toBe('DESTINATION_TRANSIENT')
      expect(mapped.transient).toBe(true)
    }
  })

  it('says what to fix for connections, logins, databases, grants and the staging bucket', () => {
    expect(mapRedshiftError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), ctx).message).toMatch(
      /could not connect to cluster.example.com:5439.*security group|publicly accessible/,
    )
    expect(mapRedshiftError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), ctx).code).toBe(
      'DESTINATION_CONNECT',
    )
    const auth = mapRedshiftError(driver('28000', 'password authentication failed for user "loader"'), ctx)
    expect(auth.code).toBe('DESTINATION_AUTH')
    expect(auth.message).toMatch(/DESTINATION__REDSHIFT__CREDENTIALS/)
    expect(mapRedshiftError(driver('3D000', 'database "dev" does not exist'), ctx).code).toBe(
      'DESTINATION_DATABASE_MISSING',
    )
    expect(mapRedshiftError(driver('42501', 'permission denied for schema ds'), ctx).message).toMatch(
      /GRANT USAGE, CREATE ON SCHEMA/,
    )
    const s3 = mapRedshiftError(
      driver('XX000', 'S3ServiceException:Access Denied,Status 403'),
      ctx,
      'COPY into "t"',
    )
    expect(s3.code).toBe('DESTINATION_PERMISSION')
    expect(s3.message).toMatch(/staging_iam_role|iam_role/i)
  })

  it('keeps every secret of the context out of messages; SluiceErrors pass through', () => {
    const mapped = mapRedshiftError(
      driver('XX000', 'failed with pw-secret-1', "CREDENTIALS 'aws_secret_access_key=stage-key-2'"),
      ctx,
    )
    expect(mapped.message).not.toMatch(/pw-secret-1|stage-key-2/)
    const own = new SluiceError('DESTINATION_QUERY', 'mine')
    expect(mapRedshiftError(own, ctx)).toBe(own)
    expect(isRedshiftDriverError(new TypeError('bug'))).toBe(false)
    expect(isRedshiftDriverError(driver('42P01', 'relation does not exist'))).toBe(true)
  })
})
