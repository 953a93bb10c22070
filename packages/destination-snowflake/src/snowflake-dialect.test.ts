import { describe, expect, it } from 'vitest'
import { SNOWFLAKE_CAPABILITIES } from './snowflake-destination.ts'
import { quoteSnowflakeIdentifier, snowflakeColumnType, snowflakeDialect } from './snowflake-dialect.ts'

describe('quoteSnowflakeIdentifier', () => {
  it('double-quotes, doubling embedded quotes, keeping the case (core upper-cases names first)', () => {
    expect(quoteSnowflakeIdentifier('CUSTOMERS')).toBe('"CUSTOMERS"')
    expect(quoteSnowflakeIdentifier('X"; DROP TABLE T; --')).toBe('"X""; DROP TABLE T; --"')
    expect(quoteSnowflakeIdentifier('ünïcødé_名前')).toBe('"ünïcødé_名前"')
    expect(SNOWFLAKE_CAPABILITIES.identifierCase).toBe('upper')
  })
  it('rejects NUL and names over 255 characters', () => {
    expect(() => quoteSnowflakeIdentifier('a\u0000b')).toThrow(/NUL/)
    expect(() => quoteSnowflakeIdentifier('a'.repeat(256))).toThrow(/longer than 255/)
    expect(quoteSnowflakeIdentifier('a'.repeat(255))).toHaveLength(257)
  })
})

describe('snowflakeColumnType', () => {
  it("maps every data type as dlt's table does", () => {
    const t = (dataType: Parameters<typeof snowflakeColumnType>[0]['dataType'], extra = {}) =>
      snowflakeColumnType({ name: 'c', dataType, ...extra })
    expect(t('text')).toBe('VARCHAR')
    expect(t('text', { precision: 20 })).toBe('VARCHAR(20)')
    expect(t('bigint')).toBe('NUMBER(19,0)')
    expect(t('double')).toBe('FLOAT')
    expect(t('bool')).toBe('BOOLEAN')
    expect(t('timestamp')).toBe('TIMESTAMP_TZ(6)')
    expect(t('timestamp', { precision: 3 })).toBe('TIMESTAMP_TZ(3)')
    expect(t('date')).toBe('DATE')
    expect(t('time')).toBe('TIME(6)')
    expect(t('decimal')).toBe('NUMBER(38,9)')
    expect(t('decimal', { precision: 10, scale: 2 })).toBe('NUMBER(10,2)')
    expect(t('json')).toBe('VARIANT')
    expect(t('binary')).toBe('BINARY')
  })
  it('uses :n binds and MERGE upserts', () => {
    expect(snowflakeDialect.param?.(3)).toBe(':3')
    expect(snowflakeDialect.upsertSyntax).toBe('merge')
  })
})
