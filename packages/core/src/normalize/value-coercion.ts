import type { ColumnHint, DataType } from '../schema/schema-types.ts'

/** The result of {@link coerceValue}: the value in job-file form, or `ok: false` when it does not fit. */
export type CoerceResult = { ok: true; value: unknown } | { ok: false }

const FAIL: CoerceResult = Object.freeze({ ok: false })
const RE_INTEGER = /^[+-]?\d+$/
const RE_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const RE_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const RE_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?$/
const RE_TS =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/
const RE_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
/** 2^63 as a double: doubles in [-2^63, 2^63) are int64 values. */
const TWO_POW_63 = 2 ** 63
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function ok(value: unknown): CoerceResult {
  return { ok: true, value }
}

/** Standard base64 (with padding) of bytes: the job-file form of `binary`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + '=='
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '='
  }
  return out
}

function digits2(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48
  const b = s.charCodeAt(at + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/**
 * True when `s` is exactly a valid `YYYY-MM-DDTHH:MM:SSZ` of the years 1 to 9999 (the common case that needs no
 * rewriting). Cheap enough to run per value: fixed positions and digit arithmetic, a `Date` only for days 29-31.
 */
export function isPlainUtcTimestamp(s: string): boolean {
  if (
    s.length !== 20 ||
    s.charCodeAt(19) !== 90 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return false
  }
  return plainUtcParts(
    digits2(s, 0),
    digits2(s, 2),
    digits2(s, 5),
    digits2(s, 8),
    digits2(s, 11),
    digits2(s, 14),
    digits2(s, 17),
  )
}

function byteDigits2(b: Uint8Array, at: number): number {
  const x = b[at]! - 48
  const y = b[at + 1]! - 48
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1
}

/**
 * {@link isPlainUtcTimestamp} of the 20 bytes of `b` from `at` (a JSON string's bytes without its quotes; the
 * caller checks there are 20).
 */
export function isPlainUtcTimestampAt(b: Uint8Array, at: number): boolean {
  if (
    b[at + 19] !== 90 ||
    b[at + 10] !== 84 ||
    b[at + 4] !== 45 ||
    b[at + 7] !== 45 ||
    b[at + 13] !== 58 ||
    b[at + 16] !== 58
  ) {
    return false
  }
  return plainUtcParts(
    byteDigits2(b, at),
    byteDigits2(b, at + 2),
    byteDigits2(b, at + 5),
    byteDigits2(b, at + 8),
    byteDigits2(b, at + 11),
    byteDigits2(b, at + 14),
    byteDigits2(b, at + 17),
  )
}

/** The fields of a `YYYY-MM-DDTHH:MM:SSZ` (two digits each, -1 where not digits) make a valid time. */
function plainUtcParts(
  c: number,
  y: number,
  month: number,
  day: number,
  h: number,
  m: number,
  sec: number,
): boolean {
  if (
    c < 0 ||
    y < 0 ||
    (c | y) === 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    h < 0 ||
    h > 23 ||
    m < 0 ||
    m > 59 ||
    sec < 0 ||
    sec > 59
  ) {
    return false
  }
  return day <= 28 || day <= daysInMonth(c * 100 + y, month)
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * True for an ISO 8601 UTC string of the years 1 to 9999, the range every destination stores (PostgreSQL rejects
 * year 0; `Date.toISOString` writes years outside 0-9999 with a sign and six digits).
 */
export function inYearRange(iso: string): boolean {
  const c = iso.charCodeAt(0)
  return c >= 48 && c <= 57 && iso.charCodeAt(4) === 45 && !iso.startsWith('0000')
}

/**
 * Normalizes a timestamp string to ISO 8601 UTC with `Z`, or returns `undefined` when it is not one or falls
 * outside the years 1 to 9999 (see {@link inYearRange}). `2026-03-02T08:00:00Z` is returned as is; offsets are
 * converted (`2026-03-02T10:00:00+02:00` becomes `2026-03-02T08:00:00.000Z`); naive timestamps and bare dates are
 * taken as UTC. Fractions beyond milliseconds are kept when the value is already UTC, otherwise truncated to
 * milliseconds.
 */
export function normalizeTimestamp(s: string): string | undefined {
  if (isPlainUtcTimestamp(s)) return s
  const iso = parseTimestamp(s)
  return iso !== undefined && inYearRange(iso) ? iso : undefined
}

function parseTimestamp(s: string): string | undefined {
  const m = RE_TS.exec(s)
  if (m === null) return undefined
  const [, date, hm, sec, frac, zone] = m
  if (!validDate(date!.slice(0, 4), date!.slice(5, 7), date!.slice(8, 10))) return undefined
  if (
    hm !== undefined &&
    (Number(hm.slice(0, 2)) > 23 || Number(hm.slice(3, 5)) > 59 || Number(sec ?? 0) > 59)
  ) {
    return undefined
  }
  if (hm === undefined) {
    const ms = Date.parse(`${date}T00:00:00Z`)
    return Number.isNaN(ms) ? undefined : `${date}T00:00:00Z`
  }
  const base = `${date}T${hm}:${sec ?? '00'}`
  if (zone === undefined || zone === 'Z' || zone === 'z') {
    if (Number.isNaN(Date.parse(base + 'Z'))) return undefined
    return frac === undefined ? base + 'Z' : `${base}.${frac}Z`
  }
  const offset =
    zone.length === 3 ? zone + ':00' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone
  const ms = Date.parse(`${base}${frac === undefined ? '' : '.' + frac.slice(0, 3)}${offset}`)
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}

function validDate(y: string, m: string, d: string): boolean {
  const dt = new Date(`${y}-${m}-${d}T00:00:00Z`)
  return !Number.isNaN(dt.getTime()) && dt.getUTCDate() === Number(d)
}

/** A `Date` as ISO 8601 UTC, failing when it is invalid or outside the years 1 to 9999. */
function isoOf(d: Date): CoerceResult {
  if (Number.isNaN(d.getTime())) return FAIL
  const iso = d.toISOString()
  return inYearRange(iso) ? ok(iso) : FAIL
}

function toBigint(value: unknown): CoerceResult {
  switch (typeof value) {
    case 'number':
      if (!Number.isInteger(value) || value < -TWO_POW_63 || value >= TWO_POW_63) return FAIL
      return ok(Number.isSafeInteger(value) ? value : BigInt(value).toString())
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) return FAIL
      return ok(
        value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER
          ? Number(value)
          : value.toString(),
      )
    case 'string': {
      const s = value.trim()
      if (!RE_INTEGER.test(s)) return FAIL
      if (s.length <= 15) return ok(Number(s))
      const b = BigInt(s)
      if (b < INT64_MIN || b > INT64_MAX) return FAIL
      return ok(b >= Number.MIN_SAFE_INTEGER && b <= Number.MAX_SAFE_INTEGER ? Number(b) : b.toString())
    }
    default:
      return FAIL
  }
}

/** Default precision and scale of `decimal` columns, as every destination maps them. */
const DECIMAL_PRECISION = 38
const DECIMAL_SCALE = 9

/**
 * True when the numeric string `s` (digits, an optional fraction and exponent) has at most `maxDigits` digits
 * before the decimal point: what a `decimal(p, s)` column holds is `p - s` of them.
 */
function integerDigitsFit(s: string, maxDigits: number): boolean {
  const e = s.search(/[eE]/)
  const mantissa = (e < 0 ? s : s.slice(0, e)).replace(/^[+-]/, '')
  const exponent = e < 0 ? 0 : Number(s.slice(e + 1))
  const dot = mantissa.indexOf('.')
  const whole = (dot < 0 ? mantissa : mantissa.slice(0, dot)).replace(/^0+/, '')
  if (whole === '') {
    // 0.000123e5: the first significant digit decides
    const fraction = dot < 0 ? '' : mantissa.slice(dot + 1)
    const lead = fraction.search(/[1-9]/)
    return lead < 0 || exponent - lead <= maxDigits
  }
  return whole.length + exponent <= maxDigits
}

function toDecimal(value: unknown, column: ColumnHint | undefined): CoerceResult {
  let s: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return FAIL
    s = String(value)
  } else if (typeof value === 'bigint') s = value.toString()
  else if (typeof value === 'string') {
    s = value.trim()
    if (!RE_NUMBER.test(s)) return FAIL
  } else return FAIL
  const digits = (column?.precision ?? DECIMAL_PRECISION) - (column?.scale ?? DECIMAL_SCALE)
  return integerDigitsFit(s, digits) ? ok(s) : FAIL
}

/**
 * Coerces `value` to `type` and returns it in job-file form (see `NormalizedRow`), or `{ ok: false }` when it does
 * not fit, in which case the normalizer puts it into a variant column. Coercions follow dlt: numbers, booleans and
 * JSON to `text`; integral numbers and integer strings (`"200"`) to `bigint` (outside the safe range as string,
 * outside int64 fails); numbers and numeric strings to `double`; `true`/`false` strings and 0/1 to `bool`;
 * ISO strings, `Date` and Unix seconds to `timestamp` (UTC, `Z`); `YYYY-MM-DD` (or a timestamp's UTC date) to
 * `date`; `HH:MM[:SS[.f]]` to `time`; numbers and numeric strings to `decimal` (as string, failing when it has
 * more digits before the point than the column's precision minus scale, default 38 and 9, leaves); bytes and
 * base64 strings to `binary` (base64); anything to `json`. Types are never widened: `1.5` does not fit `bigint`.
 * Timestamps and dates outside the years 1 to 9999 fail, and so do NaN and ±Infinity. `null`/`undefined` always
 * fail (callers drop them before asking).
 */
export function coerceValue(value: unknown, type: DataType, column?: ColumnHint): CoerceResult {
  if (value === null || value === undefined) return FAIL
  switch (type) {
    case 'text':
      switch (typeof value) {
        case 'string':
          return ok(value)
        case 'number':
        case 'boolean':
        case 'bigint':
          return ok(String(value))
        case 'object':
          if (value instanceof Date) return Number.isNaN(value.getTime()) ? FAIL : ok(value.toISOString())
          if (value instanceof Uint8Array) return ok(bytesToBase64(value))
          return ok(JSON.stringify(value))
        default:
          return FAIL
      }
    case 'bigint':
      return toBigint(value)
    case 'double':
      if (typeof value === 'number') return Number.isFinite(value) ? ok(value) : FAIL
      if (typeof value === 'bigint') return ok(Number(value))
      if (typeof value === 'string') {
        const s = value.trim()
        return RE_NUMBER.test(s) ? ok(Number(s)) : FAIL
      }
      return FAIL
    case 'decimal':
      return toDecimal(value, column)
    case 'bool':
      if (typeof value === 'boolean') return ok(value)
      if (typeof value === 'string') {
        const s = value.trim().toLowerCase()
        return s === 'true' ? ok(true) : s === 'false' ? ok(false) : FAIL
      }
      if (value === 0 || value === 1) return ok(value === 1)
      return FAIL
    case 'timestamp': {
      if (typeof value === 'string') {
        const ts = normalizeTimestamp(value.trim())
        return ts === undefined ? FAIL : ok(ts)
      }
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) return FAIL
        return isoOf(new Date(value * 1000))
      }
      if (value instanceof Date) return isoOf(value)
      return FAIL
    }
    case 'date': {
      if (value instanceof Date) {
        const r = isoOf(value)
        return r.ok ? ok((r.value as string).slice(0, 10)) : FAIL
      }
      if (typeof value !== 'string') return FAIL
      const s = value.trim()
      const m = RE_DATE.exec(s)
      if (m !== null) return m[1] !== '0000' && validDate(m[1]!, m[2]!, m[3]!) ? ok(s) : FAIL
      const ts = normalizeTimestamp(s)
      return ts === undefined ? FAIL : ok(ts.slice(0, 10))
    }
    case 'time': {
      if (typeof value !== 'string') return FAIL
      const m = RE_TIME.exec(value.trim())
      if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return FAIL
      return ok(`${m[1]}:${m[2]}:${m[3] ?? '00'}${m[4] ?? ''}`)
    }
    case 'binary':
      if (value instanceof Uint8Array) return ok(bytesToBase64(value))
      if (value instanceof ArrayBuffer) return ok(bytesToBase64(new Uint8Array(value)))
      if (typeof value === 'string' && value.length > 0 && RE_BASE64.test(value)) return ok(value)
      return FAIL
    case 'json':
      return ok(value)
    default:
      return FAIL
  }
}
