import { describe, expect, it } from 'vitest'
import { dateOf, dayOf, easter, isoInDay, isoOf, WorkdayCalendar, weekday } from './mock-calendar.ts'

describe('calendar', () => {
  it('knows Easter Sunday', () => {
    expect(dateOf(easter(2024))).toBe('2024-03-31')
    expect(dateOf(easter(2025))).toBe('2025-04-20')
    expect(dateOf(easter(2026))).toBe('2026-04-05')
  })

  it('formats ISO UTC without milliseconds', () => {
    expect(isoOf(Date.parse('2026-03-12T07:08:09.999Z'))).toBe('2026-03-12T07:08:09Z')
    expect(isoInDay('2026-03-12T', 7 * 3600 + 8 * 60 + 9)).toBe('2026-03-12T07:08:09Z')
    expect(weekday(dayOf('2026-03-12'))).toBe(4)
  })

  it.each([
    ['2024-01-01', '2024-03-31'],
    ['2025-03-08', '2025-04-13'],
    ['2026-03-07', '2026-03-08'],
  ])('maps workdays arithmetically like a day-by-day walk (%s..%s)', (from, to) => {
    const start = dayOf(from)
    const end = dayOf(to)
    const cal = new WorkdayCalendar(start, end)
    const walk: number[] = []
    for (let d = start; d <= end; d++) if (weekday(d) >= 1 && weekday(d) <= 5) walk.push(d)
    expect(cal.count).toBe(walk.length)
    walk.forEach((d, w) => {
      expect(cal.day(w)).toBe(d)
      expect(cal.firstOnOrAfter(d)).toBe(w)
    })
    for (let d = start - 3; d <= end + 3; d++) {
      expect(cal.firstOnOrAfter(d)).toBe(walk.filter((x) => x < d).length)
    }
  })
})
