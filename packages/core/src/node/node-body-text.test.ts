import { describe, expect, it } from 'vitest'
import type { NormalizerOptions, ResourceTableSpec } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { bodyAsText, textOfBytes, valueOfBytes } from '../page-workers/page-bytes.ts'
import { readPageBody } from '../page-workers/page-parse.ts'
import type { PageReply } from '../page-workers/page-protocol.ts'
import { createPageWorker } from '../page-workers/page-worker.ts'
import { nodeBodyText } from './node-body-text.ts'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value))
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

describe('bodies read as strings of bytes', () => {
  it('reads valid UTF-8 that is not ASCII as bytes, and everything else as text', () => {
    expect(bodyAsText(utf8('{"a":"b"}'), nodeBodyText)).toEqual({ text: '{"a":"b"}', bytes: false })
    const umlaut = bodyAsText(utf8('{"a":"Grüße 👋"}'), nodeBodyText)
    expect(umlaut?.bytes).toBe(true)
    expect(umlaut?.text.length).toBe(utf8('{"a":"Grüße 👋"}').length)
    expect(textOfBytes(umlaut!.text)).toBe('{"a":"Grüße 👋"}')
    // an escape would put a character that is not a byte among bytes; a BOM and invalid UTF-8 decode as before
    expect(bodyAsText(utf8('{"a":"\\u00fc ü"}'), nodeBodyText)).toBeUndefined()
    expect(bodyAsText(utf8('\ufeff{"a":"ü"}'), nodeBodyText)).toBeUndefined()
    expect(bodyAsText(new Uint8Array([0x22, 0xc3, 0x28, 0x22]), nodeBodyText)).toBeUndefined()
  })

  it('gives keys, meta and body keys as text, and rows as bytes', () => {
    const body = readPageBody(
      json({ paging: { next: 'Seite ü' }, items: [{ id: 'ä-1', name: 'Jürgen' }] }),
      { dataKeys: ['items'], key: 'id', meta: ['paging'] },
      nodeBodyText,
    )
    expect(body.bytes).toBe(true)
    expect(body.keys).toEqual(['ä-1'])
    expect(body.meta).toEqual({ paging: { next: 'Seite ü' } })
    expect(valueOfBytes(body.rows)).toEqual([{ id: 'ä-1', name: 'Jürgen' }])
    // a "__proto__" key read back stays a field
    const proto = valueOfBytes(JSON.parse('{"__proto__":{"x":"ü"},"a":1}') as object)
    expect(Object.keys(proto)).toEqual(['__proto__', 'a'])
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype)
    expect((body.rows[0] as { name: string }).name).not.toBe('Jürgen')
    const none = readPageBody(json({ 'Fehler ü': 1 }), { dataKeys: ['items'] }, nodeBodyText)
    expect(none.bodyKeys).toEqual(['Fehler ü'])
    // a body that does not parse shows its text
    const error = (() => {
      try {
        readPageBody(utf8('{"ü": x'), {}, nodeBodyText)
      } catch (e) {
        return e as { message: string; snippet: string }
      }
    })()
    expect(error?.snippet).toBe('{"ü": x')
    expect(error?.message).not.toMatch(/Ã/)
  })
})

const OPTIONS: NormalizerOptions = { schemaName: 'test', initialTables: [] }

/**
 * Runs pages through a page worker (with or without fast body text): its csv lines (random id parts masked) and
 * the rows it sent back.
 */
function throughWorker(
  spec: ResourceTableSpec,
  options: NormalizerOptions,
  first: object[],
  pages: unknown[],
  fast: boolean,
): string[] {
  const main = createNormalizer(undefined, options)
  main.registerResource(spec)
  main.normalizePage(spec.resource, first, 'load1')
  const replies: PageReply[] = []
  const worker = createPageWorker((reply) => replies.push(reply), undefined, fast ? nodeBodyText : undefined)
  worker.handle({ t: 'schema', options, schema: main.schema, specs: [spec] })
  const out: string[] = []
  pages.forEach((page, id) => {
    const destiny = { resource: spec.resource, loadId: 'load1', format: 'csv' as const }
    worker.handle({ t: 'parse', id, bytes: json(page), options: { dataKeys: ['items'] }, destiny })
    let reply = replies.pop()!
    if (reply.t === 'parsed' && !reply.encoded) {
      worker.handle({ t: 'normalize', id, order: id * 1000 })
      reply = replies.pop()!
    }
    if (reply.t === 'back') out.push(`back ${JSON.stringify(reply.rows)}`)
    const tables = reply.t === 'parsed' ? (reply.encoded ?? []) : reply.t === 'encoded' ? reply.tables : []
    for (const t of tables)
      out.push(`${t.table}: ${decode(t.bytes).replace(/,(\d{12})?[A-Za-z0-9_-]{16},/g, ',$1ID,')}`)
  })
  return out
}

describe('a page worker with fast body text', () => {
  const rows = (from: number): object[] => [
    {
      id: from,
      name: 'Jürgen, "der Große"',
      note: 'Zeile 1\r\nZeile 2 — ✓',
      score: 1.5,
      at: '2024-02-29T23:59:59Z',
    },
    { id: from + 1, name: '东京 👋', note: null, score: 2, at: null },
    { id: from + 2, name: 'plain', note: 'Straße', score: null, at: '2025-01-01T00:00:00Z' },
  ]
  const pages = [
    { items: rows(10) },
    { items: rows(20) },
    // a key the shape does not know, a nested value (child rows), text longer than the limit, U+0000
    { items: [...rows(30), { id: 33, name: 'ä', note: 'x', score: 1, größe: 2 }] },
    { items: [{ id: 40, name: 'ö', note: 'y', score: 1, tags: ['ü', 'é'] }] },
    { items: [{ id: 50, name: 'ü'.repeat(40), note: 'a\u0000ü', score: 3 }] },
    { items: rows(60) },
  ]
  const cases: [string, ResourceTableSpec, NormalizerOptions][] = [
    ['merge (ordered ids)', { resource: 'items', primaryKey: ['id'], writeDisposition: 'merge' }, OPTIONS],
    ['append (random ids)', { resource: 'items', writeDisposition: 'append' }, OPTIONS],
    [
      'a destination without U+0000 and with a text limit',
      { resource: 'items', writeDisposition: 'append' },
      { ...OPTIONS, values: { textNul: false, maxTextBytes: 60 } },
    ],
    [
      'merge (ordered ids) into a destination without U+0000',
      { resource: 'items', primaryKey: ['id'], writeDisposition: 'merge' },
      { ...OPTIONS, values: { textNul: false } },
    ],
  ]
  for (const [name, spec, options] of cases) {
    it(`writes the same job-file bytes and sends back the same rows: ${name}`, () => {
      const first = rows(0)
      const text = throughWorker(spec, options, first, pages, false)
      const bytes = throughWorker(spec, options, first, pages, true)
      expect(bytes).toEqual(text)
      // the pages were written (not all sent back), with their characters intact
      expect(text.join('\n')).toContain('"Jürgen, ""der Große"""')
      expect(text.join('\n')).toContain('东京 👋')
    })
  }
})
