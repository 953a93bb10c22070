import type { Column } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { quoteRedshiftIdentifier } from './redshift-dialect.ts'

/** Limits of one multi-row INSERT. */
export interface InsertLimits {
  /** Bytes of statement text plus parameter values. Default 16,000,000 (under Redshift's 16 MB). */
  maxStatementBytes: number
  /** Bind parameters per statement. Default 32767. */
  maxParams: number
}

/** The default {@link InsertLimits}: below Redshift's 16 MB (16,777,216 bytes) per statement. */
export const DEFAULT_INSERT_LIMITS: InsertLimits = { maxStatementBytes: 16_000_000, maxParams: 32767 }

/** One multi-row INSERT: the statement, its parameters and the rows it holds. */
export interface InsertBatch {
  sql: string
  params: unknown[]
  rows: number
}

const encoder = new TextEncoder()

function bytes(text: string): number {
  return encoder.encode(text).length
}

/**
 * A job file value as a bind parameter: JSON text for `json` columns (parsed by `JSON_PARSE`), the base64 text for
 * `binary` (decoded by `TO_VARBYTE(..., 'base64')`), null for a missing value, else the value as the file holds it
 * (strings for big integers, decimals, dates and times; numbers; booleans).
 */
export function insertParam(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (column.dataType === 'json') return JSON.stringify(value)
  if (typeof value === 'object') return JSON.stringify(value)
  return value
}

/** The expression a parameter goes through: `JSON_PARSE($n)`, `TO_VARBYTE($n, 'base64')` or `$n`. */
export function insertPlaceholder(column: Column, i: number): string {
  if (column.dataType === 'json') return `JSON_PARSE($${i})`
  if (column.dataType === 'binary') return `TO_VARBYTE($${i}, 'base64')`
  return `$${i}`
}

/**
 * Turns rows (parsed job file lines) into multi-row `INSERT INTO table (cols) VALUES (...), (...)` statements with
 * bind parameters, each under `limits` (16 MB of text and values, 32767 parameters). Throws
 * `SluiceError('DESTINATION_DATA')` for a single row larger than the statement limit.
 */
export async function* insertBatches(
  qualifiedTable: string,
  columns: readonly Column[],
  rows: AsyncIterable<Record<string, unknown>>,
  limits: InsertLimits = DEFAULT_INSERT_LIMITS,
): AsyncGenerator<InsertBatch> {
  if (columns.length === 0) return
  const head = `INSERT INTO ${qualifiedTable} (${columns.map((c) => quoteRedshiftIdentifier(c.name)).join(', ')}) VALUES `
  const maxRows = Math.max(1, Math.floor(limits.maxParams / columns.length))
  let tuples: string[] = []
  let params: unknown[] = []
  let size = bytes(head)
  const flush = (): InsertBatch => {
    const batch = { sql: head + tuples.join(', '), params, rows: tuples.length }
    tuples = []
    params = []
    size = bytes(head)
    return batch
  }
  for await (const row of rows) {
    const values = columns.map((c) => insertParam(c, row[c.name]))
    let rowBytes = 4
    const placeholders = columns.map((c, i) => {
      const p = insertPlaceholder(c, params.length + i + 1)
      const v = values[i]
      rowBytes += bytes(p) + 2 + (v === null ? 0 : bytes(String(v)))
      return p
    })
    if (bytes(head) + rowBytes > limits.maxStatementBytes) {
      throw new SluiceError(
        'DESTINATION_DATA',
        `[redshift] a row for ${qualifiedTable} is larger than one INSERT may be (${limits.maxStatementBytes} bytes)`,
        { hint: 'load through a staging bucket (staging = "filesystem"), where COPY has no statement limit' },
      )
    }
    if (tuples.length > 0 && (size + rowBytes > limits.maxStatementBytes || tuples.length >= maxRows)) {
      yield flush()
      // placeholders restart at $1 in the next statement
      placeholders.splice(0, placeholders.length, ...columns.map((c, i) => insertPlaceholder(c, i + 1)))
    }
    tuples.push(`(${placeholders.join(', ')})`)
    params.push(...values)
    size += rowBytes
  }
  if (tuples.length > 0) yield flush()
}
