import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  createHttpClient,
  type Destination,
  defineResource,
  defineSource,
  isSluiceError,
  type ParsedPage,
} from '@sluice/core'
import { nodePageWorkers, pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { postgres } from '@sluice/destination-postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { postgresQuery, tempDir } from '../src/index.ts'
import { postgresUrl } from './helpers.ts'

// Values that once stopped every run, and keys that collided or duplicated, served as JSON text by a server on
// 127.0.0.1 and read on page workers (JSON.parse as in production), into DuckDB and the suite's PostgreSQL.

const PAGES = 6
/** Makes every page larger than the 64 KiB a pipeline parses on its own thread. */
const PAD = JSON.stringify('p'.repeat(2000))

/** Page p: 40 rows; ids of pages 3 and 5 come again (the last wins); page 2 odd values; page 4 alike keys. */
function page(p: number, keyless: boolean): string {
  const rows: string[] = []
  for (let i = 0; i < 40; i++) {
    const id = p * 40 + i
    let row = `"id":${id},"name":"v${p}","big":${id},"amount":${id + 0.25},"text":"t","at":"2026-01-02T03:04:05Z"`
    if (p === 2 && i === 1) row = row.replace(`"big":${id}`, '"big":100000000000000000000')
    if (p === 2 && i === 2) row = row.replace(`"big":${id}`, '"big":9007199254740993')
    if (p === 2 && i === 3) row = row.replace(`"amount":${id + 0.25}`, '"amount":1e400')
    if (p === 2 && i === 4) row = row.replace('"text":"t"', '"text":"nul\\u0000inside"')
    if (p === 2 && i === 5) row = row.replace('2026-01-02T03:04:05Z', '0000-01-01T00:00:00Z')
    if (p === 4) row += `,"userId":"camel ${id}","user_id":"snake ${id}"`
    rows.push(`{${row},"pad":${PAD}}`)
  }
  if (p === 3) for (let i = 0; i < 5; i++) rows.push(`{"id":${i},"name":"v3","pad":${PAD}}`)
  if (p === 5) rows.push(`{"id":0,"name":"v5a","pad":${PAD}}`, `{"id":0,"name":"v5b","pad":${PAD}}`)
  if (keyless && p === 5) rows.push(`{"name":"no key","pad":${PAD}}`)
  return `{"data":[${rows.join(',')}]}`
}

let server: Server
let baseUrl: string
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(page(Number(url.searchParams.get('page')), url.searchParams.get('keyless') === '1'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function source(keyless = false) {
  return defineSource({
    name: 'odd',
    resources: [
      defineResource({
        name: 'items',
        primaryKey: 'id',
        writeDisposition: { disposition: 'merge', strategy: 'delete-insert' },
        async *read(ctx) {
          const client = createHttpClient({ baseUrl })
          const reader = ctx.pageReader!({ dataKeys: ['data'] })
          for (let p = 0; p < PAGES; p++) {
            const params = { page: p, keyless: keyless ? 1 : 0 }
            yield (await client.request<ParsedPage>({ path: '/items', params }, { reader })).body
          }
        },
      }),
      defineResource({
        name: 'healthy',
        async *read() {
          yield [{ id: 1, name: 'loads too' }]
        },
      }),
    ],
  })
}

async function duck(file: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file)
  const conn = await instance.connect()
  try {
    return (await conn.runAndReadAll(sql)).getRows() as unknown[][]
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

describe.each([
  {
    name: 'duckdb',
    make: (dir: string): Destination => duckdb({ path: join(dir, 'values.duckdb') }),
    query: (dir: string, sql: string) => duck(join(dir, 'values.duckdb'), sql),
    nul: 'nul\u0000inside',
  },
  {
    name: 'postgres',
    make: (): Destination => postgres({ credentials: postgresUrl() }),
    query: async (_: string, sql: string) =>
      (await postgresQuery(postgresUrl(), sql)).map((r) => Object.values(r)),
    nul: 'nulinside',
  },
])(
  'values and keys that used to stop or spoil a load ($name, page workers)',
  ({ name, make, query, nul }) => {
    test('every row loads: odd values cleaned or moved and counted, the last row of a key kept, alike keys apart', async () => {
      const dir = await tempDir(`sluice-faults-values-${name}-`)
      const dataset = `values_${name}_${Date.now()}`
      const p = () =>
        pipeline({
          pipelineName: `values_${name}`,
          destination: make(dir),
          datasetName: dataset,
          pipelinesDir: dir,
          pageWorkers: nodePageWorkers({ size: 2 }),
        })
      const info = await p().run(source())
      const one = async (sql: string): Promise<unknown[]> =>
        (await query(dir, sql)).map((r) => r.map((v) => (typeof v === 'bigint' ? String(v) : v)).join('|'))
      const t = `"${dataset}".items`
      expect(await one(`select count(*) as n, count(distinct id) as d from ${t}`)).toEqual([
        `${PAGES * 40}|${PAGES * 40}`,
      ])
      expect(await one(`select id, name from ${t} where id < 6 order by id`)).toEqual([
        '0|v5b',
        '1|v3',
        '2|v3',
        '3|v3',
        '4|v3',
        '5|v0',
      ])
      expect(
        await one(
          `select id, big, big__v_double::varchar, amount, text, at__v_text from ${t} where id between 81 and 85 order by id`,
        ),
      ).toEqual([
        '81||1e+20|81.25|t|',
        '82|9007199254740992||82.25|t|',
        '83|83|||t|',
        `84|84||84.25|${nul}|`,
        '85|85||85.25|t|0000-01-01T00:00:00Z',
      ])
      expect(await one(`select user_id, user_id_${tag} from ${t} where id = 160`)).toEqual([
        'camel 160|snake 160',
      ])
      expect(await one(`select name from "${dataset}".healthy`)).toEqual(['loads too'])
      expect(info.warnings).toEqual(
        expect.arrayContaining([
          "items.big: 1 value out of the column's range went to big__v_double",
          'items.big: 2 integers beyond ±2^53 may have lost their last digits (a JSON number holds 53 bits); have the source send them as strings to keep every digit',
          'items.amount: 1 number was not finite (NaN, ±Infinity, or beyond a double such as 1e400) and left out',
          "items.at: 1 value out of the column's range went to at__v_text",
          `items: source key "user_id" is named like another key of the same object; its values go to column user_id_${tag}`,
        ]),
      )
      expect(info.warnings.some((w) => w.includes('U+0000'))).toBe(name === 'postgres')

      // a row without its key: the run fails saying so, and the table stays as it was
      const error = await p()
        .run(source(true))
        .catch((e: unknown) => e)
      expect(isSluiceError(error, 'PRIMARY_KEY_MISSING')).toBe(true)
      expect(String((error as Error).message)).toContain('primary key column id')
      expect(await one(`select count(*) from ${t}`)).toEqual([String(PAGES * 40)])
    })
  },
)

/** The tag of the second key named `user_id` (dlt's shortening hash of the key, see normalize-names.ts). */
const tag = 'ceemmg'
