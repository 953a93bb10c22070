import type { Column } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** Default decimal precision and scale (as in dlt). */
export const DECIMAL_DEFAULT: { precision: number; scale: number } = { precision: 38, scale: 9 }

const TS =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** `YYYY-MM-DDTHH:MM:SS[.f]Z` (what job files hold) without a regex; `undefined` for anything else. */
function fastUtcMicros(v: string): bigint | undefined {
  const n = v.length
  if (n < 20 || v.charCodeAt(n - 1) !== 90 || v.charCodeAt(10) !== 84 || v.charCodeAt(4) !== 45)
    return undefined
  const year = Number(v.slice(0, 4))
  if (!(year >= 1000 && year <= 2200)) return undefined
  const ms = Date.UTC(
    year,
    Number(v.slice(5, 7)) - 1,
    Number(v.slice(8, 10)),
    Number(v.slice(11, 13)),
    Number(v.slice(14, 16)),
    Number(v.slice(17, 19)),
  )
  let frac = 0
  if (n > 20) {
    if (v.charCodeAt(19) !== 46 || n > 30) return undefined
    frac = Number(`${v.slice(20, n - 1)}000000`.slice(0, 6))
  }
  if (!Number.isFinite(ms) || !Number.isInteger(frac)) return undefined
  return BigInt(ms * 1000 + frac)
}

/** Microseconds since the epoch (UTC) of an ISO 8601 timestamp; keeps microsecond precision. */
export function timestampMicros(value: string): bigint {
  const fast = fastUtcMicros(value)
  if (fast !== undefined) return fast
  const m = TS.exec(value)
  if (m) {
    const [, date, hh = '00', mi = '00', ss = '00', frac = '', tz = 'Z'] = m
    let zone = tz.toUpperCase()
    if (zone !== 'Z' && zone.length === 3) zone += ':00'
    else if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`
    const ms = Date.parse(`${date}T${hh}:${mi}:${ss}${zone}`)
    if (!Number.isNaN(ms)) return BigInt(ms) * 1000n + BigInt(frac.padEnd(6, '0').slice(0, 6))
  }
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${JSON.stringify(value)}`)
  return BigInt(ms) * 1000n
}

/** Days since 1970-01-01 of `YYYY-MM-DD` (or the date part of a timestamp). */
export function dateDays(value: string): number {
  const ms = Date.parse(`${value.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(ms)) throw new Error(`not a date: ${JSON.stringify(value)}`)
  return Math.floor(ms / 86_400_000)
}

/** Microseconds since midnight of `HH:MM[:SS[.ffffff]]`. */
export function timeMicros(value: string): bigint {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(value)
  if (!m) throw new Error(`not a time: ${JSON.stringify(value)}`)
  const [, h = '0', mi = '0', s = '0', frac = ''] = m
  return (
    (BigInt(h) * 3600n + BigInt(mi) * 60n + BigInt(s)) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6))
  )
}

/**
 * The unscaled integer of a decimal string at `scale` (`"12.345"` at scale 2 → `1235n`), rounded half away
 * from zero like PostgreSQL's numeric. Accepts an exponent (`1.5e3`) and numbers.
 */
export function decimalUnscaled(value: string | number, scale: number): bigint {
  const text = typeof value === 'number' ? numberText(value) : value.trim()
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text)
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal: ${JSON.stringify(value)}`)
  const [, sign, int = '', frac = '', exp = '0'] = m
  let digits = int + frac
  const point = int.length + Number(exp)
  // shift to `scale` fractional digits
  const wanted = point + scale
  if (wanted < 0) return 0n
  let roundUp = false
  if (digits.length > wanted) {
    roundUp = (digits.charCodeAt(wanted) ?? 48) >= 53
    digits = digits.slice(0, wanted)
  } else digits = digits.padEnd(wanted, '0')
  let n = BigInt(digits === '' ? '0' : digits)
  if (roundUp) n += 1n
  return sign === '-' ? -n : n
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a decimal: ${n}`)
  return String(n)
}

/** Bytes a two's-complement integer of `precision` decimal digits needs. */
export function decimalBytes(precision: number): number {
  const max = 10n ** BigInt(precision)
  let n = 1
  while (1n << BigInt(8 * n - 1) <= max) n++
  return n
}

/** Decodes base64 (standard or url-safe). */
export function base64Bytes(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'))
}

/** A CSV field for a value of `column` (no quoting). `null`/`undefined` → `undefined`. */
export function csvText(value: unknown, column: Column): string | undefined {
  if (value === null || value === undefined) return undefined
  if (column.dataType === 'json') return JSON.stringify(value)
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** A job-file value turned into what the parquet writer expects for `column`. */
export function parquetValue(value: unknown, column: Column): unknown {
  if (value === null || value === undefined) return null
  switch (column.dataType) {
    case 'text':
      return typeof value === 'string'
        ? value
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value)
    case 'bigint':
      if (typeof value === 'bigint') return value
      if (typeof value === 'number' && !Number.isInteger(value)) throw new Error(`not an integer: ${value}`)
      return BigInt(value as string | number)
    case 'double':
      return typeof value === 'number' ? value : Number(value)
    case 'bool':
      return typeof value === 'boolean' ? value : value === 'true' || value === 1
    case 'timestamp':
      return typeof value === 'number'
        ? BigInt(Math.round(value * 1000)) * 1000n
        : timestampMicros(String(value))
    case 'date':
      return dateDays(String(value))
    case 'time':
      return timeMicros(String(value))
    case 'decimal': {
      const precision = column.precision ?? DECIMAL_DEFAULT.precision
      if (precision > 38) return String(value)
      const scale = column.scale ?? DECIMAL_DEFAULT.scale
      const n = decimalUnscaled(value as string | number, scale)
      const limit = 10n ** BigInt(precision)
      if (n >= limit || n <= -limit) {
        throw new Error(`${JSON.stringify(value)} does not fit decimal(${precision},${scale})`)
      }
      return n
    }
    case 'json':
      return JSON.stringify(value)
    case 'binary':
      return typeof value === 'string' ? base64Bytes(value) : value
  }
}

/** Wraps a conversion failure with the row and column it happened in. */
export function valueError(
  error: unknown,
  table: string,
  column: string,
  line: number,
  file: string,
): SluiceError {
  return new SluiceError(
    'FILESYSTEM_BAD_VALUE',
    `[filesystem] table ${table}, column ${column}, line ${line} of ${file}: ${(error as Error).message}`,
    {
      cause: error,
      hint: 'the job file does not match the table schema; this is a bug in the producer, please report it',
    },
  )
}
