import type { Column, SqlDialect } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** BigQuery's table name limit in characters (column names: 300). */
export const BIGQUERY_MAX_IDENTIFIER_LENGTH = 1024

/** BigQuery's column name limit in characters. */
export const BIGQUERY_MAX_COLUMN_LENGTH = 300

// Flexible column names: letters, marks, numbers, connectors, dashes, spaces and & % = + : ' < > # |
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}&%=+:'<>#|]+$/u

/**
 * Quotes an identifier for BigQuery with backticks (case kept; backslash and backtick escaped). Throws
 * `DESTINATION_IDENTIFIER` for characters BigQuery never allows in table or column names (such as `"`, `;`,
 * `.`, `/` or control characters) and for names over 1024 characters, so the error names the column instead
 * of failing a load job later.
 */
export function quoteBigQueryIdentifier(name: string): string {
  if (!ALLOWED.test(name)) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[bigquery] identifier ${JSON.stringify(name)} has characters BigQuery does not allow in table or column names`,
      {
        hint: 'use letters, numbers, underscores, dashes and spaces (the default snake_case naming convention does)',
      },
    )
  }
  if ([...name].length > BIGQUERY_MAX_IDENTIFIER_LENGTH) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[bigquery] identifier "${name}" is longer than ${BIGQUERY_MAX_IDENTIFIER_LENGTH} characters`,
      { hint: 'shorten the dataset or table name' },
    )
  }
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``
}

/**
 * The BigQuery type of a decimal (dlt's rule): `NUMERIC`, or `BIGNUMERIC` when the precision is over 38, the
 * scale over 9, or the scale 0 with a precision over 29; parameterized when precision/scale are given.
 */
function decimalType(column: Column): string {
  const p = column.precision
  const s = column.scale
  if (p === undefined && s === undefined) return 'NUMERIC'
  const precision = p ?? 38
  const scale = s ?? 9
  if (precision > 38 || scale > 9 || (scale === 0 && precision > 29) || precision - scale > 29)
    return precision <= 76 && scale <= 38 ? `BIGNUMERIC(${precision}, ${scale})` : 'BIGNUMERIC'
  return `NUMERIC(${precision}, ${scale})`
}

/**
 * The native type of a column (dlt's BigQuery mapping): text → `STRING`, bigint → `INT64`, double → `FLOAT64`,
 * bool → `BOOL`, timestamp → `TIMESTAMP`, date → `DATE`, time → `TIME`, decimal → `NUMERIC`/`BIGNUMERIC`,
 * json → `JSON`, binary → `BYTES`.
 */
export function bigqueryColumnType(column: Column): string {
  switch (column.dataType) {
    case 'text':
      return 'STRING'
    case 'bigint':
      return 'INT64'
    case 'double':
      return 'FLOAT64'
    case 'bool':
      return 'BOOL'
    case 'timestamp':
      return 'TIMESTAMP'
    case 'date':
      return 'DATE'
    case 'time':
      return 'TIME'
    case 'decimal':
      return decimalType(column)
    case 'json':
      return 'JSON'
    case 'binary':
      return 'BYTES'
  }
}

/** The load-job schema type of a column (without parameters). */
export function bigqueryLoadType(column: Column): string {
  return bigqueryColumnType(column).replace(/\(.*\)$/, '')
}

/**
 * The {@link SqlDialect} for BigQuery: `@pN` named parameters, backtick quoting, MERGE for upserts, and
 * `staging-optimized` replace by `CREATE OR REPLACE TABLE ... CLONE` (core runs the clones before the publish
 * transaction: BigQuery refuses DDL inside one).
 */
export const bigqueryDialect: SqlDialect = {
  name: 'bigquery',
  quoteIdentifier: quoteBigQueryIdentifier,
  columnType: bigqueryColumnType,
  param: (i: number): string => `@p${i}`,
  upsertSyntax: 'merge',
  cloneTableSql: (target: string, source: string): string =>
    `CREATE OR REPLACE TABLE ${target} CLONE ${source}`,
}
