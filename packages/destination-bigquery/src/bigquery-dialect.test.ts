import { describe, expect, it } from 'vitest'
import {
  bigqueryColumnType,
  bigqueryDialect,
  bigqueryLoadType,
  quoteBigQueryIdentifier,
} from './bigquery-dialect.ts'

describe('quoteBigQueryIdentifier', () => {
  it('backtick-quotes, keeping case, spaces and unicode', () => {
    expect(quoteBigQueryIdentifier('customers')).toBe('`customers`')
    expect(quoteBigQueryIdentifier('With Space')).toBe('`With Space`')
    expect(quoteBigQueryIdentifier('ünïcødé_名前')).toBe('`ünïcødé_名前`')
    expect(quoteBigQueryIdentifier("apo'strophe")).toBe("`apo'strophe`")
  })
  it('rejects characters BigQuery never allows, naming the identifier', () => {
    for (const bad of ['quote"d', 'x"; DROP TABLE t; --', 'a.b', 'a`b', 'a/b', 'a\nb', ''])
      expect(() => quoteBigQueryIdentifier(bad), bad).toThrow(/does not allow/)
    expect(() => quoteBigQueryIdentifier('a'.repeat(1025))).toThrow(/longer than 1024/)
  })
})

describe('bigqueryColumnType', () => {
  const t = (dataType: Parameters<typeof bigqueryColumnType>[0]['dataType'], extra = {}) =>
    bigqueryColumnType({ name: 'c', dataType, ...extra })
  it("maps every data type as dlt's table does", () => {
    expect(t('text')).toBe('STRING')
    expect(t('bigint')).toBe('INT64')
    expect(t('double')).toBe('FLOAT64')
    expect(t('bool')).toBe('BOOL')
    expect(t('timestamp')).toBe('TIMESTAMP')
    expect(t('date')).toBe('DATE')
    expect(t('time')).toBe('TIME')
    expect(t('json')).toBe('JSON')
    expect(t('binary')).toBe('BYTES')
  })
  it('decimals: NUMERIC, BIGNUMERIC past p 38, s 9, or s 0 with p > 29', () => {
    expect(t('decimal')).toBe('NUMERIC')
    expect(t('decimal', { precision: 10, scale: 2 })).toBe('NUMERIC(10, 2)')
    expect(t('decimal', { precision: 38, scale: 9 })).toBe('NUMERIC(38, 9)')
    expect(t('decimal', { precision: 40, scale: 2 })).toBe('BIGNUMERIC(40, 2)')
    expect(t('decimal', { precision: 20, scale: 12 })).toBe('BIGNUMERIC(20, 12)')
    expect(t('decimal', { precision: 30, scale: 0 })).toBe('BIGNUMERIC(30, 0)')
    expect(bigqueryLoadType({ name: 'c', dataType: 'decimal', precision: 10, scale: 2 })).toBe('NUMERIC')
  })
  it('uses @pN parameters and MERGE upserts', () => {
    expect(bigqueryDialect.param?.(2)).toBe('@p2')
    expect(bigqueryDialect.upsertSyntax).toBe('merge')
  })
})
