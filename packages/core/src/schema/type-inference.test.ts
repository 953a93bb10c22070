import { describe, expect, it } from 'vitest'
import { inferDataType, isIsoTimestamp } from './type-inference.ts'

describe('inferDataType', () => {
  it.each([
    ['2026-03-02T08:00:00Z', 'timestamp'],
    ['2026-03-02T10:00:00+02:00', 'timestamp'],
    ['2026-03-02T10:00:00.123456-0500', 'timestamp'],
    ['2026-03-02 10:00:00Z', 'timestamp'],
    ['2026-03-02', 'text'],
    ['2026-03-02T10:00:00', 'text'],
    ['08:00:00', 'text'],
    ['hello', 'text'],
    ['', 'text'],
    ['2026-13-45T10:00:00Z', 'text'],
    ['0000-01-01T00:00:00Z', 'text'],
  ])('%j -> %s', (v, t) => {
    expect(inferDataType(v)).toBe(t)
  })

  it('maps JS values', () => {
    expect(inferDataType(1)).toBe('bigint')
    expect(inferDataType(-(2 ** 60))).toBe('bigint')
    expect(inferDataType(1.5)).toBe('double')
    expect(inferDataType(true)).toBe('bool')
    expect(inferDataType(12n)).toBe('bigint')
    // beyond int64: a double (what JSON.parse gives), a JS bigint a decimal
    expect(inferDataType(1e20)).toBe('double')
    expect(inferDataType(2 ** 63)).toBe('double')
    expect(inferDataType(-(2 ** 63))).toBe('bigint')
    expect(inferDataType(2n ** 63n)).toBe('decimal')
    expect(inferDataType(new Date())).toBe('timestamp')
    expect(inferDataType(new Uint8Array([1]))).toBe('binary')
    expect(inferDataType({ a: 1 })).toBe('json')
    expect(inferDataType([1])).toBe('json')
    expect(inferDataType(null)).toBeUndefined()
    expect(inferDataType(undefined)).toBeUndefined()
  })

  it('detects only zoned timestamps', () => {
    expect(isIsoTimestamp('2026-03-02T08:00Z')).toBe(true)
    expect(isIsoTimestamp('2026-03-02T08:00')).toBe(false)
  })
})

describe('impossible dates', () => {
  it('are not timestamps', () => {
    expect(inferDataType('2026-02-30T08:00:00Z')).toBe('text')
    expect(inferDataType('2024-02-29T08:00:00Z')).toBe('timestamp')
  })
})
