import type { Column, SqlDialect } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1); longer names are silently truncated by the server. */
export const POSTGRES_MAX_IDENTIFIER_LENGTH = 63

const encoder = new TextEncoder()

/**
 * Quotes an identifier for PostgreSQL: always double-quoted (case and odd characters are kept), embedded `"`
 * doubled. Throws for NUL characters and for names over 63 bytes, which the server would truncate silently
 * (the naming convention shortens long names before they get here).
 */
export function quotePostgresIdentifier(name: string): string {
  if (name.includes('\u0000')) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[postgres] identifier ${JSON.stringify(name)} contains a NUL character`,
    )
  }
  if (encoder.encode(name).length > POSTGRES_MAX_IDENTIFIER_LENGTH) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[postgres] identifier "${name}" is longer than ${POSTGRES_MAX_IDENTIFIER_LENGTH} bytes`,
      { hint: 'PostgreSQL would truncate it; shorten the dataset or table name' },
    )
  }
  return `"${name.replaceAll('"', '""')}"`
}

function fraction(column: Column): string {
  const p = column.precision
  return p !== undefined && Number.isInteger(p) && p >= 0 && p <= 6 ? `(${p})` : ''
}

/**
 * The native type of a column (dlt's PostgreSQL mapping): text → `varchar` (`varchar(n)` with a precision),
 * bigint → `bigint` (`smallint`/`integer` for precision ≤ 16/32 bits), double → `double precision`,
 * bool → `boolean`, timestamp → `timestamp with time zone`, date → `date`, time → `time without time zone`
 * (fractional digits from `precision`, 0-6), decimal → `numeric(p,s)` default (38,9), json → `jsonb`,
 * binary → `bytea`.
 */
export function postgresColumnType(column: Column): string {
  switch (column.dataType) {
    case 'text':
      return column.precision !== undefined && column.precision > 0
        ? `varchar(${column.precision})`
        : 'varchar'
    case 'bigint':
      if (column.precision !== undefined && column.precision <= 16) return 'smallint'
      if (column.precision !== undefined && column.precision <= 32) return 'integer'
      return 'bigint'
    case 'double':
      return 'double precision'
    case 'bool':
      return 'boolean'
    case 'timestamp':
      return `timestamp${fraction(column)} with time zone`
    case 'date':
      return 'date'
    case 'time':
      return `time${fraction(column)} without time zone`
    case 'decimal':
      return `numeric(${column.precision ?? 38},${column.scale ?? 9})`
    case 'json':
      return 'jsonb'
    case 'binary':
      return 'bytea'
  }
}

/**
 * The {@link SqlDialect} core's SQL layer uses for PostgreSQL: `$n` parameters, `INSERT ... ON CONFLICT` upserts,
 * `staging-optimized` replace by moving the staging table into the dataset (`ALTER TABLE ... SET SCHEMA`).
 */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  quoteIdentifier: quotePostgresIdentifier,
  columnType: postgresColumnType,
  param: (i: number): string => `$${i}`,
  upsertSyntax: 'on-conflict',
  moveTableSql: (source: string, schema: string): string => `ALTER TABLE ${source} SET SCHEMA ${schema}`,
  // a sort over a million keys beats the grouping's hash table, which spills past work_mem (about 2x)
  checkDuplicateKeys: 'count-distinct',
}
