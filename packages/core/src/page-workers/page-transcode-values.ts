// The values of a row read by the generated code of compileFastRows, and its csv line written from them.
import { putNumber } from '../job-files/csv-encoder.ts'
import type { IdWriter } from '../job-files/flat-csv-encoder.ts'
import { isPlainUtcTimestampAt } from '../normalize/value-coercion.ts'
import {
  asWritten,
  FRACTION,
  numberEnd,
  putEscaped,
  S_COMMA,
  S_CONTROL,
  S_QUOTE,
  STRING_BYTES,
  UNESCAPED,
  WHOLE,
} from './json-bytes.ts'
import type { BodyText } from './page-bytes.ts'
import { COL_ID, COL_LOAD_ID } from './page-transcode-plan.ts'

/** What the generated code reads from and writes into (a `RowWriter`). */
export interface FastRowTarget {
  readonly b: Uint8Array
  /** A view of {@link b}. */
  readonly view: DataView
  readonly text: BodyText
  readonly loadId: Uint8Array
  readonly putId: IdWriter
  readonly later: boolean
  readonly ends: number[]
  readonly ids: number[]
  readonly keys: number[]
  out: Uint8Array
  p: number
  /** Makes room for `need` more bytes in `out`. */
  room(need: number): void
  /** Copies bytes `from` to `to` of the body to `p` in `out`; returns the end. */
  copy(p: number, from: number, to: number): number
}

// kinds of a value (0: null)
const K_STRING = 1
const K_NUMBER = 2
const K_TRUE = 3
const K_FALSE = 4

/** Bytes a row's line may take beyond its JSON (as `RowWriter.writeRow` reserves: the id, separators). */
const ROW_EXTRA = 64
/** `String(x)` of a double: at most 24 characters. */
const NUMBER_BYTES = 24

/** The values of the row being read, per node of the key tree (by `Node.id`). */
export class Values {
  readonly kind: Int32Array
  /** Where the value's text begins and ends (a string's without its quotes). */
  readonly start: Int32Array
  readonly end: Int32Array
  /** Strings: how many escapes; numbers: what `asWritten` says. */
  readonly flag: Int32Array
  /** Strings: 1 when a `,` is in it. */
  readonly comma: Int32Array
  /** Numbers written by `putNumber`: their value. */
  readonly number: Float64Array
  /** Numbers in the row written by `putNumber` (each may take {@link NUMBER_BYTES}). */
  written = 0

  constructor(size: number) {
    this.kind = new Int32Array(size)
    this.start = new Int32Array(size)
    this.end = new Int32Array(size)
    this.flag = new Int32Array(size)
    this.comma = new Int32Array(size)
    this.number = new Float64Array(size)
  }
}

/**
 * Reads `null` at `i` (for a key that takes it) into node `n`; returns its end, or -1.
 */
export function readNull(b: Uint8Array, i: number, r: Values, n: number): number {
  if (b[i + 1] !== 117 || b[i + 2] !== 108 || b[i + 3] !== 108) return -1
  r.kind[n] = 0
  return i + 4
}

/**
 * Reads the string at `i` into node `n` as `RowWriter.readValue` reads it, and checks it as `pickShape` checks
 * text (at most `max` characters); returns its end, or -1.
 */
export function readText(
  b: Uint8Array,
  i: number,
  r: Values,
  n: number,
  nullable: boolean,
  max: number,
): number {
  const c = b[i]
  if (c === 110 && nullable) return readNull(b, i, r, n)
  if (c !== 34) return -1
  const size = b.length
  let j = i + 1
  let escapes = 0
  let comma = 0
  for (;;) {
    const k = STRING_BYTES[b[j]!]
    if (k === 0) {
      j++
      continue
    }
    if (k === S_QUOTE) break
    if (k === S_COMMA) {
      comma = 1
      j++
      continue
    }
    // \" \\ \/ \b \f \n \r \t (a \u goes the way it went before), or a control character
    if (j >= size || k === S_CONTROL || !(UNESCAPED[b[j + 1]!]! > 0)) return -1
    escapes++
    j += 2
  }
  if (j - i - 1 - escapes > max) return -1
  r.kind[n] = K_STRING
  r.start[n] = i + 1
  r.end[n] = j
  r.flag[n] = escapes
  r.comma[n] = comma
  return j + 1
}

/** Reads a plain UTC timestamp (see `isPlainUtcTimestampAt`) at `i` into node `n`; returns its end, or -1. */
export function readStamp(b: Uint8Array, i: number, r: Values, n: number, nullable: boolean): number {
  const c = b[i]
  if (c === 110 && nullable) return readNull(b, i, r, n)
  if (c !== 34 || b[i + 21] !== 34 || !isPlainUtcTimestampAt(b, i + 1)) return -1
  r.kind[n] = K_STRING
  r.start[n] = i + 1
  r.end[n] = i + 21
  r.flag[n] = 0
  r.comma[n] = 0
  return i + 22
}

/**
 * Reads the number at `i` into node `n` and checks it as `pickShape` checks a `bigint` (a safe integer as it is
 * written) or a `double` (finite); returns its end, or -1.
 */
export function readNumber(
  b: Uint8Array,
  i: number,
  r: Values,
  n: number,
  nullable: boolean,
  bigint: boolean,
  text: BodyText,
): number {
  let c = b[i]!
  if (c === 110 && nullable) return readNull(b, i, r, n)
  // the common case in one pass: 1 to 15 digits, no sign, no leading zero, nothing after them that belongs to
  // the number (what `numberEnd` and then `asWritten` would say: WHOLE)
  if (c >= 0x31 && c <= 0x39) {
    let j = i + 1
    c = b[j]!
    while (c >= 0x30 && c <= 0x39) c = b[++j]!
    if (j - i <= 15 && c !== 0x2e && c !== 0x65 && c !== 0x45) {
      r.kind[n] = K_NUMBER
      r.start[n] = i
      r.end[n] = j
      r.flag[n] = WHOLE
      return j
    }
  }
  const end = numberEnd(b, i)
  if (end < 0) return -1
  const flag = asWritten(b, i, end)
  if (flag === 0) {
    const x = Number(text.latin1(b.subarray(i, end)))
    if (bigint ? !Number.isSafeInteger(x) : !Number.isFinite(x)) return -1
    r.number[n] = x
    r.written++
  } else if (bigint && flag === FRACTION) return -1
  r.kind[n] = K_NUMBER
  r.start[n] = i
  r.end[n] = end
  r.flag[n] = flag
  return end
}

/** Reads `true` or `false` at `i` into node `n`; returns its end, or -1. */
export function readBool(b: Uint8Array, i: number, r: Values, n: number, nullable: boolean): number {
  const c = b[i]
  if (c === 110 && nullable) return readNull(b, i, r, n)
  if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
    r.kind[n] = K_TRUE
    return i + 4
  }
  if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
    r.kind[n] = K_FALSE
    return i + 5
  }
  return -1
}

/** A shape's line as {@link writeLine} writes it: per header column a node, or `COL_*`; the key's node. */
export interface Line {
  columns: Int32Array
  /** The node of the key whose values a page keeps, -1 for none, {@link NO_KEY} when the shape lacks it. */
  key: number
}

/** {@link Line.key}: the page keeps a key this shape does not have (`RowWriter` gives such pages up). */
export const NO_KEY = -2

/**
 * Writes the row just read (from `start` to `end`) as `RowWriter.writeRow` writes it; returns `end`, or -1 with
 * nothing written when the row's key is not a number.
 */
export function writeLine(w: FastRowTarget, r: Values, line: Line, start: number, end: number): number {
  const key = line.key
  if (key === NO_KEY || (key >= 0 && r.kind[key] !== K_NUMBER)) return -1
  const columns = line.columns
  w.room(end - start + columns.length + w.loadId.length + ROW_EXTRA + NUMBER_BYTES * r.written)
  const out = w.out
  const b = w.b
  let p = w.p
  const index = w.ends.length
  for (let c = 0; c < columns.length; c++) {
    if (c > 0) out[p++] = 44
    const n = columns[c]!
    if (n < 0) {
      if (n === COL_LOAD_ID) {
        out.set(w.loadId, p)
        p += w.loadId.length
      } else if (n === COL_ID) {
        if (w.later) w.ids.push(p)
        p = w.putId(out, p, index)
      }
      continue
    }
    switch (r.kind[n]) {
      case K_STRING: {
        const from = r.start[n]!
        const to = r.end[n]!
        if (r.flag[n] !== 0) p = putEscaped(out, p, b, from, to)
        else if (from === to || r.comma[n] === 1) {
          out[p] = 34
          p = w.copy(p + 1, from, to)
          out[p++] = 34
        } else p = w.copy(p, from, to)
        break
      }
      case K_NUMBER:
        p = r.flag[n] !== 0 ? w.copy(p, r.start[n]!, r.end[n]!) : putNumber(out, p, r.number[n]!)
        break
      case K_TRUE:
        out[p++] = 116
        out[p++] = 114
        out[p++] = 117
        out[p++] = 101
        break
      case K_FALSE:
        out[p++] = 102
        out[p++] = 97
        out[p++] = 108
        out[p++] = 115
        out[p++] = 101
        break
    }
  }
  out[p++] = 10
  w.p = p
  w.ends.push(p)
  if (key >= 0)
    w.keys.push(
      r.flag[key] === 0 ? r.number[key]! : numberValue(b, w.text, r.start[key]!, r.end[key]!, r.flag[key]!),
    )
  return end
}

/** The value of the JSON number from `from` to `to` (`flag` as `asWritten` says), as `numberOf` reads it. */
function numberValue(b: Uint8Array, text: BodyText, from: number, to: number, flag: number): number {
  if (flag !== WHOLE) return Number(text.latin1(b.subarray(from, to)))
  const negative = b[from] === 0x2d
  let x = 0
  for (let j = negative ? from + 1 : from; j < to; j++) x = x * 10 + (b[j]! - 48)
  return negative ? -x : x
}
