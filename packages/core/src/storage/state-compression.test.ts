import { describe, expect, it } from 'vitest'
import { compressState, decompressState, sha256Hex } from './state-compression.ts'

describe('state compression', () => {
  it('round-trips through base64 of gzip', async () => {
    const state = {
      sources: { s: { resources: { r: { last: '2024-01-01T00:00:00Z', n: [1, 2, 3], u: 'äß😀' } } } },
    }
    const packed = await compressState(state)
    expect(packed).toMatch(/^[A-Za-z0-9+/]+=*$/)
    const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0))
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b])
    expect(await decompressState(packed)).toEqual(state)
  })
  it('compresses large repetitive state', async () => {
    const state = { hashes: Array.from({ length: 5000 }, () => 'abcdefghij') }
    expect((await compressState(state)).length).toBeLessThan(JSON.stringify(state).length / 10)
  })
  it('rejects text that is not compressed state', async () => {
    await expect(decompressState(btoa('not gzip'))).rejects.toThrow()
  })
  it('hashes with sha-256', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})
