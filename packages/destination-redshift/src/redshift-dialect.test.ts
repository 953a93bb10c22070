import type { Column, DataType } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { quoteRedshiftIdentifier, redshiftColumnType, redshiftDialect } from './redshift-dialect.ts'

const col = (dataType: DataType, extra: Partial<Column> = {}): Column => ({ name: 'c', dataType, ...extra })

describe('redshiftDialect', () => {
  it('maps every data type like dlt', () => {
    expect(redshiftColumnType(col('text'))).toBe('varchar(65535)')
    expect(redshiftColumnType(col('text', { precision: 20 }))).toBe('varchar(20)')
    expect(redshiftColumnType(col('text', { precision: 100_000 }))).toBe('varchar(65535)')
    expect(redshiftColumnType(col('bigint'))).toBe('bigint')
    expect(redshiftColumnType(col('bigint', { precision: 16 }))).toBe('smallint')
    expect(redshiftColumnType(col('bigint', { precision: 32 }))).toBe('integer')
    expect(redshiftColumnType(col('double'))).toBe('double precision')
    expect(redshiftColumnType(col('bool'))).toBe('boolean')
    expect(redshiftColumnType(col('timestamp'))).toBe('timestamp with time zone')
    expect(redshiftColumnType(col('timestamp', { precision: 3 }))).toBe('timestamp with time zone')
    expect(redshiftColumnType(col('date'))).toBe('date')
    expect(redshiftColumnType(col('time'))).toBe('time without time zone')
    expect(redshiftColumnType(col('decimal'))).toBe('numeric(38,9)')
    expect(redshiftColumnType(col('decimal', { precision: 10, scale: 2 }))).toBe('numeric(10,2)')
    expect(redshiftColumnType(col('json'))).toBe('super')
    expect(redshiftColumnType(col('binary'))).toBe('varbinary')
    expect(redshiftColumnType(col('binary', { precision: 256 }))).toBe('varbinary(256)')
  })

  it('always quotes, doubles embedded quotes, and has no upsert, clone or move', () => {
    expect(quoteRedshiftIdentifier('entries')).toBe('"entries"')
    expect(quoteRedshiftIdentifier('Odd "name"; DROP')).toBe('"Odd ""name""; DROP"')
    expect(redshiftDialect.param?.(3)).toBe('$3')
    expect(redshiftDialect.cloneTableSql).toBeUndefined()
    expect(redshiftDialect.moveTableSql).toBeUndefined()
  })

  it('takes identifiers up to 127 bytes and refuses longer ones, counting bytes not characters', () => {
    expect(quoteRedshiftIdentifier('a'.repeat(127))).toHaveLength(129)
    expect(quoteRedshiftIdentifier('ä'.repeat(63))).toHaveLength(65)
    for (const name of ['a'.repeat(128), 'ä'.repeat(64), 'x\u0000y']) {
      let error: unknown
      try {
        quoteRedshiftIdentifier(name)
      } catch (e) {
        error = e
      }
      expect(isSluiceError(error, 'DESTINATION_IDENTIFIER')).toBe(true)
    }
  })
})
