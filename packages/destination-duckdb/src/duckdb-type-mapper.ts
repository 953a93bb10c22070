import type { Column, SqlDialect } from '@sluice/core/destination'

/** DuckDB's native type for a column (dlt's mapping; decimal defaults to (38,9)). */
export function duckdbColumnType(column: Column): string {
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

/** Quotes a DuckDB identifier, doubling embedded quotes. */
export function duckdbQuote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A DuckDB string literal, doubling embedded single quotes. */
export function duckdbString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** The {@link SqlDialect} core uses to write DuckDB SQL. */
export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  quoteIdentifier: duckdbQuote,
  columnType: duckdbColumnType,
  param: (i: number): string => `$${i}`,
  upsertSyntax: 'on-conflict',
}

/**
 * How `read_json` reads a column (`columns={...}`) and the expression that converts it to the column's type.
 * DuckDB parses numbers, numeric strings (big integers) and ISO dates/times itself; decimals are read as text and
 * cast (exact), binary is decoded from base64.
 */
export function readJsonColumn(column: Column): { readType: string; select: string } {
  const ref = duckdbQuote(column.name)
  switch (column.dataType) {
    case 'double':
    case 'bool':
    case 'json':
    case 'bigint':
    case 'timestamp':
    case 'date':
    case 'time':
      return { readType: duckdbColumnType(column), select: ref }
    case 'text':
      return { readType: 'VARCHAR', select: ref }
    case 'binary':
      return { readType: 'VARCHAR', select: `from_base64(${ref})` }
    default:
      return { readType: 'VARCHAR', select: `CAST(${ref} AS ${duckdbColumnType(column)})` }
  }
}
