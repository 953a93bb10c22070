import type { Column, DataType } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { postgresColumnType, postgresDialect, quotePostgresIdentifier } from './postgres-dialect.ts'

const col = (dataType: DataType, extra: Partial<Column> = {}): Column => ({ name: 'c', dataType, ...extra })

describe('postgresDialect', () => {
  it('maps every data type like dlt', () => {
    expect(postgresColumnType(col('text'))).toBe('varchar')
    expect(postgresColumnType(col('text', { precision: 20 }))).toBe('varchar(20)')
    expect(postgresColumnType(col('bigint'))).toBe('bigint')
    expect(postgresColumnType(col('bigint', { precision: 16 }))).toBe('smallint')
    expect(postgresColumnType(col('bigint', { precision: 32 }))).toBe('integer')
    expect(postgresColumnType(col('double'))).toBe('double precision')
    expect(postgresColumnType(col('bool'))).toBe('boolean')
    expect(postgresColumnType(col('timestamp'))).toBe('timestamp with time zone')
    expect(postgresColumnType(col('timestamp', { precision: 3 }))).toBe('timestamp(3) with time zone')
    expect(postgresColumnType(col('date'))).toBe('date')
    expect(postgresColumnType(col('time'))).toBe('time without time zone')
    expect(postgresColumnType(col('decimal'))).toBe('numeric(38,9)')
    expect(postgresColumnType(col('decimal', { precision: 10, scale: 2 }))).toBe('numeric(10,2)')
    expect(postgresColumnType(col('json'))).toBe('jsonb')
    expect(postgresColumnType(col('binary'))).toBe('bytea')
  })

  it('always quotes and doubles embedded quotes', () => {
    expect(quotePostgresIdentifier('entries')).toBe('"entries"')
    expect(quotePostgresIdentifier('Odd "name"; DROP')).toBe('"Odd ""name""; DROP"')
    expect(postgresDialect.param?.(3)).toBe('$3')
    expect(postgresDialect.upsertSyntax).toBe('on-conflict')
  })

  it('refuses identifiers PostgreSQL would truncate (63 bytes), counting bytes not characters', () => {
    expect(quotePostgresIdentifier('a'.repeat(63))).toHaveLength(65)
    for (const name of ['a'.repeat(64), 'ä'.repeat(32), 'x\u0000y']) {
      let error: unknown
      try {
        quotePostgresIdentifier(name)
      } catch (e) {
        error = e
      }
      expect(isSluiceError(error, 'DESTINATION_IDENTIFIER')).toBe(true)
    }
  })
})
