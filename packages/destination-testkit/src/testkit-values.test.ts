import { describe, expect, it } from 'vitest'
import { canonical } from './testkit-values.ts'

describe('canonical', () => {
  it('makes driver representations of the same value equal', () => {
    expect(canonical('timestamp', new Date('2024-01-02T03:04:05.123Z'))).toBe('2024-01-02T03:04:05.123Z')
    expect(canonical('timestamp', '2024-01-02 03:04:05.123+00')).toBe('2024-01-02T03:04:05.123Z')
    expect(canonical('bigint', 9007199254740993n)).toBe('9007199254740993')
    expect(canonical('bigint', 5)).toBe('5')
    expect(canonical('decimal', '1.500000000')).toBe('1.5')
    expect(canonical('time', 36672500000n)).toBe('10:11:12.5')
    expect(canonical('binary', new Uint8Array([104, 105]))).toBe('aGk=')
    expect(canonical('binary', '\\x6869')).toBe('aGk=')
    expect(canonical('json', '{"b":1,"a":[2]}')).toBe(canonical('json', { a: [2], b: 1 }))
    expect(canonical('date', new Date('2024-02-29T00:00:00Z'))).toBe('2024-02-29')
    expect(canonical('text', null)).toBeNull()
  })
  it('keeps different values different', () => {
    expect(canonical('decimal', '1.5')).not.toBe(canonical('decimal', '1.05'))
    expect(canonical('timestamp', '2024-01-02T03:04:05.123Z')).not.toBe(
      canonical('timestamp', '2024-01-02T03:04:05Z'),
    )
  })
})
