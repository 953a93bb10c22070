import { describe, expect, it } from 'vitest'
import type { ResourceState } from '../storage/package-types.ts'
import { compareCursorValues, incremental, shiftCursorValue } from './incremental-cursor.ts'

type R = { id: number; t: string }
const row = (id: number, t: string): R => ({ id, t })

describe('incremental', () => {
  it('drops rows before the start and keeps the max as last value', () => {
    const state: ResourceState = {}
    const inc = incremental<string>({
      cursorPath: 't',
      initialValue: '2024-01-02T00:00:00Z',
      primaryKey: 'id',
    })
    const run = inc.open(state)
    expect(run.startValue).toBe('2024-01-02T00:00:00Z')
    const kept = run.filter([
      row(1, '2024-01-01T00:00:00Z'),
      row(2, '2024-01-03T00:00:00Z'),
      row(3, '2024-01-02T00:00:00Z'),
    ])
    expect(kept.map((r) => r.id)).toEqual([2, 3])
    expect((state['incremental'] as Record<string, { lastValue: string }>)['t']!.lastValue).toBe(
      '2024-01-03T00:00:00Z',
    )
    const next = inc.open(state)
    expect(next.startValue).toBe('2024-01-03T00:00:00Z')
    expect(next.placeholders()).toMatchObject({
      start_value: '2024-01-03T00:00:00Z',
      initial_value: '2024-01-02T00:00:00Z',
    })
  })

  it('de-duplicates boundary rows by primary key across runs', () => {
    const state: ResourceState = {}
    const inc = incremental<string>({ cursorPath: 't', primaryKey: 'id' })
    inc.open(state).filter([row(1, 'a'), row(2, 'b'), row(3, 'b')])
    const again = inc.open(state).filter([row(2, 'b'), row(3, 'b'), row(4, 'b'), row(5, 'c')])
    expect(again.map((r) => r.id)).toEqual([4, 5])
    // last value moved to c: only row 5 is on the boundary now
    const third = inc.open(state).filter([row(4, 'b'), row(5, 'c'), row(6, 'c')])
    expect(third.map((r) => r.id)).toEqual([6])
  })

  it('keeps boundary keys of the previous run when no newer rows arrive', () => {
    const state: ResourceState = {}
    const inc = incremental<string>({ cursorPath: 't', primaryKey: 'id' })
    inc.open(state).filter([row(1, 'b'), row(2, 'b')])
    expect(
      inc
        .open(state)
        .filter([row(1, 'b'), row(2, 'b'), row(3, 'b')])
        .map((r) => r.id),
    ).toEqual([3])
    expect(
      inc
        .open(state)
        .filter([row(1, 'b'), row(2, 'b'), row(3, 'b')])
        .map((r) => r.id),
    ).toEqual([])
  })

  it('bounds the boundary state and warns, re-reading the overflow instead of losing it', () => {
    const state: ResourceState = {}
    const inc = incremental<string>({ cursorPath: 't', primaryKey: 'id', maxBoundaryKeys: 3 })
    const run = inc.open(state)
    run.filter(Array.from({ length: 10 }, (_, i) => row(i, 'x')))
    const bucket = (
      state['incremental'] as Record<string, { boundaryKeys: string[]; boundaryOverflow: boolean }>
    )['t']!
    expect(bucket.boundaryKeys).toHaveLength(3)
    expect(bucket.boundaryOverflow).toBe(true)
    expect(run.warnings[0]).toMatch(/more than 3 rows/)
    expect(JSON.stringify(state).length).toBeLessThan(300)
    const again = inc.open(state).filter(Array.from({ length: 10 }, (_, i) => row(i, 'x')))
    expect(again).toHaveLength(7)
  })

  it('honours endValue as a stateless window', () => {
    const state: ResourceState = { incremental: { t: { lastValue: 'z' } } }
    const run = incremental<string>({ cursorPath: 't', initialValue: 'b', endValue: 'd' }).open(state)
    expect(run.filter([row(1, 'a'), row(2, 'b'), row(3, 'c'), row(4, 'd')]).map((r) => r.id)).toEqual([2, 3])
    expect(state).toEqual({ incremental: { t: { lastValue: 'z' } } })
  })

  it('supports min and lag, never moving the stored value backward', () => {
    const state: ResourceState = {}
    const inc = incremental<number>({ cursorPath: 'v', lastValueFunc: 'min' })
    inc.open(state).filter([{ v: 5 }, { v: 3 }, { v: 9 }])
    // {v:3} sits on the boundary and was loaded before (whole-row hash, no primary key)
    expect(inc.open(state).filter([{ v: 4 }, { v: 3 }, { v: 2 }])).toEqual([{ v: 2 }])
    const lagged = incremental<string>({ cursorPath: 't', lag: 3600, initialValue: '2024-01-01T00:00:00Z' })
    const s2: ResourceState = {}
    lagged.open(s2).filter([row(1, '2024-01-01T10:00:00Z')])
    const run = lagged.open(s2)
    expect(run.startValue).toBe('2024-01-01T09:00:00Z')
    run.filter([row(2, '2024-01-01T09:30:00Z')])
    expect((s2['incremental'] as Record<string, { lastValue: string }>)['t']!.lastValue).toBe(
      '2024-01-01T10:00:00Z',
    )
  })

  it('handles missing cursor values per onCursorValueMissing', () => {
    const rows = [{ id: 1 }, { id: 2, t: 'a' }]
    expect(() => incremental({ cursorPath: 't' }).open({}).filter(rows)).toThrow(
      /no value at cursor path "t"/,
    )
    expect(
      incremental({ cursorPath: 't', onCursorValueMissing: 'include' }).open({}).filter(rows),
    ).toHaveLength(2)
    expect(
      incremental({ cursorPath: 't', onCursorValueMissing: 'exclude' }).open({}).filter(rows),
    ).toHaveLength(1)
  })

  it('compares and shifts dates, date-times and numbers', () => {
    expect(compareCursorValues('2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00Z')).toBeLessThan(0)
    expect(compareCursorValues(2, 10)).toBeLessThan(0)
    expect(shiftCursorValue('2024-03-01', -1)).toBe('2024-02-29')
    expect(shiftCursorValue('2024-03-01T00:00:00Z', -60)).toBe('2024-02-29T23:59:00Z')
    expect(shiftCursorValue(10, -3)).toBe(7)
    expect(() => incremental({ cursorPath: '' })).toThrow(/cursorPath/)
  })
})

describe('incremental ranges, row order and lastValueFunc', () => {
  const ids = (rows: readonly { id: number }[]) => rows.map((r) => r.id)
  const n = (id: number, v: number) => ({ id, v })

  it('rangeStart and rangeEnd: start closed and end open by default, each switchable', () => {
    const rows = [n(1, 1), n(2, 2), n(3, 3), n(4, 4)]
    const window = { cursorPath: 'v', initialValue: 2, endValue: 4 }
    expect(ids(incremental<number>(window).open({}).filter(rows))).toEqual([2, 3])
    expect(
      ids(
        incremental<number>({ ...window, rangeStart: 'open' })
          .open({})
          .filter(rows),
      ),
    ).toEqual([3])
    expect(
      ids(
        incremental<number>({ ...window, rangeEnd: 'closed' })
          .open({})
          .filter(rows),
      ),
    ).toEqual([2, 3, 4])
  })

  it('rangeStart open drops rows equal to the stored last value (no boundary keys kept)', () => {
    const state: ResourceState = {}
    const inc = incremental<number>({ cursorPath: 'v', rangeStart: 'open' })
    inc.open(state).filter([n(1, 1), n(2, 5)])
    expect(state['incremental']).toEqual({ v: { lastValue: 5 } })
    expect(ids(inc.open(state).filter([n(2, 5), n(3, 5), n(4, 6)]))).toEqual([4])
  })

  it('rowOrder asc marks the run exhausted at the first row past the end; desc at the first row before the start', () => {
    const asc = incremental<number>({ cursorPath: 'v', initialValue: 0, endValue: 3, rowOrder: 'asc' }).open(
      {},
    )
    asc.filter([n(1, 1), n(2, 2)])
    expect(asc.exhausted).toBe(false)
    expect(ids(asc.filter([n(3, 2), n(4, 3), n(5, 4)]))).toEqual([3])
    expect(asc.exhausted).toBe(true)
    const state: ResourceState = { incremental: { v: { lastValue: 5 } } }
    const desc = incremental<number>({ cursorPath: 'v', rowOrder: 'desc', primaryKey: false }).open(state)
    expect(ids(desc.filter([n(9, 9), n(8, 5)]))).toEqual([9, 8])
    expect(desc.exhausted).toBe(false)
    expect(ids(desc.filter([n(4, 4), n(3, 3)]))).toEqual([])
    expect(desc.exhausted).toBe(true)
    const unordered = incremental<number>({ cursorPath: 'v', initialValue: 0, endValue: 3 }).open({})
    unordered.filter([n(1, 9)])
    expect(unordered.exhausted).toBe(false)
  })

  it('a custom lastValueFunc orders the cursor (here: by length of a version string)', () => {
    const state: ResourceState = {}
    const longest = (values: readonly string[]) => values.reduce((a, b) => (b.length > a.length ? b : a))
    const inc = incremental<string>({ cursorPath: 'v', lastValueFunc: longest, primaryKey: 'id' })
    const rows = [
      { id: 1, v: 'bb' },
      { id: 2, v: 'a' },
      { id: 3, v: 'cccc' },
    ]
    expect(inc.open(state).filter(rows).length).toBe(3)
    expect(state['incremental']).toMatchObject({ v: { lastValue: 'cccc' } })
    const next = inc.open(state).filter([{ id: 4, v: 'zzz' }, { id: 5, v: 'ddddd' }, ...rows])
    expect(next.map((r) => r.id)).toEqual([5])
  })

  it.each([
    [{ lastValueFunc: 'median' }, /incremental\.lastValueFunc is "median"/],
    [{ rowOrder: 'newest' }, /incremental\.rowOrder is "newest"/],
    [{ rangeStart: 'half' }, /incremental\.rangeStart is "half"/],
    [{ rangeEnd: true }, /incremental\.rangeEnd is true/],
    [{ lastValueFunc: (v: unknown[]) => v[0], lag: 5 }, /incremental\.lag is set together/],
  ])('refuses %o', (extra, message) => {
    const make = () => incremental({ cursorPath: 'v', ...(extra as object) })
    expect(make).toThrow(message)
    try {
      make()
    } catch (e) {
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', hint: expect.stringMatching(/\w/) })
    }
  })
})
