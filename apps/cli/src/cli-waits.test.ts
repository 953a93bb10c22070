import { describe, expect, test } from 'vitest'
import { createWaitReport, formatDuration } from './cli-waits.ts'

describe('rate-limit waits', () => {
  test('a wait over a minute says how to go faster, once per limit; the summary counts each opening once', () => {
    const lines: string[] = []
    let now = Date.parse('2026-11-28T10:00:00Z')
    const report = createWaitReport(
      (l) => lines.push(l),
      () => now,
    )
    const enhanced = '300/15min enhanced entries'
    // six requests queued behind the same opening of the limit
    for (let i = 0; i < 6; i++)
      report.onEvent({ type: 'rate-limit-wait', resource: 'entries', waitMs: 897_000, window: enhanced })
    report.onEvent({ type: 'rate-limit-wait', resource: 'entries', waitMs: 20_000, window: '900/min' })
    now += 897_000
    report.onEvent({ type: 'rate-limit-wait', resource: 'entries', waitMs: 900_000, window: enhanced })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(
      'rate limit 300/15min enhanced entries: entries waits 14 min 57 s (until 10:14:57 UTC)',
    )
    expect(lines[0]).toContain('enhanced_list = "auto"')
    expect(report.summary()).toEqual([
      'rate-limit waits: entries: 2 x 300/15min enhanced entries, 29 min 57 s in all',
      'rate-limit waits: entries: 1 x 900/min, 20 s in all',
    ])
  })

  test('short waits give no hint, and no waits no summary', () => {
    const lines: string[] = []
    const report = createWaitReport((l) => lines.push(l))
    expect(report.summary()).toEqual([])
    report.onEvent({ type: 'rate-limit-wait', waitMs: 59_000, window: '900/min' })
    expect(lines).toEqual([])
    expect(report.summary()).toEqual(['rate-limit waits: 1 x 900/min, 59 s in all'])
  })

  test('durations', () => {
    expect(formatDuration(45_400)).toBe('45 s')
    expect(formatDuration(15 * 60_000)).toBe('15 min')
    expect(formatDuration(3_900_000)).toBe('1 h 5 min')
  })
})
