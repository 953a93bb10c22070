import type { NormalizedRow } from '../normalize/normalize-types.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'
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

/**
 * Encodes rows as csv lines for `columns` (a compiled `encode`) or jsonl lines, into one buffer of their size.
 * With `ends`, puts where each row's line ends into it.
 */
export function encodeRows(
  format: JobFileFormat,
  rows: readonly NormalizedRow[],
  encode: CsvRowEncoder | undefined,
  sizeHint: number = 64 * 1024,
  ends?: Uint32Array,
): Uint8Array {
  if (format === 'jsonl' || encode === undefined) {
    const lines = rows.map((row) => encoder.encode(`${JSON.stringify(row)}\n`))
    const out = new Uint8Array(lines.reduce((n, l) => n + l.length, 0))
    let p = 0
    for (const [i, line] of lines.entries()) {
      out.set(line, p)
      p += line.length
      if (ends) ends[i] = p
    }
    return out
  }
  let out = new Uint8Array(Math.max(1024, sizeHint))
  let p = 0
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    for (;;) {
      const end = encode(row, out, p)
      if (end >= 0) {
        p = end
        if (ends) ends[i] = p
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

/** Where each row of an encoded table ends, and (child tables) the index of the root row it belongs to. */
export interface RowIndex {
  ends: Uint32Array
  roots: Uint32Array | undefined
}

/**
 * For each child table (tables after the first), the index of the root row each of its rows belongs to, found
 * through `_sluice_parent_id` (a child's parent may itself be a child row).
 */
export function rootIndexes(tables: readonly (readonly NormalizedRow[])[]): (Uint32Array | undefined)[] {
  if (tables.length < 2) return [undefined]
  const rootOf = new Map<unknown, number>()
  for (const [i, row] of tables[0]!.entries()) rootOf.set(row[SYSTEM_COLUMNS.id], i)
  const parentOf = new Map<unknown, unknown>()
  for (const rows of tables.slice(1))
    for (const row of rows) parentOf.set(row[SYSTEM_COLUMNS.id], row[SYSTEM_COLUMNS.parentId])
  const find = (parent: unknown): number => {
    for (let id = parent, depth = 0; depth < 1000; depth++) {
      const root = rootOf.get(id)
      if (root !== undefined) return root
      id = parentOf.get(id)
    }
    throw new Error('a child row without a root row')
  }
  return tables.map((rows, t) =>
    t === 0 ? undefined : Uint32Array.from(rows, (r) => find(r[SYSTEM_COLUMNS.parentId])),
  )
}

/** The rows of `bytes` (lines ending at `index.ends`) whose root row `keep` keeps, and how many. */
export function keepRows(
  bytes: Uint8Array,
  index: RowIndex,
  keep: Uint8Array,
): { bytes: Uint8Array; rows: number } {
  const { ends, roots } = index
  let size = 0
  let rows = 0
  for (let i = 0; i < ends.length; i++) {
    if (keep[roots ? roots[i]! : i] !== 1) continue
    size += ends[i]! - (i === 0 ? 0 : ends[i - 1]!)
    rows++
  }
  const out = new Uint8Array(size)
  let p = 0
  for (let i = 0; i < ends.length; i++) {
    if (keep[roots ? roots[i]! : i] !== 1) continue
    const start = i === 0 ? 0 : ends[i - 1]!
    out.set(bytes.subarray(start, ends[i]!), p)
    p += ends[i]! - start
  }
  return { bytes: out, rows }
}
