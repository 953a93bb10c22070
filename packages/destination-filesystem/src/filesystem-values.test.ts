import { describe, expect, it } from 'vitest'
import { dateDays, decimalBytes, decimalUnscaled, timeMicros, timestampMicros } from './filesystem-values.ts'

describe('value conversions for parquet', () => {
  it('timestamps keep microseconds and honour offsets', () => {
    expect(timestampMicros('1970-01-01T00:00:00Z')).toBe(0n)
    expect(timestampMicros('2024-03-01T12:34:56.123456Z')).toBe(1709296496123456n)
    expect(timestampMicros('2024-03-01T13:34:56.123456+01:00')).toBe(1709296496123456n)
    expect(timestampMicros('2024-03-01 12:34:56+0000')).toBe(1709296496000000n)
    expect(timestampMicros('1969-12-31T23:59:59.5Z')).toBe(-500000n)
    expect(() => timestampMicros('yesterday')).toThrow(/not a timestamp/)
  })
  it('dates and times', () => {
    expect(dateDays('1970-01-02')).toBe(1)
    expect(dateDays('1969-12-31')).toBe(-1)
    expect(timeMicros('00:00:01.25')).toBe(1_250_000n)
    expect(timeMicros('23:59:59')).toBe(86_399_000_000n)
  })
  it('decimals to unscaled integers, exactly, rounding half away from zero', () => {
    expect(decimalUnscaled('12345678901234567890.123456789', 9)).toBe(12345678901234567890123456789n)
    expect(decimalUnscaled('-0.001', 3)).toBe(-1n)
    expect(decimalUnscaled('1.005', 2)).toBe(101n)
    expect(decimalUnscaled('-1.005', 2)).toBe(-101n)
    expect(decimalUnscaled('1.5e3', 1)).toBe(15000n)
    expect(decimalUnscaled(2.5, 0)).toBe(3n)
    expect(() => decimalUnscaled('abc', 2)).toThrow(/not a decimal/)
  })
  it('decimal byte widths', () => {
    expect(decimalBytes(9)).toBe(4)
    expect(decimalBytes(18)).toBe(8)
    expect(decimalBytes(38)).toBe(16)
  })
})

describe('timestamp fast path', () => {
  it('agrees with the general parser', () => {
    for (const v of [
      '2024-03-01T12:34:56Z',
      '2024-03-01T12:34:56.1Z',
      '2024-03-01T12:34:56.123456Z',
      '2024-03-01T12:34:56.123456789Z',
      '1969-12-31T23:59:59.5Z',
      '1900-01-01T00:00:00Z',
    ]) {
      const general =
        BigInt(Date.parse(v.replace(/\.\d+Z$/, 'Z'))) * 1000n +
        BigInt((/\.(\d+)Z$/.exec(v)?.[1] ?? '').padEnd(6, '0').slice(0, 6))
      expect(timestampMicros(v)).toBe(general)
    }
    expect(timestampMicros('0099-01-01T00:00:00Z')).toBe(BigInt(Date.parse('0099-01-01T00:00:00Z')) * 1000n)
  })
})
