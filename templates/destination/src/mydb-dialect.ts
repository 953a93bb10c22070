import type { Column, SqlDialect } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/**
 * Quotes an identifier: double quotes, embedded `"` doubled, case kept (core applies the engine's case rule
 * first). Throws for a NUL character, which no quoting can carry. Replace the rules with your engine's.
 */
export function quoteMydbIdentifier(name: string): string {
  if (name.includes('\u0000')) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[mydb] identifier ${JSON.stringify(name)} contains a NUL character`,
    )
  }
  return `"${name.replaceAll('"', '""')}"`
}

/** The native type of a column: one line per sluice data type (dlt's tables are a good start). */
export function mydbColumnType(column: Column): string {
  switch (column.dataType) {
    case 'text':
      return 'VARCHAR'
    case 'bigint':
      return 'BIGINT'
    case 'double':
      return 'DOUBLE'
    case 'bool':
      return 'BOOLEAN'
    case 'timestamp':
      return 'TIMESTAMP WITH TIME ZONE'
    case 'date':
      return 'DATE'
    case 'time':
      return 'TIME'
    case 'decimal':
      return `DECIMAL(${column.precision ?? 38},${column.scale ?? 9})`
    case 'json':
      return 'JSON'
    case 'binary':
      return 'BLOB'
  }
}

/**
 * What core needs to write this engine's SQL: quoting, column types, parameter placeholders (`$1`), how an upsert
 * is written. Optional hooks (see `SqlDialect`): `qualify`, `cloneTableSql` / `moveTableSql` for
 * `staging-optimized` replace, `checkDuplicateKeys`.
 */
export const mydbDialect: SqlDialect = {
  name: 'mydb',
  quoteIdentifier: quoteMydbIdentifier,
  columnType: mydbColumnType,
  param: (i: number): string => `$${i}`,
  upsertSyntax: 'on-conflict',
}
