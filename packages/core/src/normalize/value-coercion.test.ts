import { describe, expect, it } from 'vitest'
import type { DataType } from '../schema/schema-types.ts'
import { bytesToBase64, coerceValue, isPlainUtcTimestamp, normalizeTimestamp } from './value-coercion.ts'

const ok = (value: unknown) => ({ ok: true, value })
const fail = { ok: false }

describe('coerceValue', () => {
  const cases: [unknown, DataType, unknown][] = [
    // text
    ['a', 'text', ok('a')],
    [12, 'text', ok('12')],
    [1.5, 'text', ok('1.5')],
    [true, 'text', ok('true')],
    [{ a: 1 }, 'text', ok('{"a":1}')],
    // bigint
    [200, 'bigint', ok(200)],
    ['200', 'bigint', ok(200)],
    [' -7 ', 'bigint', ok(-7)],
    ['9223372036854775807', 'bigint', ok('9223372036854775807')],
    ['9223372036854775808', 'bigint', fail],
    [2 ** 60, 'bigint', ok('1152921504606846976')],
    [12n, 'bigint', ok(12)],
    [1.5, 'bigint', fail],
    ['idx-1', 'bigint', fail],
    [true, 'bigint', fail],
    // double
    [1.5, 'double', ok(1.5)],
    [3, 'double', ok(3)],
    ['1e3', 'double', ok(1000)],
    ['abc', 'double', fail],
    [false, 'double', fail],
    // bool
    [true, 'bool', ok(true)],
    ['TRUE', 'bool', ok(true)],
    ['false', 'bool', ok(false)],
    [1, 'bool', ok(true)],
    [0, 'bool', ok(false)],
    [2, 'bool', fail],
    ['yes', 'bool', fail],
    // timestamp
    ['2026-03-02T08:00:00Z', 'timestamp', ok('2026-03-02T08:00:00Z')],
    ['2026-03-02T10:00:00+02:00', 'timestamp', ok('2026-03-02T08:00:00.000Z')],
    ['2026-03-02T10:00:00+0200', 'timestamp', ok('2026-03-02T08:00:00.000Z')],
    ['2026-03-02 08:00:00', 'timestamp', ok('2026-03-02T08:00:00Z')],
    ['2026-03-02T08:00:00.123456Z', 'timestamp', ok('2026-03-02T08:00:00.123456Z')],
    ['2026-03-02', 'timestamp', ok('2026-03-02T00:00:00Z')],
    [0, 'timestamp', ok('1970-01-01T00:00:00.000Z')],
    [new Date('2026-03-02T08:00:00Z'), 'timestamp', ok('2026-03-02T08:00:00.000Z')],
    ['not a date', 'timestamp', fail],
    [true, 'timestamp', fail],
    // date
    ['2026-03-02', 'date', ok('2026-03-02')],
    ['2026-02-30', 'date', fail],
    ['2026-03-02T23:30:00-02:00', 'date', ok('2026-03-03')],
    [5, 'date', fail],
    // time
    ['08:00', 'time', ok('08:00:00')],
    ['08:00:01.5', 'time', ok('08:00:01.5')],
    ['25:00', 'time', fail],
    // decimal
    [1.25, 'decimal', ok('1.25')],
    ['10.500', 'decimal', ok('10.500')],
    ['x', 'decimal', fail],
    // json
    [{ a: [1] }, 'json', ok({ a: [1] })],
    ['s', 'json', ok('s')],
    // binary
    [new Uint8Array([1, 2, 3, 4]), 'binary', ok('AQIDBA==')],
    ['AQIDBA==', 'binary', ok('AQIDBA==')],
    ['not base64!', 'binary', fail],
    // beyond int64 (JSON numbers of 1e20 or 2^63 and more), the years 1-9999, a decimal's precision
    [1e20, 'bigint', fail],
    [2 ** 63, 'bigint', fail],
    [-(2 ** 63), 'bigint', ok('-9223372036854775808')],
    [2 ** 63 - 1024, 'bigint', ok('9223372036854774784')],
    ['0000-01-01T00:00:00Z', 'timestamp', fail],
    ['0001-01-01T00:30:00+01:00', 'timestamp', fail],
    ['0001-01-01T00:00:00Z', 'timestamp', ok('0001-01-01T00:00:00Z')],
    ['9999-12-31T23:59:59.999999Z', 'timestamp', ok('9999-12-31T23:59:59.999999Z')],
    ['9999-12-31T23:00:00-02:00', 'timestamp', fail],
    [-62135596800, 'timestamp', ok('0001-01-01T00:00:00.000Z')],
    [-62135596801, 'timestamp', fail],
    [1e12, 'timestamp', fail],
    [-1, 'timestamp', ok('1969-12-31T23:59:59.000Z')],
    ['0000-01-01', 'date', fail],
    [new Date(Date.UTC(-1, 0, 1)), 'date', fail],
    ['123456789012345678901234567890', 'decimal', fail],
    ['12345678901234567890123456789.5', 'decimal', ok('12345678901234567890123456789.5')],
    ['1e28', 'decimal', ok('1e28')],
    ['1e29', 'decimal', fail],
    ['0.000001e30', 'decimal', ok('0.000001e30')],
    [1e40, 'decimal', fail],
    [10n ** 29n, 'decimal', fail],
    [Number.NaN, 'double', fail],
    [Number.POSITIVE_INFINITY, 'double', fail],
  ]
  it.each(cases)('#%# %s as %s', (value, type, expected) => {
    expect(coerceValue(value, type)).toEqual(expected)
  })

  it('checks decimals against the column precision and scale', () => {
    expect(coerceValue('123456.78', 'decimal', { precision: 8, scale: 2 })).toEqual(ok('123456.78'))
    expect(coerceValue('1234567.8', 'decimal', { precision: 8, scale: 2 })).toEqual(fail)
  })

  it('never accepts null', () => {
    expect(coerceValue(null, 'json')).toEqual(fail)
    expect(coerceValue(undefined, 'text')).toEqual(fail)
  })

  it('normalizes timestamps and encodes base64', () => {
    expect(normalizeTimestamp('2026-03-02T08:00:00z')).toBe('2026-03-02T08:00:00Z')
    expect(normalizeTimestamp('yesterday')).toBeUndefined()
    expect(bytesToBase64(new Uint8Array([255, 254]))).toBe('//4=')
  })
})

describe('timestamp validation', () => {
  it.each([
    ['2026-03-02T08:00:00Z', true],
    ['2024-02-29T08:00:00Z', true],
    ['2026-02-29T08:00:00Z', false],
    ['2026-02-30T08:00:00Z', false],
    ['2000-02-29T08:00:00Z', true],
    ['1900-02-29T08:00:00Z', false],
    ['2026-04-30T08:00:00Z', true],
    ['2026-04-31T08:00:00Z', false],
    ['2026-12-31T23:59:59Z', true],
    ['2026-11-31T08:00:00Z', false],
    ['2026-01-32T08:00:00Z', false],
    ['2026-13-02T08:00:00Z', false],
    ['2026-03-02T24:00:00Z', false],
    ['2026-03-02T08:60:00Z', false],
    ['2026-0a-02T08:00:00Z', false],
    ['2026-03-02 08:00:00Z', false],
    ['0000-01-01T00:00:00Z', false],
    ['0001-01-01T00:00:00Z', true],
  ])('%s plain UTC: %s', (s, valid) => {
    expect(isPlainUtcTimestamp(s)).toBe(valid)
  })

  it('rejects impossible dates in any form', () => {
    expect(coerceValue('2026-02-30T08:00:00Z', 'timestamp')).toEqual(fail)
    expect(coerceValue('2026-02-30T08:00:00+02:00', 'timestamp')).toEqual(fail)
    expect(coerceValue('2026-02-30', 'timestamp')).toEqual(fail)
    expect(coerceValue('2026-03-02T25:00', 'timestamp')).toEqual(fail)
  })
})
