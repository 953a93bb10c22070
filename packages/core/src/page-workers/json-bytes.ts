// JSON text read byte by byte (a body's bytes, see BodyText) and its strings written as csv fields: the pieces of
// transcodePage.

// what a byte in a string is to a reader: nothing special (0), or one of these (see STRING_BYTES)
export const S_QUOTE = 1
export const S_COMMA = 2
export const S_ESCAPE = 3
export const S_CONTROL = 4
/** What each byte is in a JSON string, to one who writes it as a csv field. */
export const STRING_BYTES: Uint8Array = new Uint8Array(256)
for (let c = 0; c < 0x20; c++) STRING_BYTES[c] = S_CONTROL
STRING_BYTES[0x22] = S_QUOTE
STRING_BYTES[0x2c] = S_COMMA
STRING_BYTES[0x5c] = S_ESCAPE

/** Nesting {@link skipValue} follows (deeper: not a value it reads). */
const MAX_DEPTH = 64

/** After whitespace from `i`. */
export function ws(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i]
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
}

/** The byte each escape (`\n` and so on, not `\u`) stands for, by the byte after the backslash; 0 for none. */
export const UNESCAPED: Uint8Array = new Uint8Array(128)
for (const [e, c] of [
  [0x22, 0x22],
  [0x5c, 0x5c],
  [0x2f, 0x2f],
  [0x62, 8],
  [0x66, 12],
  [0x6e, 10],
  [0x72, 13],
  [0x74, 9],
] as const)
  UNESCAPED[e] = c

/** A string with escapes as a csv field: quoted (with `"` doubled) when it holds `"` `,` `\n` `\r` or is `\.`. */
export function putEscaped(out: Uint8Array, p: number, b: Uint8Array, from: number, to: number): number {
  let quote = false
  let length = 0
  for (let j = from; j < to; j++) {
    let c = b[j]!
    if (c === 0x5c) c = UNESCAPED[b[++j]!]!
    if (c === 0x22 || c === 0x2c || c === 10 || c === 13) quote = true
    length++
  }
  // `\.` alone (two escapes' worth of text: `\\.`) ends COPY's data unquoted
  if (length === 2 && to - from === 3 && b[from + 1] === 0x5c && b[from + 2] === 0x2e) quote = true
  if (quote) out[p++] = 34
  for (let j = from; j < to; j++) {
    let c = b[j]!
    if (c === 0x5c) c = UNESCAPED[b[++j]!]!
    if (c === 0x22 && quote) out[p++] = 34
    out[p++] = c
  }
  if (quote) out[p++] = 34
  return p
}

/** The end of the JSON number at `i`, or -1 when it is not one. */
export function numberEnd(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++
  if (b[i] === 0x30) i++
  else if (isDigit(b[i])) while (isDigit(b[i])) i++
  else return -1
  if (b[i] === 0x2e) {
    i++
    if (!isDigit(b[i])) return -1
    while (isDigit(b[i])) i++
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++
    if (b[i] === 0x2b || b[i] === 0x2d) i++
    if (!isDigit(b[i])) return -1
    while (isDigit(b[i])) i++
  }
  return i
}

export function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39
}

/** {@link asWritten}: a whole number. */
export const WHOLE = 2
/** {@link asWritten}: a number with a fraction. */
export const FRACTION = 1

/**
 * {@link WHOLE} or {@link FRACTION} when `String(x)` of the JSON number from `from` to `to` is that text, else 0:
 * no exponent, at most 15 significant digits (every such decimal is the shortest text of the double nearest to
 * it), no `-0`, no trailing zero in a fraction, and at least 1e-6 (smaller ones are written with an exponent).
 */
export function asWritten(b: Uint8Array, from: number, to: number): number {
  let i = from
  const negative = b[i] === 0x2d
  if (negative) i++
  const intStart = i
  while (i < to && isDigit(b[i])) i++
  const intDigits = i - intStart
  if (i === to) return intDigits <= 15 && !(negative && intDigits === 1 && b[intStart] === 0x30) ? WHOLE : 0
  if (b[i] !== 0x2e) return 0
  const fracStart = ++i
  while (i < to && isDigit(b[i])) i++
  if (i !== to || b[to - 1] === 0x30) return 0
  const fracDigits = to - fracStart
  if (!(intDigits === 1 && b[intStart] === 0x30)) return intDigits + fracDigits <= 15 ? FRACTION : 0
  let zeros = 0
  while (b[fracStart + zeros] === 0x30) zeros++
  return zeros <= 5 && fracDigits - zeros <= 15 ? FRACTION : 0
}

/** The end of the JSON string at `i` (a `"`), or -1 when it is not a valid one. */
export function stringEnd(b: Uint8Array, i: number): number {
  if (b[i] !== 0x22) return -1
  for (let j = i + 1; ; ) {
    const x = b[j]
    if (x === undefined || x < 0x20) return -1
    if (x === 0x22) return j + 1
    if (x !== 0x5c) {
      j++
      continue
    }
    const e = b[j + 1]
    if (e === 0x75) {
      for (let h = 2; h < 6; h++) if (!isHex(b[j + h])) return -1
      j += 6
    } else if (
      e === 0x22 ||
      e === 0x5c ||
      e === 0x2f ||
      e === 0x62 ||
      e === 0x66 ||
      e === 0x6e ||
      e === 0x72 ||
      e === 0x74
    )
      j += 2
    else return -1
  }
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
}

/** The end of the JSON value at `i` (checked as `JSON.parse` would), or -1. */
export function skipValue(b: Uint8Array, i: number, depth: number): number {
  const c = b[i]
  if (c === 0x22) return stringEnd(b, i)
  if (c === 0x2d || isDigit(c)) return numberEnd(b, i)
  if (c === 0x6e) return b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1
  if (c === 0x74) return b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : -1
  if (c === 0x66)
    return b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : -1
  if ((c !== 0x5b && c !== 0x7b) || depth >= MAX_DEPTH) return -1
  const close = c === 0x5b ? 0x5d : 0x7d
  i = ws(b, i + 1)
  if (b[i] === close) return i + 1
  for (;;) {
    if (close === 0x7d) {
      i = stringEnd(b, i)
      if (i < 0) return -1
      i = ws(b, i)
      if (b[i] !== 0x3a) return -1
      i = ws(b, i + 1)
    }
    i = skipValue(b, i, depth + 1)
    if (i < 0) return -1
    i = ws(b, i)
    if (b[i] === close) return i + 1
    if (b[i] !== 0x2c) return -1
    i = ws(b, i + 1)
  }
}
