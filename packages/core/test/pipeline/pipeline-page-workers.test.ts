import { readdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { isSluiceError } from '../../src/errors.ts'
import type { PipelineEvent } from '../../src/events.ts'
import { createHttpClient } from '../../src/http/http-client.ts'
import { nodeFileSystem, nodePageWorkers } from '../../src/node/index.ts'
import type { PageWorkerPort, PageWorkers, ParsedPage } from '../../src/page-workers/page-types.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Source } from '../../src/source/source-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'

// Page workers are real worker threads here (the built entry in dist/node, so `build` runs before these tests).

let dir: string
useTempDir('sluice-page-workers-', (d) => {
  dir = d
})

type Row = Record<string, unknown>
const PAGES = 80
/** Makes every page larger than SMALL_BODY_BYTES, which the pipeline's thread would parse itself. */
const PAD = 'n'.repeat(1700)

/**
 * 80 pages of 40 rows as response bodies: page 4 brings a new column, page 7 a value of another type (a variant
 * column), page 9 a nested list (a child table); every page repeats the last 5 ids of the page before (dropped by
 * the resource with `select`, as the Clockodo dedupe does). `flat`: none of those changes, one flat shape.
 */
function bodies(flat = false): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let p = 0; p < PAGES; p++) {
    const rows: Row[] = []
    for (let i = p * 40 - (p > 0 ? 5 : 0); i < (p + 1) * 40; i++) {
      const row: Row = {
        id: i,
        name: `row ${i}, "quoted"`,
        // flat: a fraction from the first row on (a whole first value would make it bigint, and every later
        // fraction a variant column, which leaves the compiled flat path)
        amount: flat ? i * 1.5 + 0.25 : i * 1.5,
        at: '2026-01-02T03:04:05Z',
        note: PAD,
      }
      if (p >= 3 && !flat) row.extra = i % 2 === 0
      if (p === 6 && i % 7 === 0 && !flat) row.amount = `n/a ${i}`
      if (p >= 8 && !flat) row.tags = [`t${i}`, `u${i}`]
      rows.push(row)
    }
    out.push(new TextEncoder().encode(JSON.stringify({ meta: { page: p }, data: rows })))
  }
  return out
}

let server: Server
/** Called with the number of requests served so far (a test stops its run with it). */
let onServe: ((served: number) => void) | undefined
let baseUrl: string
const served: string[] = []
beforeAll(async () => {
  const pages = bodies()
  const flatPages = bodies(true)
  server = createServer((req, res) => {
    served.push(req.url ?? '')
    onServe?.(served.length)
    const url = new URL(req.url ?? '/', 'http://x')
    const page = Number(url.searchParams.get('page'))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end((url.pathname === '/flat' ? flatPages : pages)[page])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** The pages over HTTP from 127.0.0.1, 4 requests ahead, read with `ctx.pageReader`, deduplicated by id. */
function source(path = '/items'): Source {
  return {
    name: 'paged',
    resources: [
      {
        name: 'items',
        primaryKey: 'id',
        writeDisposition: 'merge',
        async *read(ctx) {
          const client = createHttpClient({ baseUrl })
          const reader = ctx.pageReader!({ dataKeys: ['data'], key: 'id', meta: ['meta'] })
          const get = (page: number) => {
            const p = client.request<ParsedPage>({ path, params: { page } }, { reader, signal: ctx.signal })
            p.catch(() => undefined)
            return p
          }
          const ahead = [0, 1, 2, 3].map(get)
          const seen = new Set<unknown>()
          for (let p = 0; p < PAGES; p++) {
            const page = (await ahead.shift()!).body
            if (p + 4 < PAGES) ahead.push(get(p + 4))
            const keys = page.keys!
            page.select((i) => !seen.has(keys[i]))
            for (const k of keys) seen.add(k)
            yield page
          }
        },
      },
    ],
  }
}

async function run(pageWorkers: PageWorkers | undefined, name: string, path?: string) {
  const destination = new FakeDestination('csv')
  const events: PipelineEvent[] = []
  const p = pipeline({
    pipelineName: name,
    destination,
    pipelinesDir: join(dir, name),
    fs: nodeFileSystem(),
    onEvent: (e) => events.push(e),
    ...(pageWorkers ? { pageWorkers } : {}),
  })
  const info = await p.run(source(path))
  return { destination, events, info, schema: await p.schema() }
}

/** Two real page workers whose replies are counted by type (`encoded at once`: a page's rows in its first reply). */
function counting(fetch: boolean): { workers: PageWorkers; count: (t: string) => number } {
  const replies: string[] = []
  const real = nodePageWorkers({ size: 2, fetch })
  const workers: PageWorkers = {
    size: 2,
    fetch,
    spawn() {
      const port = real.spawn()
      return {
        ...port,
        onMessage: (l) =>
          port.onMessage((m) => {
            const r = m as { t: string; encoded?: unknown; page?: { encoded?: unknown } }
            replies.push(r.t)
            if (r.t !== 'encoded' && (r.encoded || r.page?.encoded)) replies.push('encoded at once')
            l(m)
          }),
      }
    },
  }
  return { workers, count: (t) => replies.filter((r) => r === t).length }
}

/** A destination and the options of a pipeline named `name` without page workers. */
function fresh(name: string) {
  const destination = new FakeDestination('csv')
  const options = { pipelineName: name, destination, pipelinesDir: join(dir, name), fs: nodeFileSystem() }
  return { destination, options }
}

const RUN_IDS = ['_sluice_id', '_sluice_parent_id', '_sluice_root_id', '_sluice_load_id']

/**
 * Rows without the ids that differ per run and without NULLs (a job file written with an older header lacks the
 * newer columns: the destination loads NULL for them, the fake leaves the key out), sorted.
 */
function comparable(rows: Row[]): string[] {
  return rows
    .map((r) => JSON.stringify(Object.entries(r).filter(([k, v]) => v !== null && !RUN_IDS.includes(k))))
    .sort()
}

// each test runs one or two pipelines over 80 pages with real worker threads: seconds on a loaded 2-core machine
describe('page workers in the pipeline', { timeout: 30_000 }, () => {
  it.each([
    ['fetching and parsing', true, 'fetched'],
    ['parsing bytes fetched here', false, 'parsed'],
  ])(
    '%s, load the same rows and evolve the same schema as the pipeline thread alone',
    async (_, fetch, reply) => {
      const here = await run(undefined, 'here')
      const { workers: counted, count } = counting(fetch)
      served.length = 0
      const workers = await run(counted, 'workers')
      expect(served).toHaveLength(PAGES)
      // All parsed there. The resource merges by a primary key, so its rows' ids follow extraction order: a worker
      // encodes a page once the source yielded it and the pool sent its position, unless it would change the
      // schema the worker had: the pages that changed it (the first, a new column, a variant, a child table) came
      // back, and so may pages read before the change reached the workers (at most 8 each, the pages allowed to
      // wait), unless the new schema fitted them when they were asked for. Pages read well after the last change
      // all come encoded.
      expect(count(reply)).toBe(PAGES)
      expect(count('back')).toBeGreaterThanOrEqual(4)
      expect(count('encoded at once')).toBe(0)
      expect(count('encoded') + count('back')).toBe(PAGES)
      expect(count('encoded')).toBeGreaterThanOrEqual(PAGES - 25)
      const tables = [...here.destination.tables.keys()].sort()
      expect(tables).toEqual(['items', 'items__tags'])
      expect([...workers.destination.tables.keys()].sort()).toEqual(tables)
      expect(here.destination.rows('items')).toHaveLength(PAGES * 40)
      expect(here.destination.rows('items__tags')).toHaveLength((PAGES - 8) * 40 * 2)
      for (const t of tables) {
        expect(comparable(workers.destination.rows(t))).toEqual(comparable(here.destination.rows(t)))
      }
      // root ids sort in extraction order on both paths (what lets the last row of a key win a merge)
      const inIdOrder = (rows: Row[]) =>
        [...rows]
          .sort((a, b) => (String(a._sluice_id) < String(b._sluice_id) ? -1 : 1))
          .map((r) => Number(r.id))
      const extracted = Array.from({ length: PAGES * 40 }, (_, i) => i)
      expect(inIdOrder(workers.destination.rows('items'))).toEqual(extracted)
      expect(inIdOrder(here.destination.rows('items'))).toEqual(extracted)
      const columns = (s: typeof here.schema) =>
        Object.fromEntries(
          Object.values(s!.tables).map((t) => [t.name, t.columns.map((c) => `${c.name}:${c.dataType}`)]),
        )
      expect(columns(workers.schema)).toEqual(columns(here.schema))
      expect(columns(here.schema).items).toContain('amount__v_text:text')
      const ends = (e: PipelineEvent[]) => e.filter((x) => x.type === 'resource-end')
      expect(ends(workers.events)).toEqual(ends(here.events))
      // every child row points at a parent row of the same run
      const parents = new Set(workers.destination.rows('items').map((r) => r._sluice_id))
      expect(workers.destination.rows('items__tags').every((r) => parents.has(r._sluice_parent_id))).toBe(
        true,
      )
    },
  )

  it('encodes pages of flat rows at once: the pipeline writes in the positions of their ordered ids', async () => {
    const here = await run(undefined, 'flat-here', '/flat')
    const { workers: counted, count } = counting(true)
    const workers = await run(counted, 'flat-workers', '/flat')
    // the first pages may come before the workers have the schema (sent back); the rest come encoded at once,
    // without a second message for their position
    expect(count('fetched')).toBe(PAGES)
    expect(count('encoded at once')).toBeGreaterThanOrEqual(PAGES - 20)
    expect(count('encoded at once') + count('encoded') + count('back')).toBe(PAGES)
    const rows = workers.destination.rows('items')
    expect(rows).toHaveLength(PAGES * 40)
    expect(comparable(rows)).toEqual(comparable(here.destination.rows('items')))
    // each id starts with its row's position in extraction order: here the row's own id (0, 1, ... after the
    // repeated ids the resource leaves out), on both paths
    const positions = (r: Row[]) =>
      r.filter((x) => Number(String(x._sluice_id).slice(0, 12)) !== Number(x.id))
    expect(positions(rows)).toEqual([])
    expect(positions(here.destination.rows('items'))).toEqual([])
    expect(new Set(rows.map((r) => r._sluice_id)).size).toBe(rows.length)
  })

  it('prestarted workers (prestart: true) serve the first run, fresh ones the next; the rows are the same', async () => {
    const here = await run(undefined, 'here')
    const workers = nodePageWorkers({ size: 2, prestart: true })
    for (const name of ['prestarted', 'again']) {
      served.length = 0
      const there = await run(workers, name)
      expect(served).toHaveLength(PAGES)
      for (const t of ['items', 'items__tags']) {
        expect(comparable(there.destination.rows(t))).toEqual(comparable(here.destination.rows(t)))
      }
    }
  })

  it('a worker that dies fails the run with PAGE_WORKER_FAILED, leaves no package, and the next run loads everything once', async () => {
    const real = nodePageWorkers({ size: 2 })
    let parses = 0
    const dying: PageWorkers = {
      size: 2,
      fetch: true,
      spawn(): PageWorkerPort {
        const port = real.spawn()
        let onError: ((e: Error) => void) | undefined
        return {
          ...port,
          post(message, transfer) {
            if ((message as { t: string }).t === 'fetch' && ++parses === 6) {
              void port.terminate()
              onError?.(new Error('the worker thread exited with code 1'))
              return
            }
            port.post(message, transfer)
          },
          onMessage: (l) => port.onMessage(l),
          onError(l) {
            onError = l
            port.onError(l)
          },
          terminate: () => port.terminate(),
        }
      },
    }
    const { destination, options } = fresh('dying')
    const error = await pipeline({ ...options, pageWorkers: dying })
      .run(source())
      .catch((e: unknown) => e)
    expect(isSluiceError(error, 'PAGE_WORKER_FAILED')).toBe(true)
    expect((error as Error).message).toMatch(
      /a page worker stopped: the worker thread exited with code 1: run again/,
    )
    expect(destination.rows('items')).toHaveLength(0)
    const pending = await readdir(join(dir, 'dying', 'dying', 'load_packages')).catch(() => [])
    expect(pending).toEqual([])
    const info = await pipeline({ ...options, pageWorkers: nodePageWorkers({ size: 2 }) }).run(source())
    expect(info.tables.items?.rows).toBe(PAGES * 40)
    expect(destination.rows('items')).toHaveLength(PAGES * 40)
    expect(new Set(destination.rows('items').map((r) => r.id)).size).toBe(PAGES * 40)
  })

  it('a run stopped mid-way stops its workers and keeps no rows; the next run loads everything once', async () => {
    const real = nodePageWorkers({ size: 2 })
    const ports: PageWorkerPort[] = []
    let terminated = 0
    const watched: PageWorkers = {
      size: 2,
      spawn() {
        const port = real.spawn()
        ports.push(port)
        return {
          ...port,
          onMessage: (l) => port.onMessage(l),
          onError: (l) => port.onError(l),
          terminate: () => {
            terminated++
            return port.terminate()
          },
        }
      },
    }
    const { destination, options } = fresh('stopped')
    const stop = new AbortController()
    served.length = 0
    onServe = (n) => {
      if (n === 20) stop.abort(new Error('stopped by SIGINT'))
    }
    onTestFinished(() => {
      onServe = undefined
    })
    const error = await pipeline({ ...options, pageWorkers: watched })
      .run(source(), { signal: stop.signal })
      .catch((e: unknown) => e)
    onServe = undefined
    expect(isSluiceError(error, 'RUN_ABORTED')).toBe(true)
    expect(ports).toHaveLength(2)
    expect(terminated).toBe(2)
    expect(destination.rows('items')).toHaveLength(0)
    const info = await pipeline({ ...options, pageWorkers: nodePageWorkers({ size: 2 }) }).run(source())
    expect(info.tables.items?.rows).toBe(PAGES * 40)
    expect(new Set(destination.rows('items').map((r) => r.id)).size).toBe(PAGES * 40)
  })
})
