import type { DataType } from './schema-types.ts'

const TWO_POW_63 = 2 ** 63
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const RE_ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)$/

/**
 * True for an ISO 8601 timestamp string with a date, a time and a zone (`Z` or an offset), e.g.
 * `2026-03-02T08:00:00Z` or `2026-03-02 10:00:00.5+02:00`. Naive timestamps, bare dates and the year 0 (which no
 * destination stores as such) are not matched.
 */
export function isIsoTimestamp(value: string): boolean {
  if (value.length < 17 || value.length > 40 || !RE_ISO_TIMESTAMP.test(value) || value.startsWith('0000'))
    return false
  const d = value.slice(8, 10)
  const day = new Date(`${value.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(day.getTime()) || day.getUTCDate() !== Number(d)) return false
  if (Number(value.slice(11, 13)) > 23 || Number(value.slice(14, 16)) > 59) return false
  return !Number.isNaN(parseTs(value))
}

function parseTs(value: string): number {
  return Date.parse(value.charCodeAt(10) === 32 ? value.slice(0, 10) + 'T' + value.slice(11) : value)
}

/**
 * Infers the data type of one JSON value, like dlt with its default detections: strings that are ISO timestamps
 * with a zone become `timestamp` (dlt's `iso_timestamp` detection, on by default), other strings `text` (bare
 * dates such as `2026-03-02` stay `text`, as dlt's `iso_date` detection is off by default: hint `date` to get
 * dates); integers within int64 `bigint`, other numbers (1e20 too: JSON numbers are doubles) `double`, booleans
 * `bool`, JS `bigint` within int64 `bigint` and beyond it `decimal`, `Date` `timestamp`,
 * `Uint8Array`/`ArrayBuffer` `binary`, objects and arrays `json` (the normalizer flattens or unnests them before
 * asking). `null` and `undefined` have no type: returns `undefined`.
 */
export function inferDataType(value: unknown): DataType | undefined {
  switch (typeof value) {
    case 'string':
      return isIsoTimestamp(value) ? 'timestamp' : 'text'
    case 'number':
      return Number.isInteger(value) && value >= -TWO_POW_63 && value < TWO_POW_63 ? 'bigint' : 'double'
    case 'boolean':
      return 'bool'
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? 'bigint' : 'decimal'
    case 'object':
      if (value === null) return undefined
      if (value instanceof Date) return 'timestamp'
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) return 'binary'
      return 'json'
    default:
      return undefined
  }
}
