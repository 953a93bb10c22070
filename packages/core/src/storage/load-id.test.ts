import { describe, expect, it } from 'vitest'
import { compareLoadIdNumbers, newLoadId } from './load-id.ts'

describe('newLoadId', () => {
  it('is Unix seconds with 6 fractional digits, near now', () => {
    const id = newLoadId()
    expect(id).toMatch(/^\d{10}\.\d{6}$/)
    expect(Math.abs(Number(id) - Date.now() / 1000)).toBeLessThan(5)
  })
  it('strictly increases across fast calls', () => {
    const ids = Array.from({ length: 1000 }, () => newLoadId())
    for (let i = 1; i < ids.length; i++) expect(compareLoadIdNumbers(ids[i]!, ids[i - 1]!)).toBeGreaterThan(0)
    expect([...ids].sort()).toEqual(ids)
  })
  it('is bumped above a previous id from the future', () => {
    const future = String(Math.floor(Date.now() / 1000) + 3600) + '.500000'
    const id = newLoadId(future)
    expect(Number(id)).toBeGreaterThan(Number(future))
    expect(id).toBe((Number(future) + 0.000001).toFixed(6))
  })
})
