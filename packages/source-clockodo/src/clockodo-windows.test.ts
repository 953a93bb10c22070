import { describe, expect, it } from 'vitest'
import { addDays, isoDate, isoUtc, planWindows, startOfUtcDay } from './clockodo-windows.ts'

const d = (s: string): Date => new Date(s)
const iso = (w: { since: Date; until: Date }): [string, string] => [isoUtc(w.since), isoUtc(w.until)]

describe('planWindows', () => {
  const now = d('2026-11-28T20:30:15Z')
  const end = addDays(startOfUtcDay(now), 365)

  it('reads everything from the start on the first run, in windows of windowDays', () => {
    const plan = planWindows({ start: d('2026-01-01T00:00:00Z'), end, now, lookbackDays: 30, windowDays: 92 })
    expect(plan.full).toBe(true)
    expect(isoUtc(plan.from)).toBe('2026-01-01T00:00:00Z')
    expect(isoUtc(plan.to)).toBe('2027-11-28T00:00:00Z')
    expect(plan.windows.map(iso).slice(0, 2)).toEqual([
      ['2026-01-01T00:00:00Z', '2026-04-03T00:00:00Z'],
      ['2026-04-03T00:00:00Z', '2026-07-04T00:00:00Z'],
    ])
    // contiguous, no gaps, no overlaps, last ends at `to`
    for (let i = 1; i < plan.windows.length; i++) {
      expect(plan.windows[i]!.since.getTime()).toBe(plan.windows[i - 1]!.until.getTime())
    }
    expect(plan.windows.at(-1)!.until.getTime()).toBe(plan.to.getTime())
    expect(plan.windows.length).toBe(Math.ceil((plan.to.getTime() - plan.from.getTime()) / (92 * 86_400_000)))
    expect(plan.nextState).toEqual({ since: '2026-01-01T00:00:00Z', until: '2027-11-28T00:00:00Z' })
  })

  it('re-reads lookbackDays before min(last end, now) on an incremental run', () => {
    const state = { since: '2020-01-01T00:00:00Z', until: '2027-11-20T00:00:00Z' }
    const plan = planWindows({
      start: d('2020-01-01T00:00:00Z'),
      end,
      now,
      lookbackDays: 30,
      windowDays: 31,
      state,
    })
    expect(plan.full).toBe(false)
    // last end lies in the future, so the anchor is today (midnight UTC)
    expect(isoUtc(plan.from)).toBe('2026-10-29T00:00:00Z')
    expect(isoUtc(plan.to)).toBe('2027-11-28T00:00:00Z')
    expect(plan.nextState).toEqual({ since: '2020-01-01T00:00:00Z', until: '2027-11-28T00:00:00Z' })
  })

  it('anchors the lookback on the last loaded end when it lies in the past (missed runs are caught up)', () => {
    const state = { since: '2020-01-01T00:00:00Z', until: '2026-06-01T00:00:00Z' }
    const plan = planWindows({
      start: d('2020-01-01T00:00:00Z'),
      end,
      now,
      lookbackDays: 10,
      windowDays: 92,
      state,
    })
    expect(isoUtc(plan.from)).toBe('2026-05-22T00:00:00Z')
    expect(plan.windows[0]!.since.getTime()).toBe(plan.from.getTime())
  })

  it('never starts before the start date, and a lookback of 0 starts at the anchor day', () => {
    const state = { since: '2026-11-20T00:00:00Z', until: '2026-11-25T00:00:00Z' }
    const p1 = planWindows({
      start: d('2026-11-20T00:00:00Z'),
      end,
      now,
      lookbackDays: 30,
      windowDays: 92,
      state,
    })
    expect(isoUtc(p1.from)).toBe('2026-11-20T00:00:00Z')
    const p0 = planWindows({
      start: d('2026-11-20T00:00:00Z'),
      end,
      now,
      lookbackDays: 0,
      windowDays: 92,
      state,
    })
    expect(isoUtc(p0.from)).toBe('2026-11-25T00:00:00Z')
  })

  it('reads the whole history again when the start moves before the stored start', () => {
    const state = { since: '2024-01-01T00:00:00Z', until: '2027-11-20T00:00:00Z' }
    const plan = planWindows({
      start: d('2023-01-01T00:00:00Z'),
      end,
      now,
      lookbackDays: 30,
      windowDays: 92,
      state,
    })
    expect(plan.full).toBe(true)
    expect(isoUtc(plan.from)).toBe('2023-01-01T00:00:00Z')
    expect(plan.nextState.since).toBe('2023-01-01T00:00:00Z')
  })

  it('handles a future end, a short last window and an empty range', () => {
    const p = planWindows({
      start: d('2026-01-01T00:00:00Z'),
      end: d('2026-01-10T12:00:00Z'),
      now,
      lookbackDays: 30,
      windowDays: 4,
    })
    expect(p.windows.map(iso)).toEqual([
      ['2026-01-01T00:00:00Z', '2026-01-05T00:00:00Z'],
      ['2026-01-05T00:00:00Z', '2026-01-09T00:00:00Z'],
      ['2026-01-09T00:00:00Z', '2026-01-10T12:00:00Z'],
    ])
    const empty = planWindows({
      start: d('2026-02-01T00:00:00Z'),
      end: d('2026-01-01T00:00:00Z'),
      now,
      lookbackDays: 30,
      windowDays: 4,
    })
    expect(empty.windows).toEqual([])
  })

  it('formats Clockodo dates without milliseconds', () => {
    expect(isoUtc(d('2026-03-01T00:00:00.000Z'))).toBe('2026-03-01T00:00:00Z')
    expect(isoDate(d('2026-03-01T23:59:59Z'))).toBe('2026-03-01')
  })
})
