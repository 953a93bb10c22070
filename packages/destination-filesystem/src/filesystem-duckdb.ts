import type { Column, Table } from '@sluice/core/destination'
import { DECIMAL_DEFAULT } from './filesystem-values.ts'

/** The DuckDB type a column's values read back as (for `read_json`/`read_csv` `columns = {...}`). */
export function duckdbType(column: Column): string {
  switch (column.dataType) {
    case 'text':
    case 'binary':
      return 'VARCHAR'
    case 'bigint':
      return 'BIGINT'
    case 'double':
      return 'DOUBLE'
    case 'bool':
      return 'BOOLEAN'
    case 'timestamp':
      return 'TIMESTAMPTZ'
    case 'date':
      return 'DATE'
    case 'time':
      return 'TIME'
    case 'decimal': {
      const precision = column.precision ?? DECIMAL_DEFAULT.precision
      return precision > 38 ? 'VARCHAR' : `DECIMAL(${precision},${column.scale ?? DECIMAL_DEFAULT.scale})`
    }
    case 'json':
      return 'JSON'
  }
}

/**
 * A DuckDB struct literal for `read_json(..., columns = ...)` / `read_csv(..., columns = ...)` that reads a
 * table's jsonl or csv files with the schema's types (no auto-detection), e.g.
 * `{'id': 'BIGINT', 'started_at': 'TIMESTAMPTZ'}`. Binary values are base64 text (decode with `from_base64`).
 */
export function duckdbColumns(table: Table): string {
  const q = (s: string): string => `'${s.replaceAll("'", "''")}'`
  return `{${table.columns.map((c) => `${q(c.name)}: ${q(duckdbType(c))}`).join(', ')}}`
}
