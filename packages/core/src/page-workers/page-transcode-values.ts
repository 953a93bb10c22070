// A row's values read from a body's bytes into a RowValues, and the csv line written from them: the pieces both
// readers of transcodePage share (RowWriter's general one and the code compileFastRows generates).
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
import {
  COL_ID,
  COL_LOAD_ID,
  FALSE,
  NULL,
  NUMBER,
  type RowValues,
  STRING,
  TRUE,
} from './page-transcode-plan.ts'
import { numberOf } from './page-transcode-shape.ts'

/** What the line writer and the generated code read from and write into (a `RowWriter`). */
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

/** Bytes a row's line may take beyond its JSON (no value is written longer than its JSON text, but for numbers
 * written by `putNumber`), a separator per column and the load id: the id. */
const ROW_EXTRA = 64
/** `String(x)` of a double: at most 24 characters. */
const NUMBER_BYTES = 24

/** Stores a string value (without its quotes: `from` to `to`) of key `n`. */
export function putString(
  r: RowValues,
  n: number,
  from: number,
  to: number,
  escapes: number,
  comma: number,
): void {
  r.kind[n] = STRING
  r.start[n] = from
  r.end[n] = to
  r.flag[n] = escapes
  r.comma[n] = comma
}

/**
 * Reads `null` at `i` (for a key that takes it) into node `n`; returns its end, or -1.
 */
export function readNull(b: Uint8Array, i: number, r: RowValues, n: number): number {
  if (b[i + 1] !== 117 || b[i + 2] !== 108 || b[i + 3] !== 108) return -1
  r.kind[n] = NULL
  return i + 4
}

/**
 * Reads the string at `i` into node `n` as `RowWriter.readValue` reads it, and checks it as `pickShape` checks
 * text (at most `max` characters); returns its end, or -1.
 */
export function readText(
  b: Uint8Array,
  i: number,
  r: RowValues,
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
  putString(r, n, i + 1, j, escapes, comma)
  return j + 1
}

/** Reads a plain UTC timestamp (see `isPlainUtcTimestampAt`) at `i` into node `n`; returns its end, or -1. */
export function readStamp(b: Uint8Array, i: number, r: RowValues, n: number, nullable: boolean): number {
  const c = b[i]
  if (c === 110 && nullable) return readNull(b, i, r, n)
  if (c !== 34 || b[i + 21] !== 34 || !isPlainUtcTimestampAt(b, i + 1)) return -1
  putString(r, n, i + 1, i + 21, 0, 0)
  return i + 22
}

/**
 * Reads the number at `i` into node `n` and checks it as `pickShape` checks a `bigint` (a safe integer as it is
 * written) or a `double` (finite); returns its end, or -1.
 */
export function readNumber(
  b: Uint8Array,
  i: number,
  r: RowValues,
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
    if (j - i <= 15 && c !== 0x2e && c !== 0x65 && c !== 0x45) return putNumberAt(r, n, i, j, WHOLE)
  }
  const end = numberEnd(b, i)
  if (end < 0) return -1
  const flag = asWritten(b, i, end)
  if (flag === 0) {
    const x = Number(text.latin1(b.subarray(i, end)))
    if (bigint ? !Number.isSafeInteger(x) : !Number.isFinite(x)) return -1
    putNumberAt(r, n, i, end, 0)
    r.number[n] = x
    r.written++
    return end
  }
  if (bigint && flag === FRACTION) return -1
  return putNumberAt(r, n, i, end, flag)
}

/**
 * Stores a number (its text from `from` to `to`, `flag` as `asWritten` says; its value not read yet, see
 * `numberOf`) of key `n`; returns `to`.
 */
export function putNumberAt(r: RowValues, n: number, from: number, to: number, flag: number): number {
  r.kind[n] = NUMBER
  r.start[n] = from
  r.end[n] = to
  r.flag[n] = flag
  r.number[n] = Number.NaN
  return to
}

/** Reads `true` or `false` at `i` into node `n`; returns its end, or -1. */
export function readBool(b: Uint8Array, i: number, r: RowValues, n: number, nullable: boolean): number {
  const c = b[i]
  if (c === 110 && nullable) return readNull(b, i, r, n)
  if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
    r.kind[n] = TRUE
    return i + 4
  }
  if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
    r.kind[n] = FALSE
    return i + 5
  }
  return -1
}

/** A shape's line as {@link writeFastLine} writes it: per header column a key (see `ShapePlan.columns`). */
export interface Line {
  columns: Int32Array
  /** The key whose values a page keeps, -1 for none, {@link NO_KEY} when the shape lacks it. */
  key: number
}

/** {@link Line.key}: the page keeps a key this shape does not have (`RowWriter` gives such pages up). */
export const NO_KEY = -2

/**
 * Writes the row just read by the generated code (from `start` to `end`) as its csv line; returns `end`, or -1
 * with nothing written when the row's key is missing or not a number (`RowWriter` gives such pages up).
 */
export function writeFastLine(
  w: FastRowTarget,
  r: RowValues,
  line: Line,
  start: number,
  end: number,
): number {
  const key = line.key
  if (key === NO_KEY || (key >= 0 && r.kind[key] !== NUMBER)) return -1
  writeLine(w, r, line.columns, end - start)
  if (key >= 0) w.keys.push(numberOf(r, w.b, w.text, key))
  return end
}

/**
 * Writes a row's csv line from its values in `r` (`size` bytes of JSON): per header column the key in `columns`
 * (or the load id, the row's id, nothing), text as its bytes (quoted when empty or holding a comma; escapes
 * decoded, quoted where needed), numbers as their text where `asWritten` says so, else by `putNumber`.
 */
export function writeLine(w: FastRowTarget, r: RowValues, columns: Int32Array, size: number): void {
  w.room(size + columns.length + w.loadId.length + ROW_EXTRA + NUMBER_BYTES * r.written)
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
      case STRING: {
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
      case NUMBER:
        // a number `putNumber` writes has its value: both readers check it for the shape's type (bigint, double)
        p = r.flag[n] !== 0 ? w.copy(p, r.start[n]!, r.end[n]!) : putNumber(out, p, r.number[n]!)
        break
      case TRUE:
        out[p++] = 116
        out[p++] = 114
        out[p++] = 117
        out[p++] = 101
        break
      case FALSE:
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
}
