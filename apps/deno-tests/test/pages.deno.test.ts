// Page workers as Web Workers under Deno: a resource's pages are fetched from a loopback server, parsed, normalized
// and encoded on two workers, and the rows land in DuckDB exactly once (the resource drops repeated ids).
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  createHttpClient,
  type PageWorkerPort,
  type PageWorkers,
  type ParsedPage,
  type Source,
  webPageWorkers,
} from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'

const PAGES = 30
const ROWS = 40
/** Makes every page larger than what the pipeline's thread would parse itself (64 KiB). */
const PAD = 'n'.repeat(1700)

/** Page p: ids p*40-5 .. p*40+39 (the first 5 repeat the page before), a nested list from page 10 on. */
function body(p: number): string {
  const rows = []
  for (let i = Math.max(0, p * ROWS - 5); i < (p + 1) * ROWS; i++) {
    rows.push({ id: i, amount: i * 1.5, note: PAD, ...(p >= 10 ? { tags: [`t${i}`] } : {}) })
  }
  return JSON.stringify({ data: rows })
}

Deno.test({
  name: 'page workers (Web Workers) under Deno load every row once',
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, (req) => {
      const page = Number(new URL(req.url).searchParams.get('page'))
      return new Response(body(page), { headers: { 'content-type': 'application/json' } })
    })
    const baseUrl = `http://127.0.0.1:${server.addr.port}`
    const source: Source = {
      name: 'paged',
      resources: [
        {
          name: 'items',
          primaryKey: 'id',
          writeDisposition: 'merge',
          async *read(ctx) {
            assert.ok(ctx.pageReader, 'the pipeline offers a page reader')
            const client = createHttpClient({ baseUrl })
            const reader = ctx.pageReader({ dataKeys: ['data'], key: 'id' })
            const seen = new Set<unknown>()
            for (let p = 0; p < PAGES; p++) {
              const page = (
                await client.request<ParsedPage>({ path: '/items', params: { page: p } }, { reader })
              ).body
              const keys = page.keys!
              page.select((i) => !seen.has(keys[i]))
              for (const k of keys) seen.add(k)
              yield page
            }
          },
        },
      ],
    }
    const real = webPageWorkers({ size: 2 })
    const replies: string[] = []
    const counted: PageWorkers = {
      size: 2,
      spawn(): PageWorkerPort {
        const port = real.spawn()
        return {
          ...port,
          onMessage: (listener) =>
            port.onMessage((m) => {
              replies.push((m as { t: string }).t)
              listener(m)
            }),
        }
      },
    }
    const dir = await Deno.makeTempDir({ prefix: 'sluice-deno-pages-' })
    try {
      const file = `${dir}/pages.duckdb`
      const info = await pipeline({
        pipelineName: 'deno_pages',
        destination: duckdb({ path: file }),
        pipelinesDir: `${dir}/pipelines`,
        pageWorkers: counted,
      }).run(source)
      assert.equal(info.tables.items?.rows, PAGES * ROWS)
      assert.equal(replies.filter((t) => t === 'fetched').length, PAGES, 'every page came from a worker')
      const instance = await DuckDBInstance.create(file)
      const conn = await instance.connect()
      try {
        const r = await conn.runAndReadAll(
          // whole amounts land in `amount` (bigint), the others in its variant column
          'select count(*), count(distinct id), sum(coalesce(amount, amount__v_double)) from deno_pages_dataset.items',
        )
        const [count, distinct, sum] = r.getRows()[0]!.map(Number)
        const n = PAGES * ROWS
        assert.deepEqual([count, distinct, sum], [n, n, (1.5 * n * (n - 1)) / 2])
        const tags = await conn.runAndReadAll('select count(*) from deno_pages_dataset.items__tags')
        assert.equal(Number(tags.getRows()[0]![0]), (PAGES - 10) * ROWS)
      } finally {
        conn.closeSync()
        instance.closeSync()
      }
    } finally {
      await server.shutdown()
      await rm(dir, { recursive: true, force: true })
    }
  },
})
