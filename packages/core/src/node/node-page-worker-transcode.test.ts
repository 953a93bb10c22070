import { describe, expect, it, vi } from 'vitest'
import { csvRowEncoder } from '../job-files/csv-row-encoder.ts'
import { encodeRows } from '../job-files/encoded-rows.ts'
import type { NormalizerOptions, ResourceTableSpec } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { putOrderedPositions } from '../normalize/row-ids.ts'
import type { PageDestiny, PageReply } from '../page-workers/page-protocol.ts'
import { Transcoding } from '../page-workers/page-transcode.ts'
import { RowWriter } from '../page-workers/page-transcode-rows.ts'
import { createPageWorker } from '../page-workers/page-worker.ts'
import { nodeBodyText } from './node-body-text.ts'

// Which pages a Node.js page worker writes straight from the body (Transcoding), and that they come out as the
// pipeline's thread would write them.

const OPTIONS: NormalizerOptions = { schemaName: 'test', initialTables: [] }
const TO: PageDestiny = { resource: 'items', loadId: 'load1', format: 'csv' }
const utf8 = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
/** The lines without the random part of their ids (ordered ids keep their position digits). */
const noIds = (s: string): string => s.replace(/^(load1,[^,]*?)[A-Za-z0-9_-]{16},/gm, '$1R,')

const rows = (from: number) =>
  Array.from({ length: 40 }, (_, i) => ({
    id: from + i,
    name: i % 7 === 0 ? 'a, "quoted" name' : `Grün ${i}`,
    score: i % 3 ? i / 4 : null,
    at: '2026-12-07T05:00:00Z',
  }))

async function run(spec: ResourceTableSpec): Promise<void> {
  const main = createNormalizer(undefined, OPTIONS)
  main.registerResource(spec)
  main.normalizePage('items', rows(0), 'load1')
  const replies: PageReply[] = []
  const worker = createPageWorker((reply) => replies.push(reply), undefined, nodeBodyText)
  worker.handle({ t: 'schema', options: OPTIONS, schema: main.schema, specs: [spec] })
  const spy = vi.spyOn(Transcoding.prototype, 'summary')
  spy.mockClear()
  const starts = [100, 200, 300]
  const written: PageReply[] = []
  for (const [id, from] of starts.entries()) {
    worker.handle({
      t: 'parse',
      id,
      bytes: utf8({ items: rows(from) }),
      options: { dataKeys: ['items'] },
      destiny: TO,
    })
    // a page held as rows (ordered ids, no compiled shape yet) is encoded once told its position, as the pool does
    const reply = replies.at(-1)!
    if (reply.t === 'parsed' && !reply.encoded) worker.handle({ t: 'normalize', id, order: from })
    written.push(replies.at(-1)!)
  }
  // the first page is parsed (its rows compile the worker's shapes), the next two are written from their bodies
  expect(spy.mock.results.map((r) => r.value !== undefined)).toEqual([false, true, true])
  const columns = main.schema.tables['items']!.columns
  for (const [i, from] of starts.entries()) {
    const reply = written[i]!
    const table =
      reply.t === 'parsed' ? reply.encoded?.[0] : reply.t === 'encoded' ? reply.tables[0] : undefined
    if (!table) throw new Error(`page ${i}: ${reply.t}`)
    if (table.orderedIdsAt) putOrderedPositions(table.bytes, table.orderedIdsAt, undefined, from)
    const here = main.normalizePage('items', rows(from), 'load1', from).tables.get('items')!
    expect(noIds(text(table.bytes))).toBe(noIds(text(encodeRows('csv', here, csvRowEncoder(columns)))))
    expect(table.rows).toBe(40)
    if (reply.t === 'parsed') expect(reply.count).toBe(40)
  }
}

describe('a Node.js page worker', () => {
  it('writes pages of the compiled shapes straight from their bodies, as the pipeline would (random ids)', async () => {
    await run({ resource: 'items', writeDisposition: 'append' })
  })

  it('does so with ordered ids too (their places kept for the pipeline)', async () => {
    await run({ resource: 'items', primaryKey: ['id'], writeDisposition: 'merge' })
  })

  it('tries a resource whose pages give up again after 1, 2, 4 ... pages, and every page once one is written', () => {
    const spec: ResourceTableSpec = { resource: 'items', writeDisposition: 'append' }
    const nested = { id: 1, tags: ['a'] }
    const main = createNormalizer(undefined, OPTIONS)
    main.registerResource(spec)
    main.normalizePage('items', [...rows(0), nested], 'load1')
    const worker = createPageWorker(() => undefined, undefined, nodeBodyText)
    worker.handle({ t: 'schema', options: OPTIONS, schema: main.schema, specs: [spec] })
    const read = vi.spyOn(RowWriter.prototype, 'next')
    const tried: number[] = []
    // pages 1-12 and 25 end in a row with a nested list (never of a compiled shape): they give up at their last row
    for (let page = 1; page <= 28; page++) {
      read.mockClear()
      const list = page <= 12 || page === 25 ? [...rows(page * 100), nested] : rows(page * 100)
      worker.handle({
        t: 'parse',
        id: page,
        bytes: utf8({ items: list }),
        options: { dataKeys: ['items'] },
        destiny: TO,
      })
      if (read.mock.calls.length > 0) tried.push(page)
    }
    // page 1 compiles the shapes; 2 gives up, 3 is passed by, 4 gives up, 5-6 passed by, 7, 8-11, 12, 13-20 passed
    // by; 21 is written, and so every page after it is tried; 25 gives up (the first time since 21): 26 passed by
    expect(tried).toEqual([2, 4, 7, 12, 21, 22, 23, 24, 25, 27, 28])
  })
})
