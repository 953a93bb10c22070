// The dashboard's routes: the page (one HTML file and its modules) and a JSON API under /api, behind the guard.
// Every query goes through the dataset API (the destination's read-only reader), opened per request and closed
// after it, so that a run may write while the page is open. Every JSON answer is redacted of the secrets the
// configuration holds.
import { isSluiceError, redact, type Schema, type SluiceError } from '@sluice/core'
import { type OpenPipelineOptions, openPipeline } from '@sluice/core/node'
import { type Context, Hono } from 'hono'
import { assets } from './dashboard-assets.ts'
import { listView, pipelineView, stampOf } from './dashboard-data.ts'
import { guard } from './dashboard-guard.ts'
import {
  clockodoHours,
  countParam,
  hasClockodoEntries,
  loadsOf,
  MAX_OFFSET,
  MAX_ROWS,
  readRows,
  runQuery,
} from './dashboard-queries.ts'

/** What the routes need. */
export interface AppOptions {
  token: string
  port: number
  host: string
  /** Opens pipelines: the pipelines directory, config and importer. */
  pipelines: OpenPipelineOptions
  /** Secret values no answer may show. */
  secrets: readonly string[]
  queryLimit: number
}

const STATUS: Record<string, 400 | 404> = {
  PIPELINE_UNKNOWN: 404,
  TABLE_UNKNOWN: 404,
  COLUMN_UNKNOWN: 404,
  READ_ONLY: 400,
  QUERY_INVALID: 400,
  QUERY_FAILED: 400,
}

/** The dashboard as a Web-standard request handler (Hono app): serve it with any runtime's server. */
export function dashboardApp(options: AppOptions): Hono {
  const app = new Hono()
  const json = (c: Context, value: unknown, status: 200 | 400 | 404 | 500 = 200) =>
    c.body(redact(JSON.stringify(value), options.secrets), status, {
      'Content-Type': 'application/json; charset=utf-8',
    })
  const open = (c: Context) => openPipeline(c.req.param('name') ?? '', options.pipelines)

  app.use('*', guard(options))

  const page = async (c: Context) => {
    const index = (await assets()).get('index.html')!
    return c.body(index.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': index.type })
  }
  app.get('/', page)
  app.get('/pipelines/:name', page)
  app.get('/assets/:file', async (c) => {
    const file = (await assets()).get(c.req.param('file'))
    if (!file) return c.text('no such file', 404)
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': file.type })
  })

  app.get('/api/pipelines', async (c) => json(c, await listView(options.pipelines)))
  app.get('/api/pipelines/:name', async (c) => json(c, await pipelineView(await open(c))))
  app.get('/api/pipelines/:name/stamp', async (c) => json(c, { stamp: await stampOf(await open(c)) }))

  app.get('/api/pipelines/:name/row-counts', async (c) => {
    await using dataset = (await open(c)).dataset()
    return json(c, await dataset.rowCounts())
  })
  app.get('/api/pipelines/:name/tables/:table', async (c) => {
    const offset = countParam('offset', c.req.query('offset'), 0, MAX_OFFSET)
    const limit = countParam('limit', c.req.query('limit'), 50, MAX_ROWS)
    await using dataset = (await open(c)).dataset()
    const page = await readRows(dataset.table(c.req.param('table')), offset, limit)
    return json(c, { ...page, offset, limit })
  })
  app.post('/api/pipelines/:name/query', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { sql?: unknown; limit?: unknown }
    const sql = typeof body.sql === 'string' ? body.sql : ''
    const limit = countParam(
      'limit',
      body.limit === undefined ? undefined : String(body.limit),
      options.queryLimit,
      MAX_ROWS,
    )
    await using dataset = (await open(c)).dataset()
    return json(c, { ...(await runQuery(dataset, sql, limit)), limit })
  })
  app.get('/api/pipelines/:name/loads', async (c) => {
    const p = await open(c)
    const schema = await p.schema()
    await using dataset = p.dataset()
    return json(c, await loadsOf(dataset, schema ? [schema.name] : [], options.queryLimit))
  })
  app.get('/api/pipelines/:name/loads/:loadId', async (c) => {
    await using dataset = (await open(c)).dataset()
    return json(c, await dataset.rowCounts({ loadId: c.req.param('loadId') }))
  })
  app.get('/api/pipelines/:name/hours', async (c) => {
    const weeks = countParam('weeks', c.req.query('weeks'), 8, 104)
    const p = await open(c)
    const schema: Schema | undefined = await p.schema()
    if (!hasClockodoEntries(schema)) return json(c, { available: false })
    await using dataset = p.dataset()
    return json(c, { available: true, ...(await clockodoHours(dataset, Math.max(weeks, 1))) })
  })

  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? json(c, { error: { code: 'NOT_FOUND', message: `no endpoint ${c.req.method} ${c.req.path}` } }, 404)
      : c.text('not found', 404),
  )
  app.onError((error, c) => {
    const known = isSluiceError(error)
    const e = error as SluiceError
    const status = known ? (STATUS[e.code] ?? 500) : 500
    const hint = known ? e.hint : undefined
    // a SluiceError's message ends with its hint: the page shows them apart
    const message =
      hint && error.message.endsWith(`: ${hint}`) ? error.message.slice(0, -hint.length - 2) : error.message
    return json(
      c,
      {
        error: {
          code: known ? e.code : 'INTERNAL',
          message,
          ...(hint ? { hint } : {}),
        },
      },
      status,
    )
  })
  return app
}
