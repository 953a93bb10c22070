import { open } from 'node:fs/promises'
import type { Column } from '@sluice/core'
import { SluiceError } from '@sluice/core'
import { duckdbQuote, duckdbString, readJsonColumn } from './duckdb-type-mapper.ts'

/** DuckDB's default `max_line_size` of `read_csv` (bytes): a longer line (row) fails unless the option is raised. */
export const DUCKDB_DEFAULT_MAX_LINE_SIZE = 2_000_000

/** DuckDB's default `buffer_size` of `read_csv` (16 x the default line size). */
export const DUCKDB_DEFAULT_BUFFER_SIZE = 32_000_000

const QUOTE = 0x22
const NEWLINE = 0x0a
const CHUNK = 64 * 1024
const MAX_HEADER_BYTES = 16 * 1024 * 1024

/** Splits one CSV line (RFC 4180: `"` quoting, `""` inside quotes; may hold quoted newlines) into fields. */
export function parseCsvRecord(line: string): string[] {
  const fields: string[] = []
  let i = 0
  for (;;) {
    let field = ''
    if (line[i] === '"') {
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q === -1) throw new Error('unterminated quoted field')
        field += line.slice(i, q)
        if (line[q + 1] === '"') {
          field += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
    } else {
      const comma = line.indexOf(',', i)
      const end = comma === -1 ? line.length : comma
      field = line.slice(i, end)
      i = end
    }
    fields.push(field)
    if (i >= line.length) return fields
    if (line[i] !== ',') throw new Error(`unexpected character after a quoted field at ${i}`)
    i++
  }
}

/**
 * The column names of a CSV job file's header line (core's job writer always writes one, in the file's own
 * column order, possibly fewer columns than the table has). Reads only up to the first newline outside quotes.
 * Undefined for an empty file.
 */
export async function readCsvHeader(file: string): Promise<string[] | undefined> {
  const handle = await open(file, 'r')
  try {
    const chunks: Buffer[] = []
    const buffer = Buffer.alloc(CHUNK)
    let position = 0
    let quoted = false
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position)
      if (bytesRead === 0) break
      let end = -1
      for (let i = 0; i < bytesRead; i++) {
        const byte = buffer[i]
        if (byte === QUOTE) quoted = !quoted
        else if (byte === NEWLINE && !quoted) {
          end = i
          break
        }
      }
      chunks.push(Buffer.from(buffer.subarray(0, end === -1 ? bytesRead : end)))
      position += bytesRead
      if (end !== -1) break
      if (position > MAX_HEADER_BYTES) {
        throw new SluiceError(
          'DESTINATION_DATA',
          `[duckdb] job file ${file} has no header line in its first 16 MiB`,
          {
            hint: 'the job file is not a csv job file written by sluice; drop the pending package and run again',
          },
        )
      }
    }
    const line = Buffer.concat(chunks).toString('utf8').replace(/\r$/, '')
    if (line === '') return undefined
    try {
      return parseCsvRecord(line)
    } catch (cause) {
      throw new SluiceError('DESTINATION_DATA', `[duckdb] the header of job file ${file} is not valid CSV`, {
        cause,
        hint: 'the job file is not a csv job file written by sluice; drop the pending package and run again',
      })
    }
  } finally {
    await handle.close()
  }
}

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
