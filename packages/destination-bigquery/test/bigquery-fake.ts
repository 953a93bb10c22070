// One class over 400 lines on purpose: the whole fake BigQuery API (jobs, pages of results, datasets, tables, load jobs) over one DuckDB; its wire shapes are in bigquery-fake-protocol.ts.
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api'
import { createServer } from '@mswjs/http-middleware'
import { dq, loadNdjson, sq, tableColumns } from '@sluice/destination-testkit/warehouse'
import { HttpResponse, http } from 'msw'
import {
  apiError,
  bqType,
  cellOut,
  parseMultipart,
  QueryError,
  queryParams,
  STATEMENT_TYPES,
  toDuck,
} from './bigquery-fake-protocol.ts'

/** A job the fake received (query or load), as sent. */
export interface ReceivedJob {
  jobId: string
  kind: 'query' | 'load'
  configuration: Record<string, unknown>
  location: string | undefined
}

interface StoredJob {
  resource: Record<string, unknown>
  result?: { fields: { name: string; type: string }[]; rows: unknown[][] }
  error?: { reason: string; message: string }
}

/** Options of {@link FakeBigQuery}. */
export interface FakeBigQueryOptions {
  /** Accepted bearer tokens. Default `['fake-token']`. */
  tokens?: string[]
  /** The project. Default `test-project`. */
  projectId?: string
  /** SQL (regex) answered with 403 accessDenied. */
  denied?: RegExp[]
  /** Jobs that stay RUNNING until cancelled: matched against the query text or `dataset.table` of a load. */
  hold?: RegExp
  /** GCS locations load jobs may read: URL prefix (`gs://bucket/`) → local folder, or a reader of the path after it. */
  buckets?: Record<string, string | ((path: string) => Promise<Uint8Array | undefined>)>
}

/**
 * A BigQuery stand-in for tests: msw handlers for the REST v2 calls @google-cloud/bigquery makes (datasets.get,
 * jobs.insert for queries, multipart upload of load jobs, jobs.get, jobs.getQueryResults, jobs.cancel), served on
 * 127.0.0.1 by @mswjs/http-middleware. GoogleSQL runs against an in-memory DuckDB after translating the few
 * differences (backticks, types, `@name` parameters, transaction scripts, per-dataset INFORMATION_SCHEMA);
 * datasets are DuckDB schemas, a query's `defaultDataset` its search path. Dry runs answer the statement type
 * (from DuckDB's prepared statement) without running anything; results are served in pages of `maxResults`.
 * Every job configuration is recorded for assertions.
 */
export class FakeBigQuery {
  readonly jobs: ReceivedJob[] = []
  readonly unhandled: string[] = []
  /** Ids of jobs the client cancelled. */
  readonly cancelled: string[] = []
  readonly datasetLocations: Map<string, string> = new Map()
  url = ''
  db!: DuckDBInstance
  admin!: DuckDBConnection
  private conn!: DuckDBConnection
  private server!: Server
  private dir = ''
  private queue: Promise<unknown> = Promise.resolve()
  private readonly stored = new Map<string, StoredJob>()
  private readonly options: Required<FakeBigQueryOptions>

  constructor(options: FakeBigQueryOptions = {}) {
    this.options = {
      tokens: options.tokens ?? ['fake-token'],
      projectId: options.projectId ?? 'test-project',
      denied: options.denied ?? [],
      buckets: options.buckets ?? {},
      hold: options.hold ?? /$^/,
    }
  }

  async start(): Promise<this> {
    this.db = await DuckDBInstance.create(':memory:')
    this.admin = await this.db.connect()
    this.conn = await this.db.connect()
    for (const c of [this.admin, this.conn]) await c.run("SET TimeZone = 'UTC'")
    this.dir = await mkdtemp(join(tmpdir(), 'sluice-fake-bigquery-'))
    const app = createServer(...(this.handlers() as never[]))
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve())
    })
    const addr = this.server.address()
    if (!addr || typeof addr === 'string') throw new Error('no address')
    this.url = `http://127.0.0.1:${addr.port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections?.()
    this.conn.closeSync()
    this.admin.closeSync()
    this.db.closeSync()
    await rm(this.dir, { recursive: true, force: true })
  }

  /** Query texts received, optionally filtered. */
  queries(filter?: RegExp): string[] {
    return this.jobs
      .filter((j) => j.kind === 'query')
      .map((j) => String((j.configuration['query'] as { query: string }).query))
      .filter((q) => !filter || filter.test(q))
  }

  private handlers() {
    const p = '/bigquery/v2/projects/:project'
    return [
      http.all('*', ({ request }) => {
        const auth = request.headers.get('authorization') ?? ''
        const token = /^Bearer (.+)$/.exec(auth)?.[1]
        if (!token || !this.options.tokens.includes(token))
          return apiError(401, 'authError', 'Request had invalid authentication credentials.')
        return undefined
      }),
      http.get(`${p}/datasets/:dataset`, async ({ params }) => {
        const ds = String(params['dataset'])
        const r = await this.admin.runAndReadAll(
          'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
          [ds],
        )
        if (r.getRows().length === 0)
          return apiError(404, 'notFound', `Not found: Dataset ${this.options.projectId}:${ds}`)
        return HttpResponse.json({
          kind: 'bigquery#dataset',
          id: `${this.options.projectId}:${ds}`,
          datasetReference: { projectId: this.options.projectId, datasetId: ds },
          location: this.datasetLocations.get(ds) ?? 'US',
        })
      }),
      http.post(`${p}/jobs`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>
        return this.insertJob(body, undefined)
      }),
      http.post('/upload/bigquery/v2/projects/:project/jobs', async ({ request }) => {
        const { metadata, data } = await parseMultipart(request)
        return this.insertJob(metadata, data)
      }),
      http.get(`${p}/jobs/:jobId`, ({ params }) => {
        const job = this.stored.get(String(params['jobId']))
        if (!job) return apiError(404, 'notFound', `Not found: Job ${String(params['jobId'])}`)
        return HttpResponse.json(job.resource as never)
      }),
      http.post(`${p}/jobs/:jobId/cancel`, ({ params }) => {
        const job = this.stored.get(String(params['jobId']))
        if (!job) return apiError(404, 'notFound', `Not found: Job ${String(params['jobId'])}`)
        this.cancelled.push(String(params['jobId']))
        const status = job.resource['status'] as { state: string }
        if (status.state === 'RUNNING') {
          const stopped = {
            reason: 'stopped',
            message: 'Job execution was cancelled: User requested cancellation',
          }
          job.error = stopped
          job.resource['status'] = { state: 'DONE', errorResult: stopped, errors: [stopped] }
        }
        return HttpResponse.json({ kind: 'bigquery#jobCancelResponse', job: job.resource } as never)
      }),
      http.get(`${p}/queries/:jobId`, async ({ params, request }) => {
        const job = this.stored.get(String(params['jobId']))
        if (!job) return apiError(404, 'notFound', `Not found: Job ${String(params['jobId'])}`)
        if (job.error) return apiError(400, job.error.reason, job.error.message)
        if ((job.resource['status'] as { state: string }).state === 'RUNNING') {
          // BigQuery holds the request up to timeoutMs, then says the job is not done yet
          await new Promise((resolve) => setTimeout(resolve, 50))
          return HttpResponse.json({
            kind: 'bigquery#getQueryResultsResponse',
            jobReference: (job.resource as { jobReference: unknown }).jobReference,
            jobComplete: false,
          } as never)
        }
        const url = new URL(request.url)
        const int64 = url.searchParams.get('formatOptions.useInt64Timestamp') === 'true'
        const result = job.result ?? { fields: [], rows: [] }
        // pages of maxResults rows; the page token is the offset of the next page
        const start = Number(url.searchParams.get('pageToken') ?? 0)
        const size = Number(url.searchParams.get('maxResults') ?? 0) || result.rows.length
        const next = start + size < result.rows.length ? String(start + size) : undefined
        return HttpResponse.json({
          kind: 'bigquery#getQueryResultsResponse',
          jobReference: (job.resource as { jobReference: unknown }).jobReference,
          schema: { fields: result.fields.map((f) => ({ ...f, mode: 'NULLABLE' })) },
          rows: result.rows.slice(start, start + size).map((r) => ({
            f: r.map((v, i) => ({ v: cellOut(result.fields[i]?.type, v, int64) })),
          })),
          totalRows: String(result.rows.length),
          ...(next ? { pageToken: next } : {}),
          jobComplete: true,
        } as never)
      }),
      http.all('*', ({ request }) => {
        this.unhandled.push(`${request.method} ${request.url}`)
        return apiError(501, 'notImplemented', `the fake does not handle ${request.method} ${request.url}`)
      }),
    ]
  }

  private async insertJob(body: Record<string, unknown>, data: Buffer | undefined): Promise<Response> {
    const ref = (body['jobReference'] ?? {}) as { jobId?: string; location?: string }
    const jobId = ref.jobId ?? `job_${randomUUID()}`
    const configuration = (body['configuration'] ?? {}) as Record<string, unknown>
    const kind = configuration['load'] ? 'load' : 'query'
    this.jobs.push({ jobId, kind, configuration, location: ref.location })
    if (configuration['dryRun'] === true && kind === 'query') return this.dryRunJob(jobId, configuration, ref)
    const dest = (
      configuration['load'] as { destinationTable?: { datasetId: string; tableId: string } } | undefined
    )?.destinationTable
    const subject =
      kind === 'load'
        ? `${dest?.datasetId}.${dest?.tableId}`
        : String((configuration['query'] as { query?: string }).query)
    if (this.options.hold.test(subject)) {
      const resource: Record<string, unknown> = {
        kind: 'bigquery#job',
        id: `${this.options.projectId}:${ref.location ?? 'US'}.${jobId}`,
        jobReference: { projectId: this.options.projectId, jobId, location: ref.location ?? 'US' },
        configuration,
        status: { state: 'RUNNING' },
        statistics: { creationTime: String(Date.now()) },
      }
      this.stored.set(jobId, { resource })
      return HttpResponse.json(resource as never)
    }
    const run: Promise<unknown> = this.queue.then(
      (): Promise<unknown> =>
        kind === 'load'
          ? this.runLoad(configuration['load'] as Record<string, unknown>, data)
          : this.runQuery(configuration['query'] as Record<string, unknown>),
    )
    this.queue = run.catch(() => {})
    const resource: Record<string, unknown> = {
      kind: 'bigquery#job',
      id: `${this.options.projectId}:${ref.location ?? 'US'}.${jobId}`,
      jobReference: { projectId: this.options.projectId, jobId, location: ref.location ?? 'US' },
      configuration,
      status: { state: 'DONE' },
      statistics: { creationTime: String(Date.now()) },
    }
    const stored: StoredJob = { resource }
    try {
      const out = await run
      if (kind === 'load') {
        resource['statistics'] = {
          ...(resource['statistics'] as object),
          load: { outputRows: String(out as number), inputFiles: '1' },
        }
      } else {
        stored.result = out as StoredJob['result']
        resource['statistics'] = {
          ...(resource['statistics'] as object),
          query: { numDmlAffectedRows: '0', statementType: 'SELECT' },
        }
      }
    } catch (error) {
      const reason = error instanceof QueryError ? error.reason : 'invalidQuery'
      const message = error instanceof Error ? error.message : String(error)
      if (reason === 'accessDenied') return apiError(403, reason, message)
      stored.error = { reason, message }
      resource['status'] = { state: 'DONE', errorResult: { reason, message }, errors: [{ reason, message }] }
    }
    this.stored.set(jobId, stored)
    return HttpResponse.json(resource as never)
  }

  /**
   * A dry run, as BigQuery answers it: nothing runs, the job is not kept, and `statistics.query.statementType`
   * says what the statement is. The fake asks DuckDB: how many statements (several: `SCRIPT`), and the type of the
   * one it prepares (which also resolves the tables, so a missing one is `notFound`).
   */
  private async dryRunJob(
    jobId: string,
    configuration: Record<string, unknown>,
    ref: { location?: string },
  ): Promise<Response> {
    const query = configuration['query'] as Record<string, unknown>
    const run = this.queue.then(() => this.statementType(query))
    this.queue = run.catch(() => {})
    let statementType: string
    try {
      statementType = await run
    } catch (error) {
      const reason = error instanceof QueryError ? error.reason : 'invalidQuery'
      const status = reason === 'notFound' ? 404 : reason === 'accessDenied' ? 403 : 400
      return apiError(status, reason, (error as Error).message)
    }
    return HttpResponse.json({
      kind: 'bigquery#job',
      jobReference: { projectId: this.options.projectId, jobId, location: ref.location ?? 'US' },
      configuration,
      status: { state: 'DONE' },
      statistics: {
        creationTime: String(Date.now()),
        totalBytesProcessed: '0',
        query: { statementType, totalBytesProcessed: '0' },
      },
    } as never)
  }

  private async statementType(query: Record<string, unknown>): Promise<string> {
    const sql = String(query['query'])
    for (const d of this.options.denied)
      if (d.test(sql)) throw new QueryError('accessDenied', 'Access Denied: User does not have permission')
    const { text } = toDuck(sql, queryParams(query))
    return this.inDataset(query, async () => {
      const statements = await this.conn.extractStatements(text).catch((error: unknown) => {
        throw new QueryError('invalidQuery', (error as Error).message)
      })
      if (statements.count !== 1) return 'SCRIPT'
      const prepared = await statements.prepare(0).catch((error: unknown) => {
        const message = (error as Error).message
        throw new QueryError(/Catalog Error/.test(message) ? 'notFound' : 'invalidQuery', message)
      })
      try {
        return STATEMENT_TYPES[StatementType[prepared.statementType] ?? ''] ?? 'SCRIPT'
      } finally {
        prepared.destroySync()
      }
    })
  }

  /** Runs `fn` with unqualified names resolving to the query's `defaultDataset`, as BigQuery does. */
  private async inDataset<T>(query: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    const dataset = (query['defaultDataset'] as { datasetId?: string } | undefined)?.datasetId
    if (!dataset) return fn()
    await this.conn.run(`SET search_path = ${sq(dq(dataset))}`)
    try {
      return await fn()
    } finally {
      await this.conn.run('RESET search_path')
    }
  }

  private async runLoad(load: Record<string, unknown>, data: Buffer | undefined): Promise<number> {
    const dest = load['destinationTable'] as { datasetId: string; tableId: string }
    const uris = (load['sourceUris'] ?? []) as string[]
    if (!data && uris.length === 0)
      throw new QueryError('invalid', 'a load job needs uploaded data or sourceUris')
    if (!data) {
      const parts: Buffer[] = []
      for (const uri of uris) {
        const prefix = Object.keys(this.options.buckets).find((p) => uri.startsWith(p))
        if (!prefix) throw new QueryError('notFound', `Not found: URI ${uri}`)
        const bucket = this.options.buckets[prefix] as
          | string
          | ((path: string) => Promise<Uint8Array | undefined>)
        const path = uri.slice(prefix.length)
        const found =
          typeof bucket === 'string'
            ? await readFile(join(bucket, path)).catch(() => undefined)
            : await bucket(path).then((b) => (b ? Buffer.from(b) : undefined))
        if (!found) throw new QueryError('notFound', `Not found: URI ${uri}`)
        const raw = found
        parts.push(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw)
      }
      data = Buffer.concat(parts)
    }
    if (load['sourceFormat'] !== 'NEWLINE_DELIMITED_JSON')
      throw new QueryError('invalid', `unsupported sourceFormat ${String(load['sourceFormat'])}`)
    const columns = await tableColumns(this.conn, dest.datasetId, dest.tableId)
    if (columns.length === 0)
      throw new QueryError(
        'notFound',
        `Not found: Table ${this.options.projectId}:${dest.datasetId}.${dest.tableId}`,
      )
    const fields = ((load['schema'] as { fields?: { name: string }[] } | undefined)?.fields ?? []).map(
      (f) => f.name,
    )
    for (const f of fields) {
      if (!columns.some((c) => c.name.toLowerCase() === f.toLowerCase()))
        throw new QueryError(
          'invalid',
          `Provided Schema does not match Table. Field ${f} is missing in the table`,
        )
    }
    const bytes = data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data
    const file = join(this.dir, `${randomUUID()}.jsonl`)
    await writeFile(file, bytes)
    try {
      await this.conn.run('BEGIN TRANSACTION')
      const n = await loadNdjson(this.conn, dest.datasetId, dest.tableId, file, { binary: 'base64' })
      await this.conn.run('COMMIT')
      return n
    } catch (error) {
      await this.conn.run('ROLLBACK').catch(() => {})
      throw new QueryError('invalid', `Error while reading data, error message: ${(error as Error).message}`)
    } finally {
      await rm(file, { force: true })
    }
  }

  private async runQuery(query: Record<string, unknown>): Promise<StoredJob['result']> {
    const sql = String(query['query'])
    if (query['useLegacySql'] !== false) throw new QueryError('invalid', 'the fake only speaks GoogleSQL')
    for (const d of this.options.denied)
      if (d.test(sql)) throw new QueryError('accessDenied', 'Access Denied: User does not have permission')
    const params = queryParams(query)
    const script =
      /^BEGIN\n {2}BEGIN TRANSACTION;\n([\s\S]*)\n {2}COMMIT TRANSACTION;\nEXCEPTION WHEN ERROR THEN\n/.exec(
        sql,
      )
    if (script) {
      await this.conn.run('BEGIN TRANSACTION')
      try {
        for (const line of (script[1] as string).split('\n')) {
          const st = line.trim().replace(/;$/, '')
          if (st) await this.runOne(st, params)
        }
        await this.conn.run('COMMIT')
      } catch (error) {
        await this.conn.run('ROLLBACK')
        throw error
      }
      return { fields: [], rows: [] }
    }
    const lines = sql.split('\n')
    if (lines.length > 1 && lines.every((l) => l.endsWith(';'))) {
      let last: StoredJob['result']
      for (const l of lines) last = await this.runOne(l.replace(/;$/, ''), params)
      return last
    }
    return this.inDataset(query, () => this.runOne(sql, params))
  }

  private async runOne(sql: string, params: Map<string, string | null>): Promise<StoredJob['result']> {
    const schema = /^CREATE SCHEMA IF NOT EXISTS `((?:[^`\\]|\\.)*)` OPTIONS \(location = '([^']*)'\)$/.exec(
      sql,
    )
    if (schema) this.datasetLocations.set(schema[1] as string, schema[2] as string)
    const translated = toDuck(sql, params)
    const values = translated.values
    const text = translated.text.replace(
      /^CREATE OR REPLACE TABLE ("(?:[^"]|"")*"\."(?:[^"]|"")*") CLONE ("(?:[^"]|"")*"\."(?:[^"]|"")*")$/,
      'CREATE OR REPLACE TABLE $1 AS SELECT * FROM $2',
    )
    try {
      const reader = await this.conn.runAndReadAll(text, values.length ? values : undefined)
      const names = reader.columnNames()
      const types = reader.columnTypes().map((t) => (t.alias === 'JSON' ? 'JSON' : bqType(String(t))))
      return {
        fields: names.map((name, i) => ({ name, type: types[i] ?? 'STRING' })),
        rows: reader.getRows(),
      }
    } catch (error) {
      const message = (error as Error).message
      throw new QueryError(/Catalog Error/.test(message) ? 'notFound' : 'invalidQuery', message)
    }
  }
}
