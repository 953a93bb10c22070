import { describe, expect, it } from 'vitest'
import type { BodyText } from '../page-workers/page-bytes.ts'
import { readPageBody } from '../page-workers/page-parse.ts'
import { PART_BYTES, parseInParts } from '../page-workers/page-parts.ts'
import { nodeBodyText } from './node-body-text.ts'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
/** What `JSON.parse` gives for the body read as `nodeBodyText` reads it (strings of bytes). */
const whole = (body: Uint8Array): unknown => JSON.parse(nodeBodyText.latin1(body))
const entries = { dataKeys: ['entries'] }

/** A random generator (deterministic per seed). */
function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x7fffffff
  }
}

/** Rows whose strings hold what a cut must not fall into: row ends, list ends, quotes, escapes, nested lists. */
function trickyRows(next: () => number, count: number): unknown[] {
  const bits = ['},{"', '}]', '"', '\\', ',', '{', '[', 'ü', 'x', '},{"id":1}', '\n']
  const text = (): string =>
    Array.from({ length: Math.floor(next() * 6) }, () => bits[Math.floor(next() * bits.length)]).join('')
  return Array.from({ length: count }, (_, i) => {
    const row: Record<string, unknown> = { id: i, text: text() }
    if (next() < 0.3) row['intervals'] = [{ id: 1, note: text() }, { id: 2 }]
    if (next() < 0.2) row[text()] = text()
    if (next() < 0.1) row['nested'] = { entries: [{ x: text() }] }
    return row
  })
}

describe('parseInParts', () => {
  it('gives what JSON.parse gives, for row lists cut at every size', () => {
    const rows = trickyRows(random(7), 60)
    const bodies = [
      utf8(JSON.stringify({ paging: { page: 1 }, entries: rows, more: true })),
      utf8(JSON.stringify(rows)),
      utf8(JSON.stringify({ entries: rows })),
    ]
    for (const body of bodies) {
      let inParts = 0
      for (const size of [1, 7, 40, 200, 1000, 100_000]) {
        const value = parseInParts(body, nodeBodyText, entries, size)
        if (value !== undefined) {
          inParts++
          expect(value).toEqual(whole(body))
        }
      }
      expect(inParts).toBeGreaterThan(0)
    }
  })

  it('never gives a value JSON.parse would not (random bodies and part sizes)', () => {
    const next = random(42)
    let inParts = 0
    for (let n = 0; n < 300; n++) {
      const rows = trickyRows(next, 1 + Math.floor(next() * 30))
      const around =
        next() < 0.5 ? { before: 'x', entries: rows, after: [1, { entries: 2 }] } : { entries: rows }
      const body = utf8(JSON.stringify(next() < 0.2 ? rows : around))
      const value = parseInParts(body, nodeBodyText, entries, 1 + Math.floor(next() * 300))
      if (value === undefined) continue
      inParts++
      expect(value).toEqual(whole(body))
    }
    expect(inParts).toBeGreaterThan(150)
  })

  it('leaves to a whole parse what it cannot read in parts the same way', () => {
    const list = '[{"id":1},{"id":2},{"id":3}]'
    const cannot = [
      `{"entries":${list},"entries":0}`, // the last key of a name wins
      `{"entries":${list},"entr\\u0069es":0}`, // the same key, spelled with an escape
      `{"meta":{"entries":[{"id":9},{"id":8}]},"entries":${list}}`, // a nested list of that name first
      `{"entries": ${list}}`, // whitespace before the list
      '{"entries":[{"id":1}, {"id":2}, {"id":3}\n]}', // whitespace between the rows and before the end
      '{"entries":[{"id":1},{"id":2},{"id":}]}', // invalid JSON in a row
      `{"entries":${list}`, // cut off
      `${list} x`, // text after a body that is a list
    ]
    for (const text of cannot) expect(parseInParts(utf8(text), nodeBodyText, entries, 1)).toBeUndefined()
    // an earlier data key that holds a list (written with whitespace) is where the rows are
    const earlier = utf8(`{"data": [1],"entries":${list}}`)
    expect(parseInParts(earlier, nodeBodyText, { dataKeys: ['data', 'entries'] }, 1)).toBeUndefined()
    expect(parseInParts(earlier, nodeBodyText, { dataKeys: ['entries', 'data'] }, 1)).toEqual(whole(earlier))
    expect(parseInParts(utf8('{"entries":[]}'), nodeBodyText, entries, 1)).toBeUndefined()
    expect(parseInParts(utf8(`{"other":${list}}`), nodeBodyText, entries, 1)).toBeUndefined()
  })
})

describe('readPageBody on a page worker', () => {
  it('reads a large body in parts: no string of it over V8 large-object size, the same page', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      text: i % 7 === 0 ? 'Grüße },{"x":1}]' : `row ${i}`,
      time_since: '2026-01-02T03:04:05Z',
    }))
    const body = utf8(JSON.stringify({ paging: { count_pages: 2 }, entries: rows }))
    expect(body.length).toBeGreaterThan(2 * PART_BYTES)
    const longest: number[] = []
    const watched: BodyText = {
      ...nodeBodyText,
      latin1: (bytes) => {
        longest.push(bytes.length)
        return nodeBodyText.latin1(bytes)
      },
    }
    const options = { dataKeys: ['entries'], key: 'id', meta: ['paging'] }
    const page = readPageBody(body, options, watched)
    expect(Math.max(...longest)).toBeLessThan(128 * 1024)
    expect(page).toEqual(readPageBody(body, options, { ...nodeBodyText, indexOf: () => -1 }))
    expect(page.rows).toHaveLength(3000)
    expect(page.bytes).toBe(true)
    expect(page.meta).toEqual({ paging: { count_pages: 2 } })
  })
})
