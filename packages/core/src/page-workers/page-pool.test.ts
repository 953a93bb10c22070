import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { isSluiceError } from '../errors.ts'
import { BodyDecodeError } from '../http/http-error.ts'
import { csvRowEncoder } from '../job-files/csv-row-encoder.ts'
import { encodeRows, keepRows } from '../job-files/encoded-rows.ts'
import type { NormalizerOptions, ResourceTableSpec } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { LocalPage } from './page-parse.ts'
import { PagePool, RemotePage, SMALL_BODY_BYTES } from './page-pool.ts'
import type { PageDestiny, PageRequest } from './page-protocol.ts'
import type { PageWorkerPort, PageWorkers } from './page-types.ts'
import { createPageWorker } from './page-worker.ts'

/** Where a page's rows are, told by its class (pages do not show it to sources). */
const kind = (page: unknown): string =>
  page instanceof RemotePage ? 'remote' : page instanceof LocalPage ? 'local' : 'neither'

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const OPTIONS: NormalizerOptions = { schemaName: 'test', initialTables: [] }
const TO: PageDestiny = { resource: 'items', loadId: 'load1', format: 'csv' }
const SPEC: ResourceTableSpec = { resource: 'items', primaryKey: ['id'], writeDisposition: 'append' }

/** Page workers in this thread: messages are cloned (buffers transferred) and delivered on a later task. */
function inProcessWorkers(size: number): PageWorkers & { ports: FakePort[] } {
  const ports: FakePort[] = []
  return {
    size,
    ports,
    spawn() {
      const port = new FakePort()
      ports.push(port)
      return port
    },
  }
}

class FakePort implements PageWorkerPort {
  received: PageRequest[] = []
  terminated = false
  private listener: ((m: unknown) => void) | undefined
  private failed: ((e: Error) => void) | undefined
  private readonly worker = createPageWorker((reply, transfer) => {
    const copy = structuredClone(reply, { transfer })
    setTimeout(() => this.listener?.(copy), 0)
  })

  post(message: unknown, transfer: ArrayBuffer[]): void {
    const copy = structuredClone(message, { transfer }) as PageRequest
    this.received.push(copy)
    setTimeout(() => this.worker.handle(copy), 0)
  }
  onMessage(listener: (m: unknown) => void): void {
    this.listener = listener
  }
  onError(listener: (e: Error) => void): void {
    this.failed = listener
  }
  terminate(): Promise<void> {
    this.terminated = true
    return Promise.resolve()
  }
  crash(message: string): void {
    this.listener = undefined
    this.failed?.(new Error(message))
  }
}

/** The pool with the schema a main-thread normalizer has after registering SPEC and normalizing `first`. */
function poolAfter(first: object[], size = 1) {
  const workers = inProcessWorkers(size)
  const main = createNormalizer(undefined, OPTIONS)
  main.registerResource(SPEC)
  main.normalizePage('items', first, 'load1')
  const pool = new PagePool(workers, OPTIONS)
  pool.setSchema(main.schema, [SPEC])
  return { pool, workers, main }
}

describe('PagePool with page workers', () => {
  it('parses on a worker, keeps the rows there, and writes what the main thread would', async () => {
    const first = [{ id: 1, name: 'a', tags: ['x'] }]
    const { pool, main } = poolAfter(first)
    const rows = [
      { id: 2, name: 'b, "quoted"', tags: ['y', 'z'] },
      { id: 3, name: 'c', tags: [] },
      { id: 4, name: null, tags: ['w'] },
    ]
    const page = await pool.parse(
      bytes({ paging: { n: 1 }, items: rows }),
      {
        dataKeys: ['items'],
        key: 'id',
        meta: ['paging'],
      },
      TO,
    )
    expect([kind(page), page.found, page.count, page.keys, page.meta]).toEqual([
      'remote',
      true,
      3,
      [2, 3, 4],
      { paging: { n: 1 } },
    ])
    page.select((i) => page.keys![i] !== 3)
    expect(page.size).toBe(2)
    // encoded as it came, with where each row ends and its root row; the row the source dropped is cut out here
    const tables = page.encoded!
    expect(tables.map((t) => [t.table, t.rows])).toEqual([
      ['items', 3],
      ['items__tags', 3],
    ])
    expect([...tables[1]!.roots!]).toEqual([0, 0, 2])
    const kept = tables.map((t) => ({
      ...t,
      ...keepRows(t.bytes, { ends: t.ends!, roots: t.roots }, page.keep!),
    }))
    expect(kept.map((t) => t.rows)).toEqual([2, 3])
    // the same rows normalized on the main thread, encoded with the same columns (ids are random per row)
    const here = main.normalizePage('items', [rows[0]!, rows[2]!], 'load1')
    for (const t of kept) {
      const columns = main.schema.tables[t.table]!.columns
      expect(t.columns!.map((c) => (typeof c === 'string' ? c : c.name))).toEqual(columns.map((c) => c.name))
      const expected = text(encodeRows('csv', here.tables.get(t.table)!, csvRowEncoder(columns)))
      const noIds = (s: string) => s.replace(/[A-Za-z0-9_-]{16}/g, 'ID')
      expect(noIds(text(t.bytes))).toBe(noIds(expected))
    }
    // the worker sends a table's columns once; the pool fills them in for the next pages
    const next = await pool.parse(
      bytes({ items: [{ id: 5, name: 'e', tags: ['v'] }] }),
      { dataKeys: ['items'] },
      TO,
    )
    expect(next.encoded!.map((t) => t.columns)).toEqual(tables.map((t) => t.columns))
    expect(next.keys).toBeUndefined()
    await pool.close()
  })

  it('sends a page that would change the schema back with its kept rows, and uses a new schema once sent', async () => {
    const { pool, main } = poolAfter([{ id: 1, name: 'a' }])
    const changing = [
      { id: 2, name: 'b', extra: true },
      { id: 3, name: 'c' },
    ]
    const page = await pool.parse(bytes(changing), { key: 'id' }, TO)
    page.select((i) => i === 0)
    const back = await pool.normalize(page)
    expect(back).toEqual({ t: 'back', id: page.id, rows: [changing[0]] })
    // a variant of a known column comes back too
    const variant = await pool.parse(bytes([{ id: 'x-1', name: 'd' }]), {}, TO)
    expect((await pool.normalize(variant)).t).toBe('back')

    expect(main.normalizePage('items', [changing[0]!], 'load1').changes.length).toBeGreaterThan(0)
    pool.setSchema(main.schema, [SPEC])
    const next = await pool.parse(bytes([{ id: 4, name: 'e', extra: false }]), {}, TO)
    const encoded = next.encoded!
    expect(encoded[0]!.columns!.map((c) => (typeof c === 'string' ? c : c.name))).toContain('extra')
    expect(text(encoded[0]!.bytes)).toMatch(/,4,e,false\n$/)
    // a page kept as rows is encoded when asked if the worker's schema fits it by then
    const early = await pool.parse(bytes([{ id: 6, name: 'f', extra: true }]), {}, TO)
    expect(early.encoded).toBeDefined()
    await pool.close()
  })

  it('writes flat rows straight from the parsed rows, and encodes into the buffers it gets back', async () => {
    const flat = (from: number) =>
      Array.from({ length: 50 }, (_, i) => ({ id: from + i, name: `n${i}`, score: i % 3 ? i / 3 : null }))
    const { pool, main, workers } = poolAfter([{ id: 0, name: 'x', score: 0.5 }])
    const options = { dataKeys: ['items'] }
    // the worker's first page compiles the shape; the next ones take the flat path
    const pages: RemotePage[] = []
    for (const from of [1, 100, 200]) pages.push(await pool.parse(bytes({ items: flat(from) }), options, TO))
    const noIds = (s: string) => s.replace(/[A-Za-z0-9_-]{16}/g, 'ID')
    const columns = main.schema.tables['items']!.columns
    for (const [i, from] of [1, 100, 200].entries()) {
      const here = main.normalizePage('items', flat(from), 'load1').tables.get('items')!
      expect(noIds(text(pages[i]!.encoded![0]!.bytes))).toBe(
        noIds(text(encodeRows('csv', here, csvRowEncoder(columns)))),
      )
    }
    // once written, a page's buffers go back to its worker with the next request
    const size = pages[2]!.encoded![0]!.bytes.buffer.byteLength
    pool.recycle(pages[2]!, pages[2]!.encoded!)
    expect(pages[2]!.encoded![0]!.bytes.buffer.byteLength).toBe(size)
    const next = await pool.parse(bytes({ items: flat(300) }), options, TO)
    const sent = workers.ports[0]!.received.at(-1) as { buffers?: ArrayBuffer[] }
    // sent (detached here), and encoded into there (so it went back detached again)
    expect(sent.buffers).toHaveLength(1)
    expect(sent.buffers![0]!.byteLength).toBe(0)
    expect(pages[2]!.encoded![0]!.bytes.byteLength).toBe(0)
    expect(next.encoded![0]!.bytes.buffer.byteLength).toBe(size)
    await pool.close()
  })

  it('encodes jsonl too', async () => {
    const { pool } = poolAfter([{ id: 1, name: 'a' }])
    const page = await pool.parse(bytes([{ id: 2, name: 'b' }]), {}, { ...TO, format: 'jsonl' })
    expect(JSON.parse(text(page.encoded![0]!.bytes))).toMatchObject({
      id: 2,
      name: 'b',
      _sluice_load_id: 'load1',
    })
    await pool.close()
  })

  it('spreads pages over the least busy workers and sends each its schema before its first page to normalize', async () => {
    const { pool, workers } = poolAfter([{ id: 1 }], 2)
    const pages = await Promise.all([1, 2, 3, 4].map((id) => pool.parse(bytes([{ id }]), {}, TO)))
    expect(workers.ports).toHaveLength(2)
    const perWorker = workers.ports.map((p) => p.received.filter((m) => m.t === 'parse').length)
    expect(perWorker).toEqual([2, 2])
    expect(pages.every((p) => p.encoded !== undefined)).toBe(true)
    for (const port of workers.ports) {
      const kinds = port.received.map((m) => m.t)
      expect(kinds.filter((k) => k === 'schema')).toHaveLength(1)
      expect(kinds.indexOf('schema')).toBeLessThan(kinds.indexOf('parse'))
    }
    await pool.close()
    expect(workers.ports.every((p) => p.terminated)).toBe(true)
  })

  it('rejects a body that is not JSON with BodyDecodeError', async () => {
    const { pool } = poolAfter([])
    await expect(pool.parse(new TextEncoder().encode('{"items": ['), {}, TO)).rejects.toMatchObject({
      name: 'BodyDecodeError',
      looksJson: true,
    })
    await expect(pool.parse(new TextEncoder().encode('<html>'), {}, TO)).rejects.toBeInstanceOf(
      BodyDecodeError,
    )
    await pool.close()
  })

  it('fails the requests of a worker that stops with PAGE_WORKER_FAILED, and goes on with the others', async () => {
    const { pool, workers } = poolAfter([{ id: 1 }], 2)
    // pages with a new column: kept as rows until asked for
    const [a, b] = await Promise.all([
      pool.parse(bytes([{ id: 2, more: 1 }]), {}, TO),
      pool.parse(bytes([{ id: 3, more: 1 }]), {}, TO),
    ])
    const onA = pool.normalize(a as RemotePage)
    workers.ports[0]!.crash('out of memory')
    const error = await onA.catch((e: unknown) => e)
    expect(isSluiceError(error, 'PAGE_WORKER_FAILED')).toBe(true)
    expect((error as Error).message).toMatch(/a page worker stopped: out of memory.*run again/)
    expect((await pool.normalize(b as RemotePage)).t).toBe('back')
    const later = await pool.parse(bytes([{ id: 5 }]), {}, TO)
    expect(later.slot).toBe(b!.slot)
    workers.ports[1]!.crash('gone')
    await expect(pool.parse(bytes([{ id: 6 }]), {}, TO)).rejects.toMatchObject({ code: 'PAGE_WORKER_FAILED' })
    await pool.close()
  })

  it('after close, open requests fail and new ones are refused', async () => {
    const { pool } = poolAfter([{ id: 1 }])
    const pending = pool.parse(bytes([{ id: 2 }]), {}, TO)
    await pool.close()
    await expect(pending).rejects.toMatchObject({ code: 'RUN_ABORTED' })
    await expect(pool.parse(bytes([]), {}, TO)).rejects.toMatchObject({ code: 'RUN_ABORTED' })
  })

  it('fetch: a worker sends the request and keeps the rows; an abort stops it there', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return // never answers
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' })
        return res.end('no such page')
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-total': '2' })
      res.end(JSON.stringify({ data: [{ id: 7 }, { id: 8 }] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => {
      server.closeAllConnections()
      server.close()
    })
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const { pool, workers } = poolAfter([{ id: 1 }])
    const reader = pool.reader({ dataKeys: ['data'], key: 'id' }, TO)
    const request = (path: string) => ({
      url: `${base}${path}`,
      method: 'GET',
      headers: [] as [string, string][],
    })
    const ok = await reader.fetch!(request('/page'), new AbortController().signal)
    expect(ok.status).toBe(200)
    expect(new Headers(ok.headers).get('x-total')).toBe('2')
    expect([ok.body!.count, ok.body!.keys]).toEqual([2, [7, 8]])
    expect(text((ok.body as RemotePage).encoded![0]!.bytes)).toMatch(/,7\n.*,8\n$/s)
    expect(await reader.fetch!(request('/missing'), new AbortController().signal)).toMatchObject({
      status: 404,
      text: 'no such page',
    })
    const stop = new AbortController()
    const slow = reader.fetch!(request('/slow'), stop.signal)
    setTimeout(() => stop.abort(new Error('timed out')), 20)
    await expect(slow).rejects.toThrow('timed out')
    expect(workers.ports[0]!.received.map((m) => m.t)).toContain('abort')
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = await reader.fetch!(
      { url: `http://127.0.0.1:${port}/`, method: 'GET', headers: [] },
      new AbortController().signal,
    ).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(TypeError)
    expect(((refused as Error).cause as Error).message).toMatch(/ECONNREFUSED/)
    await pool.close()
  })

  it('reader: fetches on the workers unless they are told not to', () => {
    const withFetch = new PagePool(inProcessWorkers(1), OPTIONS).reader({}, TO)
    const without = new PagePool({ ...inProcessWorkers(1), fetch: false }, OPTIONS).reader({}, TO)
    expect(typeof withFetch.fetch).toBe('function')
    expect(without.fetch).toBeUndefined()
  })

  it('reader: parses a small body fetched here on this thread, without starting a worker', async () => {
    const workers = inProcessWorkers(1)
    const reader = new PagePool(workers, OPTIONS).reader({ key: 'id' }, TO)
    const small = await reader.parse(bytes([{ id: 1 }, { id: 2 }]))
    expect([kind(small), small.count, small.keys]).toEqual(['local', 2, [1, 2]])
    expect(workers.ports).toHaveLength(0)
    const rows = Array.from({ length: 2000 }, (_, id) => ({ id, text: 'x'.repeat(40) }))
    expect(bytes(rows).length).toBeGreaterThan(SMALL_BODY_BYTES)
    const large = await reader.parse(bytes(rows))
    expect([kind(large), large.count]).toEqual(['remote', 2000])
    expect(workers.ports).toHaveLength(1)
  })
})
