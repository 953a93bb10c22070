import { describe, expect, it } from 'vitest'
import { IdSet } from './clockodo-id-set.ts'

describe('IdSet', () => {
  it('answers like a Set for integer ids of every size, through many growths', () => {
    const ids = new IdSet()
    const reference = new Set<number>()
    let seed = 17
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed
    }
    const pick = (): number => {
      const r = next() % 6
      if (r === 0) return next() % 5000
      if (r === 1) return -(next() % 5000)
      if (r === 2) return next() * 4294967296 + next()
      if (r === 3) return 2 ** 53 - (next() % 100)
      if (r === 4) return 4294967296 + (next() % 1000)
      return next()
    }
    const wrong: string[] = []
    for (let i = 0; i < 100_000; i++) {
      const id = pick()
      if (ids.add(id) !== !reference.has(id)) wrong.push(`add ${id}`)
      reference.add(id)
      const probe = pick()
      if (ids.has(probe) !== reference.has(probe)) wrong.push(`has ${probe}`)
    }
    expect(wrong).toEqual([])
    expect([...reference].filter((id) => !ids.has(id))).toEqual([])
  })

  it('keeps ids that are not integers apart, and 0 and -0 together, as a Set does', () => {
    const ids = new IdSet()
    for (const id of ['7', 7.5, Number.NaN, null, 7]) expect(ids.add(id)).toBe(true)
    for (const id of ['7', 7.5, Number.NaN, null, 7]) expect(ids.add(id)).toBe(false)
    expect(ids.has(7)).toBe(true)
    expect(ids.has('8')).toBe(false)
    expect(ids.add(0)).toBe(true)
    expect(ids.add(-0)).toBe(false)
    expect(ids.has(8)).toBe(false)
    // the largest id the table keeps, and the first one past it (its empty-slot mark)
    for (const id of [0xfffffffe, 0xffffffff])
      expect([ids.has(id), ids.add(id), ids.add(id), ids.has(id)]).toEqual([false, true, false, true])
  })
})
