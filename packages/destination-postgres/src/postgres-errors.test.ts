import { SluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { isPostgresDriverError, mapPostgresError } from './postgres-errors.ts'

const ctx = { host: 'db.local', port: 5432, user: 'loader', database: 'analytics', password: 's3cret-pass' }
const pgError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, severity: 'ERROR', ...extra })

describe('mapPostgresError', () => {
  it('maps socket errors, including Node 20 happy-eyeballs AggregateErrors', () => {
    const refused = mapPostgresError(
      new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''),
      ctx,
    )
    expect(refused).toMatchObject({ code: 'DESTINATION_CONNECT', transient: false })
    expect(refused.message).toContain('db.local:5432 (ECONNREFUSED)')
    expect(
      mapPostgresError(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), ctx).message,
    ).toContain('host "db.local" not found')
    expect(mapPostgresError(Object.assign(new Error('read'), { code: 'ECONNRESET' }), ctx)).toMatchObject({
      code: 'DESTINATION_TRANSIENT',
      transient: true,
    })
    expect(mapPostgresError(new Error('timeout expired'), ctx)).toMatchObject({
      code: 'DESTINATION_CONNECT',
      transient: true,
    })
    expect(mapPostgresError(new Error('The server does not support SSL connections'), ctx).message).toContain(
      'sslmode=disable',
    )
    expect(mapPostgresError(new Error('Connection terminated unexpectedly'), ctx)).toMatchObject({
      code: 'DESTINATION_TRANSIENT',
      transient: true,
    })
  })

  it('maps authentication, missing database and privileges with actionable hints', () => {
    expect(
      mapPostgresError(pgError('28P01', 'password authentication failed for user "loader"'), ctx).code,
    ).toBe('DESTINATION_AUTH')
    expect(
      mapPostgresError(pgError('28000', 'no pg_hba.conf entry for host "1.2.3.4"'), ctx).message,
    ).toContain('pg_hba.conf')
    const missing = mapPostgresError(pgError('3D000', 'database "other" does not exist'), ctx)
    expect(missing.message).toContain('database "other" does not exist on db.local:5432')
    expect(missing.message).toContain('createdb other')
    const table = mapPostgresError(
      pgError('42501', 'permission denied for table entries'),
      ctx,
      'COPY into "ds"."entries"',
    )
    expect(table.message).toContain('(COPY into "ds"."entries")')
    expect(table.message).toContain('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON "entries" TO "loader"')
    expect(mapPostgresError(pgError('42501', 'must be owner of table entries'), ctx).message).toContain(
      'ALTER TABLE "entries" OWNER TO "loader"',
    )
    expect(mapPostgresError(pgError('42501', 'permission denied to create role'), ctx).message).toContain(
      'GRANT',
    )
  })

  it('marks serialization failures, deadlocks, shutdowns and connection states transient', () => {
    for (const code of ['40001', '40P01', '57P01', '57P03', '53300', '08006']) {
      expect(mapPostgresError(pgError(code, 'x'), ctx)).toMatchObject({
        code: 'DESTINATION_TRANSIENT',
        transient: true,
      })
    }
  })

  it('keeps data errors terminal with their context, and never leaks the password', () => {
    const data = mapPostgresError(
      pgError('22P02', 'invalid input syntax for type bigint: "abc"', {
        where: 'COPY t, line 3, column id: "abc"',
      }),
      ctx,
    )
    expect(data).toMatchObject({ code: 'DESTINATION_DATA', transient: false })
    expect(data.message).toContain('COPY t, line 3')
    const leaky = mapPostgresError(pgError('XX000', 'weird s3cret-pass inside'), ctx)
    expect(leaky.message).not.toContain('s3cret-pass')
    expect(leaky.code).toBe('DESTINATION_QUERY')
  })

  it('explains dependent objects blocking a staging-optimized replace', () => {
    const error = mapPostgresError(
      pgError('2BP01', 'cannot drop table ds.t because other objects depend on it'),
      ctx,
    )
    expect(error.message).toContain('replaceStrategy insert-from-staging')
  })

  it('passes SluiceErrors through and tells driver errors from bugs', () => {
    const own = new SluiceError('RUN_ABORTED', 'mine')
    expect(mapPostgresError(own, ctx)).toBe(own)
    expect(isPostgresDriverError(new TypeError('x is not a function'))).toBe(false)
    expect(isPostgresDriverError(pgError('42P01', 'missing'))).toBe(true)
    expect(isPostgresDriverError(new Error('Connection terminated unexpectedly'))).toBe(true)
  })
})
