import { setField } from '../json.ts'
import type { NormalizedRow } from '../normalize/normalize-types.ts'

/** A csv column: a name, or a schema column whose `dataType` decides the encoding. */
export type CsvColumn = string | { readonly name: string; readonly dataType?: string }

/**
 * Writes one row's CSV line (with its `\n`) as UTF-8 into `out` from `at` and returns where it ends, or -1 when
 * the line might not fit before the end of `out` (then nothing after `at` counts; write out and retry).
 */
export type CsvRowEncoder = (row: NormalizedRow, out: Uint8Array, at: number) => number

const CSV_SPECIAL = /[",\n\r]/

/** One CSV field in PostgreSQL COPY's CSV form: NULL is an unquoted empty field, `''` is `""`. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text: string
  switch (typeof value) {
    case 'string':
      text = value
      break
    case 'number':
    case 'bigint':
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    default:
      text = JSON.stringify(value)
  }
  return text === '' || text === '\\.' || CSV_SPECIAL.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * Bytes a column may take without its own bounds check: a separator and a number (`String(x)` of a double is at
 * most 24 characters) or a boolean. Text, bigints and JSON check their size against the end minus the reserve.
 */
export const FIXED_BYTES = 40

/**
 * What a job-file encoder removes from values because the destination cannot store it, and how many values lost
 * something (`ValueLimits.textNul: false`: U+0000 in text and in JSON strings). The owner of the encoder reads the
 * count (and may reset it); a row the encoder gives up on (-1, or not its shape) counts nothing.
 */
export interface TextCleaning {
  /** Values that lost U+0000 characters. */
  nulRemoved: number
}

/**
 * 1 for the characters below 256 that a text field's writer must look at: `"` `,` `\n` `\r` (quoting) and U+0000
 * (left out for some destinations). One table read per character instead of five comparisons (fix 33 in
 * apps/bench/README.md).
 */
const SPECIAL = new Uint8Array(256)
for (const c of [0, 10, 13, 34, 44]) SPECIAL[c] = 1

/** Set by {@link putChars} when it left out a U+0000 (the value's writer counts it once). */
let nulSeen = false

/**
 * A character {@link SPECIAL} marks, for {@link putChars} and {@link putByteChars}: `"` doubled and `,` `\n` `\r`
 * as they are when `quoted`, U+0000 left out when `noNul` (setting {@link nulSeen}). Returns the end, or -1 when
 * the field must be quoted first. Rare, so out of the loops: as fast as the branch written into each (the text of
 * 20,000 Clockodo entries written five times: 53-56 ms either way).
 */
function putSpecial(out: Uint8Array, p: number, c: number, quoted: boolean, noNul: boolean): number {
  if (c === 0) {
    if (noNul) {
      nulSeen = true
      return p
    }
  } else {
    if (!quoted) return -1
    if (c === 34) out[p++] = 34
  }
  out[p] = c
  return p + 1
}

/**
 * Writes `text`'s UTF-8 (lone surrogates as U+FFFD, as TextEncoder does) from `p`; `quoted` doubles `"`; `noNul`
 * leaves out U+0000 characters (and sets {@link nulSeen}). Returns the end, or -1 at the first character that needs
 * quoting when not `quoted`.
 */
function putChars(out: Uint8Array, p: number, text: string, quoted: boolean, noNul = false): number {
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) {
      if (SPECIAL[c] === 1) {
        p = putSpecial(out, p, c, quoted, noNul)
        if (p < 0) return -1
      } else out[p++] = c
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6)
      out[p++] = 0x80 | (c & 63)
    } else if (c < 0xd800 || c > 0xdfff) {
      out[p++] = 0xe0 | (c >> 12)
      out[p++] = 0x80 | ((c >> 6) & 63)
      out[p++] = 0x80 | (c & 63)
    } else {
      const d = c <= 0xdbff && i + 1 < n ? text.charCodeAt(i + 1) : 0
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000
        out[p++] = 0xf0 | (cp >> 18)
        out[p++] = 0x80 | ((cp >> 12) & 63)
        out[p++] = 0x80 | ((cp >> 6) & 63)
        out[p++] = 0x80 | (cp & 63)
        i++
      } else {
        out[p++] = 0xef
        out[p++] = 0xbf
        out[p++] = 0xbd
      }
    }
  }
  return p
}

/**
 * Writes `text` as a string of bytes: every character is one byte (0-255), as in a body decoded as Latin-1 from
 * valid UTF-8 (see `BodyText`), so the bytes written are the UTF-8 the body held. Otherwise as {@link putChars}.
 * A loop of its own on purpose: one loop for both with a `bytes` flag took a page worker 6.0-6.9 ms per
 * 1,000-entry page instead of 4.7-5.3 ms (the mock account's pages, in turns).
 */
function putByteChars(out: Uint8Array, p: number, text: string, quoted: boolean, noNul = false): number {
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (SPECIAL[c] === 1) {
      p = putSpecial(out, p, c, quoted, noNul)
      if (p < 0) return -1
    } else out[p++] = c
  }
  return p
}

type PutChars = typeof putChars

/** A text field written with `chars` (see {@link putText}). */
function putTextWith(chars: PutChars, out: Uint8Array, p: number, end: number, text: string): number {
  const n = text.length
  if (p + 3 * n + 2 > end) return -1
  if (n > 0 && !(n === 2 && text === '\\.')) {
    const q = chars(out, p, text, false)
    if (q >= 0) return q
  }
  out[p] = 34
  p = chars(out, p + 1, text, true)
  out[p] = 34
  return p + 1
}

/**
 * A text field (quoted when empty, `\.` or holding `"` `,` `\n` `\r`) from `p`, or -1 when it might pass `end`:
 * each UTF-16 unit takes at most 3 bytes, a doubled quote 2.
 */
export function putText(out: Uint8Array, p: number, end: number, text: string): number {
  return putTextWith(putChars, out, p, end, text)
}

/** {@link putText} of a string of bytes (see {@link putByteChars}). */
function putByteText(out: Uint8Array, p: number, end: number, text: string): number {
  return putTextWith(putByteChars, out, p, end, text)
}

/**
 * A plain UTC timestamp already checked by `isPlainUtcTimestamp` (exactly `YYYY-MM-DDTHH:MM:SSZ`) from `p`: its 20
 * ASCII characters, which never need quoting and fit in {@link FIXED_BYTES}, so no bounds check.
 */
export function putTimestamp(out: Uint8Array, p: number, text: string): number {
  for (let i = 0; i < 20; i++) out[p + i] = text.charCodeAt(i)
  return p + 20
}

/** ASCII text that needs no quoting (a number's or a bigint's digits) from `p`. */
function putAscii(out: Uint8Array, p: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i)
  return p
}

/** 10 to 10^9 (for {@link putNumber}). */
const POWERS_OF_TEN = [10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

/** The ASCII digits of 00 to 99, two bytes each (for {@link putNumber}). */
const DIGIT_PAIRS = new Uint8Array(200)
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10)
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10)
}

/** A number as `String(x)` writes it; integers 0 .. 2^31-1 two digits at a time (no string; fix 33). */
export function putNumber(out: Uint8Array, p: number, x: number): number {
  if ((x | 0) !== x || x < 0) return putAscii(out, p, String(x))
  if (x < 10) {
    out[p] = 48 + x
    return p + 1
  }
  let digits = 2
  while (digits < 10 && x >= POWERS_OF_TEN[digits - 1]!) digits++
  let i = p + digits
  let n = x
  while (n >= 100) {
    const q = (n / 100) | 0
    const r = (n - q * 100) << 1
    out[--i] = DIGIT_PAIRS[r + 1]!
    out[--i] = DIGIT_PAIRS[r]!
    n = q
  }
  if (n >= 10) {
    out[--i] = DIGIT_PAIRS[(n << 1) + 1]!
    out[--i] = DIGIT_PAIRS[n << 1]!
  } else out[--i] = 48 + n
  return p + digits
}

export function putBool(out: Uint8Array, p: number, x: boolean): number {
  return putAscii(out, p, x ? 'true' : 'false')
}

/** Any value as {@link csvField} writes it (not null), text with `T`. */
function putValueWith(T: TextPut, out: Uint8Array, p: number, end: number, x: unknown): number {
  switch (typeof x) {
    case 'string':
      return T(out, p, end, x)
    case 'number':
      return putNumber(out, p, x)
    case 'boolean':
      return putBool(out, p, x)
    case 'bigint': {
      const digits = String(x)
      return p + digits.length > end ? -1 : putAscii(out, p, digits)
    }
    default:
      return T(out, p, end, JSON.stringify(x))
  }
}

/** Any value as {@link csvField} writes it (not null). */
export function putValue(out: Uint8Array, p: number, end: number, x: unknown): number {
  return putValueWith(putText, out, p, end, x)
}

/** A json column's value as JSON text (so a JSON string stays apart from text). */
export function putJson(out: Uint8Array, p: number, end: number, x: unknown): number {
  return putText(out, p, end, JSON.stringify(x))
}

type TextPut = (out: Uint8Array, p: number, end: number, text: string) => number
/** Writes a (non-null) value from `p`: the end, or -1 when it might pass `end`. */
export type Put = (out: Uint8Array, p: number, end: number, x: unknown) => number

/** The writers an encoder uses: text, number, boolean, any value, JSON (the compiled code's T, N, B, V, J). */
export interface Writers {
  T: (out: Uint8Array, p: number, end: number, text: string) => number
  N: (out: Uint8Array, p: number, x: number) => number
  B: (out: Uint8Array, p: number, x: boolean) => number
  V: Put
  J: Put
}

/** The writers of values as they are. */
const PLAIN: Writers = { T: putText, N: putNumber, B: putBool, V: putValue, J: putJson }

/** The writers of values whose strings are strings of bytes (see {@link putByteChars}). */
const BYTES: Writers = {
  T: putByteText,
  N: putNumber,
  B: putBool,
  V: (out, p, end, x) => putValueWith(putByteText, out, p, end, x),
  J: (out, p, end, x) => putByteText(out, p, end, JSON.stringify(x)),
}

/** A copy of a JSON value without U+0000 in its strings and keys (the same value when it has none). */
function withoutNul(x: unknown): unknown {
  if (typeof x === 'string') return x.includes('\u0000') ? x.replaceAll('\u0000', '') : x
  if (Array.isArray(x)) return x.map(withoutNul)
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(x)) setField(out, withoutNul(k) as string, withoutNul(v))
    return out
  }
  return x
}

/** JSON text of `x` without U+0000 (sets {@link nulSeen} when it had one). */
export function jsonWithoutNul(x: unknown): string {
  const text = JSON.stringify(x)
  // JSON writes U+0000 as \u0000; a false alarm (an escaped backslash before "u0000") changes nothing
  if (!text.includes('\\u0000')) return text
  const clean = JSON.stringify(withoutNul(x))
  if (clean !== text) nulSeen = true
  return clean
}

/**
 * The writers of an encoder for a destination that cannot store U+0000 (`cleaning`): text and JSON lose the
 * character, and each value that lost one counts once in `cleaning.nulRemoved`.
 */
function nulFreeWriters(cleaning: TextCleaning, chars: PutChars): Writers {
  const count = (): void => {
    if (nulSeen) {
      nulSeen = false
      cleaning.nulRemoved++
    }
  }
  const T = (out: Uint8Array, p: number, end: number, text: string): number => {
    const n = text.length
    if (p + 3 * n + 2 > end) return -1
    nulSeen = false
    let q = chars(out, p, text, false, true)
    // an unquoted field must not come out empty (NULL) or as \. (COPY's end of data)
    if (q === p || (q === p + 2 && out[p] === 92 && out[p + 1] === 46)) q = -1
    if (q < 0) {
      out[p] = 34
      q = chars(out, p + 1, text, true, true)
      out[q++] = 34
    }
    count()
    return q
  }
  const J = (out: Uint8Array, p: number, end: number, x: unknown): number => {
    nulSeen = false
    const text = jsonWithoutNul(x)
    const seen = nulSeen
    const q = T(out, p, end, text)
    if (seen && q >= 0) cleaning.nulRemoved++
    return q
  }
  const V = (out: Uint8Array, p: number, end: number, x: unknown): number => {
    switch (typeof x) {
      case 'string':
        return T(out, p, end, x)
      case 'number':
      case 'boolean':
      case 'bigint':
        return putValue(out, p, end, x)
      default:
        return J(out, p, end, x)
    }
  }
  return { T, N: putNumber, B: putBool, V, J }
}

/**
 * The writers for an encoder: plain, or without U+0000 when `cleaning` is given; `bytes`: the values' strings
 * are strings of bytes (see {@link putByteChars}). Default false.
 */
export function writersFor(cleaning: TextCleaning | undefined, bytes = false): Writers {
  if (cleaning) return nulFreeWriters(cleaning, bytes ? putByteChars : putChars)
  return bytes ? BYTES : PLAIN
}

/**
 * Wraps an encoder so that a row it gives up on (-1, or any negative code) leaves `cleaning`'s count as it was:
 * the caller writes the row again.
 */
export function countOnce<F extends (...args: never[]) => number>(
  encode: F,
  cleaning: TextCleaning | undefined,
): F {
  if (!cleaning) return encode
  return ((...args: Parameters<F>) => {
    const before = cleaning.nulRemoved
    const end = encode(...args)
    if (end < 0) cleaning.nulRemoved = before
    return end
  }) as F
}
