import { describe, expect, it } from 'vitest'
import { isoTimestamptz } from './postgres-client.ts'

describe('isoTimestamptz', () => {
  it('turns PostgreSQL timestamptz text into ISO 8601, keeping microseconds', () => {
    expect(isoTimestamptz('2024-01-02 03:04:05.123456+00')).toBe('2024-01-02T03:04:05.123456Z')
    expect(isoTimestamptz('2024-01-02 03:04:05+00:00')).toBe('2024-01-02T03:04:05Z')
    expect(isoTimestamptz('2024-01-02 05:04:05+02')).toBe('2024-01-02T05:04:05+02:00')
    expect(isoTimestamptz('2024-01-02 08:34:05+05:30')).toBe('2024-01-02T08:34:05+05:30')
    expect(isoTimestamptz('infinity')).toBe('infinity')
  })
})
