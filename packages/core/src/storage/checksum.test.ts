import { describe, expect, it } from 'vitest'
import { checksumLike, createChecksum, createCrc32 } from './checksum.ts'

const enc = new TextEncoder()

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7 + 13) & 255
  return out
}

function digestOf(...chunks: Uint8Array[]): string {
  const c = createChecksum()
  for (const chunk of chunks) c.update(chunk)
  return c.digest()
}

describe('createChecksum (XXH32, seed 0)', () => {
  // reference values from the xxHash library (libxxhash 0.8.1, XXH32(data, len, 0))
  it.each([
    ['', '02cc5d05'],
    ['a', '550d7456'],
    ['abc', '32d153ff'],
    ['0123456789abcdef', 'c2c45b69'],
    ['Nobody inspects the spammish repetition', 'e2293b2f'],
  ])('%j -> %s', (text, hex) => {
    expect(digestOf(enc.encode(text))).toBe(`xxh32:${hex}`)
  })

  it('gives the same checksum however the bytes are split, from any offset of a buffer', () => {
    const data = pattern(1000)
    expect(digestOf(data)).toBe('xxh32:62bda8c6')
    for (const size of [1, 3, 7, 15, 16, 17, 64, 999]) {
      const chunks: Uint8Array[] = []
      for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size))
      expect(digestOf(...chunks), `chunks of ${size}`).toBe('xxh32:62bda8c6')
    }
    const shifted = new Uint8Array(1003)
    shifted.set(data, 3)
    expect(digestOf(shifted.subarray(3))).toBe('xxh32:62bda8c6')
  })

  it('tells a file from the same file with a line cut off or a byte changed', () => {
    const text = enc.encode('{"id":1}\n{"id":2}\n{"id":3}\n')
    const whole = digestOf(text)
    expect(digestOf(text.subarray(0, text.length - 9))).not.toBe(whole)
    const changed = text.slice()
    changed[6] = 0x32
    expect(digestOf(changed)).not.toBe(whole)
  })
})

describe('createCrc32 (CRC-32, ISO-HDLC)', () => {
  const crc = (...chunks: Uint8Array[]): string => {
    const c = createCrc32()
    for (const chunk of chunks) c.update(chunk)
    return c.digest()
  }

  // reference values of zlib's crc32
  it.each([
    ['', '00000000'],
    ['a', 'e8b7be43'],
    ['hello', '3610a686'],
    ['The quick brown fox jumps over the lazy dog', '414fa339'],
  ])('%j -> %s', (text, hex) => {
    expect(crc(enc.encode(text))).toBe(`crc32:${hex}`)
  })

  it('gives the same checksum however the bytes are split', () => {
    const data = pattern(1000)
    const whole = crc(data)
    for (const size of [1, 3, 16, 999]) {
      const chunks: Uint8Array[] = []
      for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size))
      expect(crc(...chunks), `chunks of ${size}`).toBe(whole)
    }
    const changed = data.slice()
    changed[500] = changed[500]! ^ 1
    expect(crc(changed)).not.toBe(whole)
  })

  it("checksumLike picks the algorithm a recorded checksum names, the runtime's CRC-32 where given", () => {
    const data = enc.encode('hello')
    const of = (recorded: string, runtime?: () => ReturnType<typeof createCrc32>) => {
      const c = checksumLike(recorded, runtime)
      c?.update(data)
      return c?.digest()
    }
    expect(of('xxh32:00000000')).toBe(digestOf(data))
    expect(of('crc32:00000000')).toBe('crc32:3610a686')
    let used = 0
    const runtime = () => {
      used++
      return createCrc32()
    }
    expect(of('crc32:00000000', runtime)).toBe('crc32:3610a686')
    expect(used).toBe(1)
    expect(of('sha1:00')).toBeUndefined()
  })
})
