import type { Column } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import {
  databricksColumnType,
  databricksDialect,
  quoteDatabricksIdentifier,
  quoteDatabricksObjectName,
} from './databricks-dialect.ts'

const col = (dataType: Column['dataType'], extra: Partial<Column> = {}): Column => ({
  name: 'c',
  dataType,
  ...extra,
})

describe('databricks dialect', () => {
  it('maps every data type as dlt does (time and json as STRING, decimals up to 38 digits)', () => {
    expect(
      (['text', 'bigint', 'double', 'bool', 'timestamp', 'date', 'time', 'json', 'binary'] as const).map(
        (t) => databricksColumnType(col(t)),
      ),
    ).toEqual(['STRING', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'DATE', 'STRING', 'STRING', 'BINARY'])
    expect(databricksColumnType(col('decimal'))).toBe('DECIMAL(38,9)')
    expect(databricksColumnType(col('decimal', { precision: 10, scale: 2 }))).toBe('DECIMAL(10,2)')
    expect(databricksColumnType(col('decimal', { precision: 76, scale: 0 }))).toBe('STRING')
  })

  it('quotes with backticks, doubling embedded ones, and refuses what no name can be', () => {
    expect(quoteDatabricksIdentifier('x`; DROP TABLE t; --')).toBe('`x``; DROP TABLE t; --`')
    expect(quoteDatabricksIdentifier('with space "q"')).toBe('`with space "q"`')
    expect(() => quoteDatabricksIdentifier('')).toThrow(/cannot be a name/)
    expect(() => quoteDatabricksIdentifier('a\u0000b')).toThrow(/cannot be a name/)
    expect(() => quoteDatabricksIdentifier('x'.repeat(256))).toThrow(/1 to 255 characters/)
    expect(quoteDatabricksIdentifier('x'.repeat(255))).toHaveLength(257)
  })

  it("checks schema and table names against Unity Catalog's rules", () => {
    expect(databricksDialect.qualify?.('ds_staging', 'items')).toBe('`ds_staging`.`items`')
    for (const bad of ['odd table', 'a.b', 'a/b', 'tab\tbed', 'del\u007f'])
      expect(() => quoteDatabricksObjectName(bad, 'table')).toThrow(/Unity Catalog does not allow/)
    expect(() => databricksDialect.qualify?.('my ds', 'items')).toThrow(/the schema name "my ds"/)
    expect(quoteDatabricksObjectName('ünïcødé-名前', 'table')).toBe('`ünïcødé-名前`')
  })

  it('writes parameters, clones and says how it merges and deletes', () => {
    expect(databricksDialect.param?.(3)).toBe(':p3')
    expect(databricksDialect.cloneTableSql?.('`ds`.`t`', '`ds_staging`.`t`')).toBe(
      'CREATE OR REPLACE TABLE `ds`.`t` DEEP CLONE `ds_staging`.`t`',
    )
    expect(databricksDialect.upsertSyntax).toBe('merge')
    expect(databricksDialect.deleteSyntax).toBe('merge')
  })
})
