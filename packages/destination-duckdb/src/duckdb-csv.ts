import type { Column } from '@sluice/core'
import { SluiceError } from '@sluice/core'
import { duckdbQuote, duckdbString, readJsonColumn } from './duckdb-type-mapper.ts'

/** DuckDB's default `max_line_size` of `read_csv` (bytes): a longer line (row) fails unless the option is raised. */
export const DUCKDB_DEFAULT_MAX_LINE_SIZE = 2_000_000

/** DuckDB's default `buffer_size` of `read_csv` (16 x the default line size). */
export const DUCKDB_DEFAULT_BUFFER_SIZE = 32_000_000

/** The table's columns in the order of a CSV file's header; a name the table lacks is a `DESTINATION_DATA` error. */
export function csvColumns(
  header: readonly string[],
  columns: readonly Column[],
  file: string,
  table: string,
): Column[] {
  return header.map((name) => {
    const column = columns.find((c) => c.name === name)
    if (!column) {
      throw new SluiceError(
        'DESTINATION_DATA',
        `[duckdb] job file ${file} has a column "${name}" that ${table} does not have`,
        { hint: 'the load package does not match its schema; drop the pending package and run again' },
      )
    }
    return column
  })
}

/**
 * The `INSERT ... SELECT ... FROM read_csv(...)` loading a CSV job file (core's format: header line, `,`, `"`
 * quoting with `""` escapes, `\n` line ends, NULL = unquoted empty field, `""` = empty string) into `table`.
 * `columns` are the file's columns in header order. Columns are read and converted like `read_json` reads them
 * ({@link readJsonColumn}); a `json` column holds JSON text. Without `maxLineSize` DuckDB's defaults apply (rows
 * up to 2 MB, 32 MB read buffers); with it, rows up to that size are read, with buffers of twice that (DuckDB's
 * own default buffer would be 16 times the line size, which a 64 MB limit turns into a 1 GB allocation).
 */
export function readCsvSql(
  file: string,
  table: string,
  columns: readonly Column[],
  maxLineSize?: number,
): string {
  const names = columns.map((c) => duckdbQuote(c.name)).join(', ')
  const reads = columns.map((c) => readJsonColumn(c))
  const struct = columns.map((c, i) => `${duckdbString(c.name)}: '${reads[i]?.readType}'`).join(', ')
  const select = reads.map((r) => r.select).join(', ')
  const options = [
    'header=true',
    'auto_detect=false',
    `delim=','`,
    `quote='"'`,
    `escape='"'`,
    `new_line='\\n'`,
    'allow_quoted_nulls=false',
  ]
  if (maxLineSize !== undefined) {
    const lineSize = Math.ceil(maxLineSize)
    options.push(
      `max_line_size=${lineSize}`,
      `buffer_size=${Math.max(DUCKDB_DEFAULT_BUFFER_SIZE, 2 * lineSize)}`,
    )
  }
  options.push(`columns={${struct}}`)
  return `INSERT INTO ${table} (${names}) SELECT ${select} FROM read_csv(${duckdbString(file)}, ${options.join(', ')})`
}

const LINE_TOO_LONG = /Maximum line size of \d+ bytes exceeded\. Actual Size:\s*(\d+) bytes/

/**
 * When `read_csv` failed on a row longer than its `max_line_size`, the next limit to try: at least twice the
 * row it reported and four times the current limit, at most `fileSize` (no row is longer than its file).
 * Undefined for any other error or when the limit already was the file size.
 */
export function nextMaxLineSize(cause: unknown, current: number, fileSize: number): number | undefined {
  const match = LINE_TOO_LONG.exec(cause instanceof Error ? cause.message : String(cause))
  if (!match || current >= fileSize) return undefined
  return Math.min(fileSize, Math.max(2 * Number(match[1]), 4 * current))
}
