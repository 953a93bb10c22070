import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isSluiceError } from '../../src/errors.ts'
import { createHttpClient } from '../../src/http/http-client.ts'
import { nodeFileSystem, nodePageWorkers } from '../../src/node/index.ts'
import type { ParsedPage } from '../../src/page-workers/page-types.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Source } from '../../src/source/source-types.ts'
import { FakeDestination } from './fake-destination.ts'

// Values a destination cannot store are cleaned or moved while the pages are normalized, on the pipeline's thread
// and on page workers alike, and the run's warnings count them. Pages come as JSON text from a server on
// 127.0.0.1, so numbers are read as JSON.parse reads them (1e400 is Infinity, 9007199254740993 is ...992).

type Row = Record<string, unknown>
const PAGES = 6
/** Makes every page larger than SMALL_BODY_BYTES, which the pipeline's thread would parse itself. */
const PAD = 'p'.repeat(2000)

/** Page p: 40 rows; page 2 brings the odd values, page 4 a NUL in the padding of one row. */
function body(p: number): string {
  const rows: string[] = []
  for (let i = 0; i < 40; i++) {
    const id = p * 40 + i
    let big = String(id)
    let text = JSON.stringify(`row ${id}`)
    let amount = String(id / 2 + 0.25)
    if (p === 2 && i === 1) big = '100000000000000000000'
    if (p === 2 && i === 2) big = '9007199254740993'
    if (p === 2 && i === 3) amount = '1e400'
    if (p === 2 && i === 4) text = JSON.stringify('nul\u0000inside')
    if (p === 2 && i === 5) text = JSON.stringify('x'.repeat(30))
    const at = p === 2 && i === 6 ? '0000-01-01T00:00:00Z' : '2026-01-02T03:04:05Z'
    const note = p === 4 && i === 7 ? JSON.stringify(`${PAD}\u0000`) : JSON.stringify(PAD)
    rows.push(`{"id":${id},"big":${big},"text":${text},"amount":${amount},"at":"${at}","note":${note}}`)
  }
  return `{"data":[${rows.join(',')}]}`
}

let server: Server
let baseUrl: string
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-values-'))
  server = createServer((req, res) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body(page))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await rm(dir, { recursive: true, force: true })
})

function source(disposition: 'append' | 'merge'): Source {
  return {
    name: 'odd',
    resources: [
      {
        name: 'items',
        primaryKey: 'id',
        writeDisposition: disposition,
        async *read(ctx) {
          const client = createHttpClient({ baseUrl })
          const reader = ctx.pageReader!({ dataKeys: ['data'] })
          for (let page = 0; page < PAGES; page++) {
            const res = await client.request<ParsedPage>({ path: '/items', params: { page } }, { reader })
            yield res.body
          }
        },
      },
    ],
  }
}

async function run(name: string, workers: boolean, disposition: 'append' | 'merge' = 'append') {
  const destination = new FakeDestination('csv')
  Object.assign(destination.capabilities, { values: { textNul: false, maxTextBytes: 20 } })
  const p = pipeline({
    pipelineName: name,
    destination,
    pipelinesDir: join(dir, name),
    fs: nodeFileSystem(),
    ...(workers ? { pageWorkers: nodePageWorkers({ size: 2 }) } : {}),
  })
  const info = await p.run(source(disposition))
  return { destination, info }
}

const byId = (rows: Row[]): Map<number, Row> => new Map(rows.map((r) => [Number(r.id), r]))

describe('values the destination cannot store', { timeout: 30_000 }, () => {
  it.each([
    ['on the pipeline thread', false],
    ['on page workers', true],
  ])('are cleaned or moved and counted %s; every row loads', async (_, workers) => {
    const { destination, info } = await run(workers ? 'workers' : 'here', workers)
    const rows = byId(destination.rows('items'))
    expect(rows.size).toBe(PAGES * 40)
    expect(rows.get(81)).toMatchObject({ big__v_double: '100000000000000000000' })
    expect(rows.get(81)?.big).toBeNull()
    expect(rows.get(82)).toMatchObject({ big: '9007199254740992' })
    expect(rows.get(83)?.amount).toBeNull()
    expect(rows.get(84)).toMatchObject({ text: 'nulinside' })
    expect(rows.get(85)).toMatchObject({ text: 'x'.repeat(20) })
    expect(rows.get(86)).toMatchObject({ at__v_text: '0000-01-01T00:00:00Z' })
    expect(rows.get(167)?.note).toBe(PAD.slice(0, 20))
    expect(Object.keys(destination.rows('items')[0]!).filter((c) => c.startsWith('amount'))).toEqual([
      'amount',
    ])
    expect([...info.warnings].sort()).toEqual(
      [
        "items.big: 1 value out of the column's range went to big__v_double",
        'items.big: 2 integers beyond ±2^53 may have lost their last digits (a JSON number holds 53 bits); have the source send them as strings to keep every digit',
        'items.amount: 1 number was not finite (NaN, ±Infinity, or beyond a double such as 1e400) and left out',
        "items.at: 1 value out of the column's range went to at__v_text",
        'items.text: 1 text value was cut to the longest text the destination stores',
        'items.note: 240 text values were cut to the longest text the destination stores',
        'items: 1 text value lost U+0000 characters, which the destination cannot store',
      ].sort(),
    )
  })

  it.each([
    ['on the pipeline thread', false],
    ['on page workers', true],
  ])('a merge row without its key fails the run with PRIMARY_KEY_MISSING %s', async (_, workers) => {
    const destination = new FakeDestination('csv')
    const p = pipeline({
      pipelineName: `nokey-${workers}`,
      destination,
      pipelinesDir: join(dir, `nokey-${workers}`),
      fs: nodeFileSystem(),
      ...(workers ? { pageWorkers: nodePageWorkers({ size: 2 }) } : {}),
    })
    const keyless: Source = {
      name: 'odd',
      resources: [
        {
          name: 'items',
          primaryKey: 'id',
          writeDisposition: 'merge',
          async *read() {
            yield [{ id: 1 }, { id: 2 }]
            yield [{ id: 3 }, { id: null }]
          },
        },
      ],
    }
    const error = await p.run(keyless).catch((e: unknown) => e)
    expect(isSluiceError(error, 'PRIMARY_KEY_MISSING')).toBe(true)
    expect(destination.rows('items')).toEqual([])
  })

  it('merge rows parsed on page workers get ids in extraction order', async () => {
    const { destination } = await run('merge-workers', true, 'merge')
    const ids = destination.rows('items').map((r) => [String(r._sluice_id), Number(r.id)] as const)
    expect(ids).toHaveLength(PAGES * 40)
    const sorted = [...ids].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, id]) => id)
    expect(sorted).toEqual(Array.from({ length: PAGES * 40 }, (_, i) => i))
  })
})
