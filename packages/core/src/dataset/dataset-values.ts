// Values in and out of a dataset: parameters typed from the schema before they are bound, and result values as
// the dataset API documents them (a bigint that fits a JS number becomes a number).
import { SluiceError } from '../errors.ts'
import type { Column } from '../schema/schema-types.ts'

function invalid(column: Column, value: unknown, expected: string): SluiceError {
  return new SluiceError(
    'QUERY_INVALID',
    `${JSON.stringify(typeof value === 'bigint' ? String(value) : value)} does not fit column "${column.name}" (${column.dataType})`,
    { hint: `compare it with ${expected}` },
  )
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * A value to compare with `column`, as the JS type a reader binds for the column's type: `bigint` a number (a
 * bigint beyond 2^53), `double` a number, `bool` a boolean, `timestamp` a Date (from a Date, an ISO string or epoch
 * milliseconds), `date` a `YYYY-MM-DD` string, `decimal` a string, `json` its JSON text, `binary` a Uint8Array,
 * others a string. Throws `QUERY_INVALID` for a value that cannot be one.
 */
export function paramFor(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (column.dataType) {
    case 'bigint': {
      if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? BigInt(value.trim()) : value
      if (typeof n === 'bigint') return Number.isSafeInteger(Number(n)) ? Number(n) : n
      if (typeof n === 'number' && Number.isInteger(n)) return n
      throw invalid(column, value, 'a whole number')
    }
    case 'double': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      if (typeof n === 'number' && !Number.isNaN(n)) return n
      if (typeof n === 'bigint') return Number(n)
      throw invalid(column, value, 'a number')
    }
    case 'bool':
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === 'false') return value === 'true'
      throw invalid(column, value, 'true or false')
    case 'timestamp': {
      const d =
        value instanceof Date
          ? value
          : typeof value === 'string' || typeof value === 'number'
            ? new Date(value)
            : undefined
      if (d && !Number.isNaN(d.getTime())) return d
      throw invalid(column, value, 'a Date, an ISO timestamp or epoch milliseconds')
    }
    case 'date': {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10)
      if (typeof value === 'string' && DATE.test(value)) return value
      throw invalid(column, value, 'a YYYY-MM-DD date')
    }
    case 'decimal':
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string')
        return String(value)
      throw invalid(column, value, 'a number or a decimal string')
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value)
    case 'binary':
      if (value instanceof Uint8Array) return value
      throw invalid(column, value, 'a Uint8Array')
    default:
      if (typeof value === 'object' && !(value instanceof Date)) throw invalid(column, value, 'a string')
      return value instanceof Date ? value.toISOString() : String(value)
  }
}

/** A result value as the dataset returns it: a bigint that is a safe integer becomes a number. */
export function resultValue(value: unknown): unknown {
  if (
    typeof value === 'bigint' &&
    value <= BigInt(Number.MAX_SAFE_INTEGER) &&
    value >= BigInt(Number.MIN_SAFE_INTEGER)
  )
    return Number(value)
  return value
}

/** A result row (a tuple) with {@link resultValue} applied to each value. */
export function resultTuple(row: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(row.length)
  for (let i = 0; i < row.length; i++) out[i] = resultValue(row[i])
  return out
}
