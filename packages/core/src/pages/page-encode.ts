import type { NormalizedRow } from '../normalize/normalize-types.ts'
import { type CsvColumn, type CsvRowEncoder, csvRowEncoder } from '../storage/csv-encoder.ts'
import type { JobFileFormat } from '../storage/job-writer.ts'

/** Rows of one table already encoded for a job file (see `JobWriter.writeEncoded`). */
export interface EncodedRows {
  /** csv: the columns the lines were encoded with (the file's header); ignored for jsonl. */
  columns: readonly CsvColumn[]
  /** The lines, UTF-8, each ending in `\n`. */
  bytes: Uint8Array
  rows: number
}

const encoder = new TextEncoder()

/** Encodes rows as csv lines for `columns` (a compiled `encode`) or jsonl lines, into one buffer of their size. */
export function encodeRows(
  format: JobFileFormat,
  rows: readonly NormalizedRow[],
  encode: CsvRowEncoder | undefined,
  sizeHint: number = 64 * 1024,
): Uint8Array {
  if (format === 'jsonl' || encode === undefined) {
    let text = ''
    for (const row of rows) text += `${JSON.stringify(row)}\n`
    return encoder.encode(text)
  }
  let out = new Uint8Array(Math.max(1024, sizeHint))
  let p = 0
  for (const row of rows) {
    for (;;) {
      const end = encode(row, out, p)
      if (end >= 0) {
        p = end
        break
      }
      const bigger = new Uint8Array(out.length * 2)
      bigger.set(out.subarray(0, p))
      out = bigger
    }
  }
  return out.subarray(0, p)
}

/** A compiled csv encoder per table and column count (columns only grow within a run). */
export class EncoderCache {
  private readonly cache = new Map<string, { count: number; encode: CsvRowEncoder }>()

  get(table: string, columns: readonly CsvColumn[]): CsvRowEncoder {
    const hit = this.cache.get(table)
    if (hit && hit.count === columns.length) return hit.encode
    const encode = csvRowEncoder(columns)
    this.cache.set(table, { count: columns.length, encode })
    return encode
  }
}
