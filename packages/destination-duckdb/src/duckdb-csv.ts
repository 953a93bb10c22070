import { createReadStream } from 'node:fs'
import type { Column } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { duckdbQuote, duckdbString, readJsonColumn } from './duckdb-type-mapper.ts'

/** DuckDB's default `max_line_size` of `read_csv` (bytes): a longer line (row) fails unless the option is raised. */
export const DUCKDB_DEFAULT_MAX_LINE_SIZE = 2_000_000

/**
 * The `buffer_size` of a first, parallel `read_csv` (bytes). DuckDB's default is 16 x the row limit (32 MB per
 * reading thread); 4 MB loads as fast (a 224k-row file: 1.73-1.80 s against 1.86-1.89 s on one thread) and keeps
 * 25-40 MB less resident. A retry reads with {@link DUCKDB_RETRY_BUFFER_SIZE}.
 */
export const DUCKDB_READ_BUFFER_SIZE = 4_000_000

/**
 * The `buffer_size` of a retry (single-threaded, see {@link nextCsvAttempt}), or twice the row limit when that
 * is more: DuckDB reports a row over its limit as such only when the buffer is well above the limit.
 */
export const DUCKDB_RETRY_BUFFER_SIZE = 32_000_000

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

/** How `read_csv` reads a job file: a first attempt is parallel with DuckDB's row limit. */
export interface CsvReadAttempt {
  /**
   * DuckDB's parallel CSV reader with {@link DUCKDB_READ_BUFFER_SIZE} buffers (true), or its single-threaded
   * one with {@link DUCKDB_RETRY_BUFFER_SIZE} buffers.
   */
  parallel: boolean
  /** `max_line_size` (bytes). Default DuckDB's ({@link DUCKDB_DEFAULT_MAX_LINE_SIZE}). */
  maxLineSize?: number
}

/**
 * The `INSERT ... SELECT ... FROM read_csv(...)` loading a CSV job file (core's format: header line, `,`, `"`
 * quoting with `""` escapes, `\n` line ends, NULL = unquoted empty field, `""` = empty string) into `table`.
 * `columns` are the file's columns in header order. Columns are read and converted like `read_json` reads them
 * ({@link readJsonColumn}); a `json` column holds JSON text. Without `attempt.maxLineSize` DuckDB's row limit
 * applies (2 MB). Read buffers are at least twice the row limit (DuckDB's own default would be 16 times it, which
 * a 64 MB row limit turns into a 1 GB allocation).
 */
export function readCsvSql(
  file: string,
  table: string,
  columns: readonly Column[],
  attempt: CsvReadAttempt = { parallel: true },
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
  if (!attempt.parallel) options.push('parallel=false')
  const lineSize = Math.ceil(attempt.maxLineSize ?? DUCKDB_DEFAULT_MAX_LINE_SIZE)
  if (attempt.maxLineSize !== undefined) options.push(`max_line_size=${lineSize}`)
  const buffer = attempt.parallel ? DUCKDB_READ_BUFFER_SIZE : DUCKDB_RETRY_BUFFER_SIZE
  options.push(`buffer_size=${Math.max(buffer, 2 * lineSize)}`)
  options.push(`columns={${struct}}`)
  return `INSERT INTO ${table} (${names}) SELECT ${select} FROM read_csv(${duckdbString(file)}, ${options.join(', ')})`
}

/**
 * The attempt after a failed `read_csv` insert (the insert is atomic, so a retry cannot load a row twice), or
 * undefined when there is none left:
 * - after the first, parallel attempt: any error but running out of memory reads again with the single-threaded
 *   reader and larger buffers. DuckDB 1.5's parallel reader fails on some valid files ("does not support a full
 *   read on this file", or a wrong "CSV Error") when long rows hold quoted line breaks (1.5 MB rows of them with
 *   4 MB buffers, 3 MB rows with 32 MB buffers), and with small buffers it reports a row over the row limit as
 *   a quoting error;
 * - after that, a row over the row limit raises the limit ({@link nextMaxLineSize}).
 */
export function nextCsvAttempt(
  cause: unknown,
  attempt: CsvReadAttempt,
  fileSize: number,
): CsvReadAttempt | undefined {
  if (attempt.parallel) return isOutOfMemory(cause) ? undefined : { ...attempt, parallel: false }
  const longer = nextMaxLineSize(cause, attempt.maxLineSize ?? DUCKDB_DEFAULT_MAX_LINE_SIZE, fileSize)
  return longer === undefined ? undefined : { ...attempt, maxLineSize: longer }
}

/** True for DuckDB's "Out of Memory Error" (its `memory_limit` was reached). */
export function isOutOfMemory(cause: unknown): boolean {
  return /out of memory/i.test(cause instanceof Error ? cause.message : String(cause))
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

/**
 * The attempt after a `read_csv` insert that returned fewer rows than the job file holds, or undefined when there
 * is none left. DuckDB 1.5's parallel reader skips a row without an error when the row is longer than its read
 * buffer and ends the file (an 8 MB row with 4 MB buffers): the next attempt reads with `max_line_size` (and so
 * buffers) fitted to the longest line of the file. Only once, and only after the first attempt.
 */
export async function attemptAfterShortRead(
  file: string,
  attempt: CsvReadAttempt,
): Promise<CsvReadAttempt | undefined> {
  if (!attempt.parallel || attempt.maxLineSize !== undefined) return undefined
  const longest = await longestLine(file)
  return { parallel: true, maxLineSize: Math.max(DUCKDB_DEFAULT_MAX_LINE_SIZE, longest + 1024) }
}

/** Bytes of the longest line of a file (a row with quoted line breaks counts as several lines). */
export async function longestLine(file: string): Promise<number> {
  let longest = 0
  let current = 0
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let from = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
      longest = Math.max(longest, current + nl - from + 1)
      current = 0
      from = nl + 1
    }
    current += chunk.length - from
  }
  return Math.max(longest, current)
}
