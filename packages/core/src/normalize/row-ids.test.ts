import { describe, expect, it } from 'vitest'
import { createRandomIds, digestId } from './row-ids.ts'

describe('row ids', () => {
  it('random ids are 16 base64url characters and do not repeat across batches', () => {
    const next = createRandomIds()
    const seen = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const id = next()
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/)
      seen.add(id)
    }
    expect(seen.size).toBe(10_000)
  })

  it('digest ids are deterministic and spread over similar inputs', () => {
    expect(digestId('parent_items__tags_0')).toBe(digestId('parent_items__tags_0'))
    expect(digestId('a')).not.toBe(digestId('b'))
    const seen = new Set<string>()
    for (let i = 0; i < 100_000; i++) seen.add(digestId(`parent${i % 100}_t__items_${i}`))
    expect(seen.size).toBe(100_000)
  })
})
