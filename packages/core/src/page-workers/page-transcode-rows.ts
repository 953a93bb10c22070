// The rows of a page's row list read from the body's bytes and written as csv lines (see transcodePage).
import type { IdWriter } from '../job-files/flat-csv-encoder.ts'
import { isPlainUtcTimestampAt } from '../normalize/value-coercion.ts'
import { asWritten, numberEnd, ws } from './json-bytes.ts'
import type { BodyText } from './page-bytes.ts'
import { compileFastRows, type FastRows } from './page-transcode-fast.ts'
import {
  FALSE,
  NULL,
  NUMBER,
  RowValues,
  type ShapePlan,
  TRUE,
  type TranscodePlan,
} from './page-transcode-plan.ts'
import { numberOf, pickShape } from './page-transcode-shape.ts'
import { type FastRowTarget, putNumberAt, putString, readText, writeLine } from './page-transcode-values.ts'

/** Thrown when the page must be read as before (never escapes `transcodePage`). */
export const GIVE_UP: Error = new Error('not transcoded')

/**
 * Reads the rows of one page's row list from its body (`b`) and writes each as its csv line (see
 * `transcodePage`), or throws {@link GIVE_UP}.
 */
export class RowWriter implements FastRowTarget {
  private readonly row: RowValues
  /** The end of what is written. */
  p = 0
  /** Where each row's line ends, and (with `later`) its id begins. */
  readonly ends: number[] = []
  readonly ids: number[] = []
  /** The `key` of every row, when asked for. */
  readonly keys: number[] = []
  private readonly keyAt: number
  /** A view of the body. */
  readonly view: DataView
  /** The body's length. */
  private readonly n: number
  private outView: DataView

  /** The rows of the plan's shapes read and written by generated code (see `compileFastRows`). */
  private readonly fast: FastRows | undefined

  constructor(
    readonly b: Uint8Array,
    readonly text: BodyText,
    private readonly plan: TranscodePlan,
    key: string | undefined,
    readonly loadId: Uint8Array,
    readonly putId: IdWriter,
    /** Ids are written with their places kept. */
    readonly later: boolean,
    /** What is written (a larger buffer replaces it when full). */
    public out: Uint8Array,
  ) {
    this.row = new RowValues(plan.keyBytes.length)
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength)
    this.n = b.length
    this.outView = new DataView(out.buffer, out.byteOffset, out.byteLength)
    this.keyAt = key === undefined ? -1 : (plan.dict.get(key) ?? -2)
    if (this.keyAt === -2) throw GIVE_UP
    this.fast = fastRowsOf(plan, this.keyAt)
  }

  /** Whether the `key` of each row is kept. */
  get hasKeys(): boolean {
    return this.keyAt >= 0
  }

  /**
   * Reads the row at `i` (a `{`) and writes its line; returns the row's end. The generated reader of the plan's
   * shapes (`compileFastRows`) tries first; a row it leaves goes the general way (keys matched one by one, then
   * `pickShape`).
   */
  next(i: number): number {
    if (this.fast) {
      const end = this.fast(this, i)
      if (end >= 0) return end
    }
    const start = i
    i = this.readRow(i)
    const shape = pickShape(this.plan, this.row, this.count, this.keySum, this.b, this.text)
    if (!shape) throw GIVE_UP
    this.writeRow(shape, i - start)
    return i
  }

  /** Reads the row (an object) at `i` into {@link RowValues}; returns its end. */
  private readRow(i: number): number {
    const b = this.b
    const r = this.row
    const stamp = ++r.stamp
    r.written = 0
    let n = 0
    let sum = 0
    i = ws(b, i + 1)
    if (b[i] === 0x7d) {
      this.count = 0
      this.keySum = 0
      return i + 1
    }
    const sizes = this.plan.keySizes
    const start = this.plan.keySizes.length
    let prev = start
    for (;;) {
      if (b[i] !== 0x22) throw GIVE_UP
      const at = this.keyOf(i + 1, prev)
      if (r.seen[at] === stamp) throw GIVE_UP
      r.seen[at] = stamp
      n++
      sum += at
      prev = at
      i += 2 + sizes[at]!
      if (b[i] !== 0x3a) {
        i = ws(b, i)
        if (b[i] !== 0x3a) throw GIVE_UP
      }
      i++
      if (b[i]! <= 0x20) i = ws(b, i)
      i = this.readValue(i, at)
      let c = b[i]
      if (c !== 0x2c && c !== 0x7d) {
        i = ws(b, i)
        c = b[i]
      }
      if (c === 0x2c) {
        i++
        if (b[i] !== 0x22) i = ws(b, i)
        continue
      }
      if (c !== 0x7d) throw GIVE_UP
      this.count = n
      this.keySum = sum
      return i + 1
    }
  }

  /** Keys in the row just read, and the sum of their dict indexes (a shape with other keys is passed by). */
  private count = 0
  private keySum = 0

  /** True when the key at dict index `at` and its closing `"` are at `i` (compared 4 bytes at a time). */
  private sameKey(i: number, at: number): boolean {
    const size = this.plan.keySizes[at]! + 1
    if (i + size > this.n) return false
    if (size < 4) {
      const key = this.plan.keyBytes[at]!
      for (let k = 0; k < size - 1; k++) if (this.b[i + k] !== key[k]) return false
      return this.b[i + size - 1] === 0x22
    }
    const words = this.plan.keyWords[at]!
    const view = this.view
    const full = size >> 2
    for (let w = 0; w < full; w++) if (view.getInt32(i + 4 * w, true) !== words[w]) return false
    return (size & 3) === 0 || view.getInt32(i + size - 4, true) === words[full]
  }

  /**
   * The dict index of the key whose text begins at `i`, after the key at `prev` (the dict's size at the start of a
   * row): the keys that followed it before are tried first.
   */
  private keyOf(i: number, prev: number): number {
    const b = this.b
    const r = this.row
    const guess = r.next[prev]!
    if (guess >= 0 && this.sameKey(i, guess)) return guess
    const other = r.next2[prev]!
    if (other >= 0 && this.sameKey(i, other)) {
      r.next2[prev] = guess
      r.next[prev] = other
      return other
    }
    let end = i
    while (end < b.length && b[end] !== 0x22 && b[end] !== 0x5c) end++
    if (b[end] !== 0x22) throw GIVE_UP
    const at = this.plan.dict.get(this.text.latin1(b.subarray(i, end)))
    if (at === undefined) throw GIVE_UP
    r.next2[prev] = guess
    r.next[prev] = at
    return at
  }

  /** Reads the value at `i` for key `at`; returns its end. */
  private readValue(i: number, at: number): number {
    const b = this.b
    const r = this.row
    const c = b[i]
    r.start[at] = i
    // a timestamp's 20 bytes hold no quote, backslash or comma: no need to look for the string's end
    if (
      c === 0x22 &&
      this.plan.timestamps[at] === 1 &&
      b[i + 21] === 0x22 &&
      isPlainUtcTimestampAt(b, i + 1)
    ) {
      putString(r, at, i + 1, i + 21, 0, 0)
      r.timestamp[at] = 1
      return i + 22
    }
    r.timestamp[at] = 0
    if (c === 0x22) {
      const end = readText(b, i, r, at, false, Number.POSITIVE_INFINITY)
      if (end < 0) throw GIVE_UP
      return end
    }
    if (c === 0x6e) return this.literal(i, at, NULL, 0x6e, 0x75, 0x6c, 0x6c)
    if (c === 0x74) return this.literal(i, at, TRUE, 0x74, 0x72, 0x75, 0x65)
    if (c === 0x66) {
      if (b[i + 4] !== 0x65) throw GIVE_UP
      return this.literal(i, at, FALSE, 0x66, 0x61, 0x6c, 0x73) + 1
    }
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
      const end = numberEnd(b, i)
      if (end < 0) throw GIVE_UP
      const flag = asWritten(b, i, end)
      if (flag === 0) r.written++
      return putNumberAt(r, at, i, end, flag)
    }
    throw GIVE_UP
  }

  private literal(
    i: number,
    at: number,
    kind: number,
    c0: number,
    c1: number,
    c2: number,
    c3: number,
  ): number {
    const b = this.b
    if (b[i] !== c0 || b[i + 1] !== c1 || b[i + 2] !== c2 || b[i + 3] !== c3) throw GIVE_UP
    this.row.kind[at] = kind
    return i + 4
  }

  /** Copies bytes `from` to `to` of the body to `p` in the output, 4 at a time; returns the end. */
  copy(p: number, from: number, to: number): number {
    const view = this.view
    const outView = this.outView
    let j = from
    for (const last = to - 3; j < last; j += 4, p += 4) outView.setInt32(p, view.getInt32(j, true), true)
    const b = this.b
    const out = this.out
    while (j < to) out[p++] = b[j++]!
    return p
  }

  /** Makes room for `need` more bytes in the output (a larger buffer replaces it when full). */
  room(need: number): void {
    if (this.p + need <= this.out.length) return
    const bigger = new Uint8Array(Math.max(2 * this.out.length, this.p + need))
    bigger.set(this.out.subarray(0, this.p))
    this.out = bigger
    this.outView = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength)
  }

  /** Writes the row just read (of `shape`, `size` bytes of JSON) as its csv line. */
  private writeRow(s: ShapePlan, size: number): void {
    const r = this.row
    if (this.keyAt >= 0 && (r.seen[this.keyAt] !== r.stamp || r.kind[this.keyAt] !== NUMBER)) throw GIVE_UP
    writeLine(this, r, s.columns, size)
    if (this.keyAt >= 0) this.keys.push(numberOf(r, this.b, this.text, this.keyAt))
  }
}

/** The generated reader of `plan`'s rows for pages keeping the key at dict index `keyAt`, compiled once per plan. */
function fastRowsOf(plan: TranscodePlan, keyAt: number): FastRows | undefined {
  const known = FAST.get(plan)
  if (known && known.keyAt === keyAt) return known.rows
  const rows = compileFastRows(plan, keyAt)
  FAST.set(plan, { keyAt, rows })
  return rows
}

const FAST = new WeakMap<TranscodePlan, { keyAt: number; rows: FastRows | undefined }>()
