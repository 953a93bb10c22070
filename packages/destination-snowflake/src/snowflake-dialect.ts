import type { Column, SqlDialect } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** Snowflake's identifier limit in characters. */
export const SNOWFLAKE_MAX_IDENTIFIER_LENGTH = 255

/**
 * Quotes an identifier for Snowflake: always double-quoted, embedded `"` doubled, case kept. sluice's own names
 * reach it upper-cased (the capabilities' `identifierCase: 'upper'`: core upper-cases them, so unquoted SQL
 * written by users finds the tables, as dlt's Snowflake naming does); upper-case a name yourself to find one of
 * sluice's tables. Throws for NUL characters and names over 255 characters.
 */
export function quoteSnowflakeIdentifier(name: string): string {
  if (name.includes('\u0000')) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[snowflake] identifier ${JSON.stringify(name)} contains a NUL character`,
    )
  }
  if ([...name].length > SNOWFLAKE_MAX_IDENTIFIER_LENGTH) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[snowflake] identifier "${name}" is longer than ${SNOWFLAKE_MAX_IDENTIFIER_LENGTH} characters`,
      { hint: 'shorten the dataset or table name' },
    )
  }
  return `"${name.replaceAll('"', '""')}"`
}

function fraction(column: Column, fallback: number): number {
  const p = column.precision
  return p !== undefined && Number.isInteger(p) && p >= 0 && p <= 9 ? p : fallback
}

/**
 * The native type of a column (dlt's Snowflake mapping): text → `VARCHAR`, bigint → `NUMBER(19,0)`,
 * double → `FLOAT`, bool → `BOOLEAN`, timestamp → `TIMESTAMP_TZ(p)` (default 6), date → `DATE`,
 * time → `TIME(p)` (default 6), decimal → `NUMBER(p,s)` default (38,9), json → `VARIANT`, binary → `BINARY`.
 */
export function snowflakeColumnType(column: Column): string {
  switch (column.dataType) {
    case 'text':
      return column.precision !== undefined && column.precision > 0
        ? `VARCHAR(${column.precision})`
        : 'VARCHAR'
    case 'bigint':
      return 'NUMBER(19,0)'
    case 'double':
      return 'FLOAT'
    case 'bool':
      return 'BOOLEAN'
    case 'timestamp':
      return `TIMESTAMP_TZ(${fraction(column, 6)})`
    case 'date':
      return 'DATE'
    case 'time':
      return `TIME(${fraction(column, 6)})`
    case 'decimal':
      return `NUMBER(${Math.min(column.precision ?? 38, 38)},${column.scale ?? 9})`
    case 'json':
      return 'VARIANT'
    case 'binary':
      return 'BINARY'
  }
}

/**
 * The {@link SqlDialect} for Snowflake: `:n` binds, MERGE INTO for upserts, and `staging-optimized` replace by a
 * zero-copy `CLONE` (DDL, which Snowflake commits on its own: core runs the clones before the publish transaction).
 */
export const snowflakeDialect: SqlDialect = {
  name: 'snowflake',
  quoteIdentifier: quoteSnowflakeIdentifier,
  columnType: snowflakeColumnType,
  param: (i: number): string => `:${i}`,
  upsertSyntax: 'merge',
  cloneTableSql: (target: string, source: string): string =>
    `CREATE OR REPLACE TABLE ${target} CLONE ${source}`,
}
