import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { createProgress } from './cli-progress.ts'

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 })
  let out = ''
  stream.on('data', (d: Buffer) => {
    out += d.toString()
  })
  return { stream, text: () => out }
}

describe('progress', () => {
  test('log mode writes timestamped lines for resources, retries, waits, steps and resumes', () => {
    const { stream, text } = capture(false)
    let now = Date.parse('2026-11-28T10:00:00Z')
    const p = createProgress('auto', stream, () => now)
    p.onEvent({ type: 'resource-start', resource: 'entries' })
    now += 6000
    p.onEvent({ type: 'page', resource: 'entries', page: 1, rows: 1000, totalPages: 4 })
    p.onEvent({
      type: 'retry',
      url: 'https://my.clockodo.com/api/v2/entries',
      attempt: 1,
      waitMs: 1500,
      reason: 'HTTP 429',
    })
    p.onEvent({ type: 'rate-limit-wait', waitMs: 30_000, window: '900/min' })
    now += 6000
    p.onEvent({ type: 'page', resource: 'entries', page: 2, rows: 1000, totalPages: 4, etaMs: 900_000 })
    p.onEvent({ type: 'resource-end', resource: 'entries', rows: 4000 })
    p.onEvent({ type: 'step', step: 'load', phase: 'start', loadId: '1.5' })
    p.onEvent({ type: 'package-resumed', loadId: '1.4', state: 'normalized' })
    p.stop()
    const lines = text().trim().split('\n')
    expect(lines[0]).toBe('2026-11-28T10:00:00.000Z entries: started')
    expect(text()).toContain('entries: 1/4 pages, 1000 rows')
    expect(text()).toContain('retry 1 of https://my.clockodo.com/api/v2/entries in 1500 ms (HTTP 429)')
    expect(text()).toContain('rate limit (900/min): waiting 30 s, until 10:00:36 UTC')
    // the source's ETA includes the rate-limit waits ahead
    expect(text()).toContain('entries: 2/4 pages, 2000 rows, ETA 15 min (rate-limit waits included)')
    expect(text()).toContain('entries: done, 4000 rows')
    expect(text()).toContain('resuming pending load package 1.4 (normalized) without fetching again')
  })

  test('bar mode draws a bar per running resource with pages and rows; a finished one leaves a line', () => {
    const { stream, text } = capture(true)
    const p = createProgress('bar', stream)
    p.onEvent({ type: 'resource-start', resource: 'entries' })
    p.onEvent({ type: 'page', resource: 'entries', page: 1, rows: 1000, totalPages: 3 })
    p.onEvent({ type: 'page', resource: 'entries', page: 2, rows: 1000, totalPages: 3 })
    p.onEvent({ type: 'resource-end', resource: 'entries', rows: 2000 })
    p.stop()
    expect(text()).toMatch(/entries\s+done: 2 pages, 2000 rows/)
  })

  test('bars fit the terminal: 24 resources on 10 rows draw at most 7 bars and count the others', () => {
    const { stream, text } = capture(true)
    Object.assign(stream, { rows: 10 })
    const p = createProgress('bar', stream)
    const names = Array.from({ length: 24 }, (_, i) => `resource_${String(i).padStart(2, '0')}`)
    for (const resource of names) p.onEvent({ type: 'resource-start', resource })
    for (const resource of names) p.onEvent({ type: 'page', resource, page: 1, rows: 5, totalPages: 2 })
    p.stop()
    const drawn = names.filter((n) => new RegExp(`${n}\\s+\\|`).test(text()))
    expect(drawn).toHaveLength(7)
    expect(text()).toContain('17 more resource(s) running')
  })

  test('bar mode piped writes lines, never a template like {name}', () => {
    const { stream, text } = capture(false)
    const p = createProgress('bar', stream)
    p.onEvent({ type: 'resource-start', resource: 'entries' })
    p.onEvent({ type: 'resource-end', resource: 'entries', rows: 1000 })
    p.stop()
    expect(text()).not.toContain('{')
    expect(text()).toContain('entries: done, 1000 rows')
  })

  test('none writes nothing', () => {
    const { stream, text } = capture(true)
    const p = createProgress('none', stream)
    p.onEvent({ type: 'resource-start', resource: 'entries' })
    p.stop()
    expect(text()).toBe('')
  })
})
