import type { FlatKey, NormalizedRow } from '../normalize/normalize-types.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'
import { type CsvColumn, type CsvRowEncoder, jsonWithoutNul, type TextCleaning } from './csv-encoder.ts'
import { csvRowEncoder } from './csv-row-encoder.ts'
import { compileFlatCsvRow, type FlatCsvRowFn, type IdWriter, NOT_THIS_SHAPE } from './flat-csv-encoder.ts'

/** Formats core writes itself. */
export type JobFileFormat = 'jsonl' | 'csv'

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
 * A row as a jsonl line (without its line end); with `cleaning`, without U+0000 in its strings (the row counts
 * once in `cleaning.nulRemoved` when it had one).
 */
export function jsonLine(row: NormalizedRow, cleaning: TextCleaning | undefined): string {
  const text = JSON.stringify(row)
  if (!cleaning || !text.includes('\\u0000')) return text
  const clean = jsonWithoutNul(row)
  if (clean !== text) cleaning.nulRemoved++
  return clean
}

/**
 * Encodes rows as csv lines for `columns` (a compiled `encode`) or jsonl lines, into one buffer of their size.
 * csv lines go into `start` (a buffer, or the size of a new one), or a bigger buffer when they do not fit. With
 * `ends`, puts where each row's line ends into it. jsonl lines lose U+0000 with `cleaning` (csv: the encoder's).
 */
export function encodeRows(
  format: JobFileFormat,
  rows: readonly NormalizedRow[],
  encode: CsvRowEncoder | undefined,
  start: number | Uint8Array = 64 * 1024,
  ends?: Uint32Array,
  cleaning?: TextCleaning,
): Uint8Array {
  if (format === 'jsonl' || encode === undefined) {
    const lines = rows.map((row) => encoder.encode(`${jsonLine(row, cleaning)}\n`))
    const out = new Uint8Array(lines.reduce((n, l) => n + l.length, 0))
    let p = 0
    for (const [i, line] of lines.entries()) {
      out.set(line, p)
      p += line.length
      if (ends) ends[i] = p
    }
    return out
  }
  let out = firstBuffer(start)
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
      out = grow(out, p)
    }
  }
  return out.subarray(0, p)
}

function firstBuffer(start: number | Uint8Array): Uint8Array {
  return typeof start === 'number' ? new Uint8Array(Math.max(1024, start)) : start
}

/** Buffers kept for encoding by {@link BufferPool}, at most. */
const SPARE_BUFFERS = 8

/**
 * Encode buffers that came back from the pipeline's thread once it wrote them: a page worker encodes into them
 * again, so that neither thread allocates a buffer per page (on the pipeline's thread, every buffer received
 * counts as external memory, and each 64 MB of it started a full garbage collection).
 */
export class BufferPool {
  private spare: ArrayBuffer[] = []

  /** A buffer of at least `size` bytes: a spare one, or a new one. */
  take(size: number): Uint8Array {
    let best = -1
    for (let i = 0; i < this.spare.length; i++) {
      const n = this.spare[i]!.byteLength
      if (n >= size && (best < 0 || n < this.spare[best]!.byteLength)) best = i
    }
    if (best < 0) return new Uint8Array(Math.max(1024, size))
    return new Uint8Array(this.spare.splice(best, 1)[0]!)
  }

  /** Keeps `buffers` for later (the largest {@link SPARE_BUFFERS}). */
  give(buffers: readonly ArrayBuffer[]): void {
    this.spare.push(...buffers)
    if (this.spare.length > SPARE_BUFFERS) {
      this.spare.sort((a, b) => b.byteLength - a.byteLength)
      this.spare.length = SPARE_BUFFERS
    }
  }
}

/**
 * Writes rows of the normalizer's compiled flat shapes straight as csv lines (see `compileFlatCsvRow`): one
 * function per shape, the most recent tried first, as the normalizer does. A row of none of these shapes goes to
 * `other` (with its index in `rows`), which writes it like a flat shape (the end, or -1 when it might not fit) or
 * gives up on the page ({@link NOT_THIS_SHAPE}: undefined is returned). Puts where each line ends into `ends`.
 */
export function encodeFlatRows(
  shapes: readonly FlatCsvRowFn[],
  rows: readonly object[],
  loadId: string,
  putId: IdWriter,
  start: number | Uint8Array,
  ends: Uint32Array,
  other: (row: object, out: Uint8Array, p: number, i: number) => number,
): Uint8Array | undefined {
  let out = firstBuffer(start)
  let p = 0
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>
    // the normalizer wraps anything but a plain object (`{ value: row }`): not a flat shape's row
    const plain = typeof row === 'object' && row !== null && !Array.isArray(row)
    let end = NOT_THIS_SHAPE
    for (let s = shapes.length - 1; plain && s >= 0 && end === NOT_THIS_SHAPE; s--) {
      end = shapes[s]!(row, out, p, loadId, putId, i)
      while (end === -1) {
        out = grow(out, p)
        end = shapes[s]!(row, out, p, loadId, putId, i)
      }
    }
    if (end === NOT_THIS_SHAPE) {
      end = other(row, out, p, i)
      while (end === -1) {
        out = grow(out, p)
        end = other(row, out, p, i)
      }
      if (end === NOT_THIS_SHAPE) return undefined
    }
    p = end
    ends[i] = p
  }
  return out.subarray(0, p)
}

/** `out` at twice its size, with its first `p` bytes. */
function grow(out: Uint8Array, p: number): Uint8Array {
  const bigger = new Uint8Array(out.length * 2)
  bigger.set(out.subarray(0, p))
  return bigger
}

/**
 * A compiled csv encoder per table and column count (columns only grow within a run), and flat-shape encoders.
 * With `cleaningOf`, the encoders of a table remove U+0000 and count it in the table's {@link TextCleaning}.
 */
export class EncoderCache {
  private readonly cache = new Map<string, { count: number; encode: CsvRowEncoder }>()
  /** Flat shapes' encoders, for rows of strings (0) and of strings of bytes (1). */
  private readonly flat = [0, 1].map(
    () => new WeakMap<readonly FlatKey[], { count: number; encode: FlatCsvRowFn | undefined }>(),
  )

  constructor(private readonly cleaningOf?: (table: string) => TextCleaning) {}

  /**
   * The encoder of a flat shape of `table` for a header (undefined where code cannot be generated); `bytes`: for
   * rows whose strings are strings of bytes (see `FlatCsvOptions.bytes`). Default false.
   */
  flatShape(
    table: string,
    keys: readonly FlatKey[],
    columns: readonly CsvColumn[],
    maxTextChars?: number,
    bytes = false,
  ): FlatCsvRowFn | undefined {
    const cache = this.flat[bytes ? 1 : 0]!
    const hit = cache.get(keys)
    if (hit && hit.count === columns.length) return hit.encode
    const cleaning = this.cleaningOf?.(table)
    const encode = compileFlatCsvRow(keys, columns, {
      ...(maxTextChars !== undefined ? { maxTextChars } : {}),
      ...(cleaning ? { cleaning } : {}),
      ...(bytes ? { bytes } : {}),
    })
    cache.set(keys, { count: columns.length, encode })
    return encode
  }

  get(table: string, columns: readonly CsvColumn[]): CsvRowEncoder {
    const hit = this.cache.get(table)
    if (hit && hit.count === columns.length) return hit.encode
    const encode = csvRowEncoder(columns, true, this.cleaningOf?.(table))
    this.cache.set(table, { count: columns.length, encode })
    return encode
  }
}

/** A {@link TextCleaning} per table, for one writer of job files (see `ValueLimits.textNul`). */
export class TableCleaning {
  private readonly tables = new Map<string, TextCleaning>()

  /** The table's counts. */
  of(table: string): TextCleaning {
    let c = this.tables.get(table)
    if (!c) {
      c = { nulRemoved: 0 }
      this.tables.set(table, c)
    }
    return c
  }

  /** Tables whose values lost U+0000 since the last call, with how many values, and resets the counts. */
  take(): [table: string, count: number][] {
    const out: [string, number][] = []
    for (const [table, c] of this.tables) {
      if (c.nulRemoved > 0) out.push([table, c.nulRemoved])
      c.nulRemoved = 0
    }
    return out
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
