// One class over 400 lines on purpose: the HTTP side of one fake workspace (statement lifecycle, OAuth, volume files); statements run in databricks-fake-engine.ts.
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { createServer } from '@mswjs/http-middleware'
import { HttpResponse, http } from 'msw'
import { type FakeEngine, runStatement, type StatementResult } from './databricks-fake-engine.ts'
import { type StatementFailure, toFailure } from './databricks-fake-sql.ts'

/** A statement request the fake received, as sent (parameters included). */
export interface ReceivedStatement {
  id: string
  statement: string
  parameters: { name: string; value?: string; type?: string }[]
  catalog: string | undefined
  schema: string | undefined
  rowLimit: number | undefined
  waitTimeout: string | undefined
}

/** How the fake answers statements that match `match` (the first matching script, used `times` times). */
export interface StatementScript {
  match: RegExp
  /** Polls answered PENDING (the warehouse is starting) before the statement runs. */
  pendingPolls?: number
  /** Polls answered RUNNING before the statement runs. */
  runningPolls?: number
  /** The statement stays RUNNING until it is canceled; it never runs. */
  hold?: boolean
  /** The statement ends CANCELED after this many polls (canceled outside the client); it never runs. */
  canceledAfter?: number
  /** The statement FAILS with this error without running. */
  fail?: { error_code: string; message: string; sql_state?: string }
  /** How often the script applies. Default always. */
  times?: number
}

interface StatementRecord {
  received: ReceivedStatement
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED'
  script: StatementScript | undefined
  polls: number
  result?: StatementResult
  error?: StatementFailure
}

/** Options of {@link FakeDatabricks}. */
export interface FakeDatabricksOptions {
  /** Accepted personal access tokens. Default `['dapi-fake-token']`. */
  tokens?: string[]
  /** OAuth service principals: client id → OAuth secret. */
  clients?: Record<string, string>
  /** `expires_in` of OAuth tokens, in seconds. Default 3600. */
  tokenLifetimeSeconds?: number
  /** The SQL warehouse. Default `abc123def4567890`. */
  warehouseId?: string
  /** Catalogs that exist. Default `['main']`. */
  catalogs?: string[]
  /** Rows per result chunk. Default 1000. */
  chunkRows?: number
  /** Staging buckets COPY INTO may read: URL prefix (`s3://bucket/`) → local folder. */
  buckets?: Record<string, string>
  /** The AWS key id inline credentials must carry for `buckets`. */
  bucketKeyId?: string
  /** Named storage credentials that may read `buckets`. */
  storageCredentials?: string[]
  /** URL prefixes that are external locations (readable without a credential). */
  externalLocations?: string[]
  /** Statements (regex) answered with a permission error. */
  denied?: RegExp[]
}

/**
 * A Databricks workspace stand-in for tests: msw handlers for the REST calls the destination makes — the SQL
 * Statement Execution API (`POST /api/2.0/sql/statements`, `GET .../{id}`, `GET .../{id}/result/chunks/{i}`,
 * `POST .../{id}/cancel`), the Files API for volumes (`PUT`/`DELETE /api/2.0/fs/files/Volumes/...`) and the OAuth
 * token endpoint (`POST /oidc/v1/token`) — served on 127.0.0.1 by @mswjs/http-middleware. Statements run on an
 * in-memory DuckDB after translating the few Databricks spellings (backticks, `:pN` markers, `STRING`/`BINARY`/
 * `TIMESTAMP`, Delta table properties, `DEEP CLONE`, `CREATE VOLUME`, `COPY INTO` from parquet files); rules DuckDB
 * would not apply are checked first as Databricks does: one statement per request, no nested subquery in DELETE,
 * no `UPDATE ... FROM`, Unity Catalog object names, column names that need column mapping. Everything received is
 * recorded for assertions.
 */
export class FakeDatabricks implements FakeEngine {
  readonly statements: ReceivedStatement[] = []
  readonly uploads: string[] = []
  readonly deletes: string[] = []
  readonly cancels: string[] = []
  readonly tokenRequests: string[] = []
  readonly unhandled: string[] = []
  readonly volumes: Set<string> = new Set()
  /** Polls (`GET /api/2.0/sql/statements/{id}`) per statement id. */
  readonly polls: Map<string, number> = new Map()
  url = ''
  db!: DuckDBInstance
  admin!: DuckDBConnection
  /** The connection statements run on (see {@link FakeEngine}). */
  conn!: DuckDBConnection
  private server!: Server
  private dir = ''
  private queue: Promise<unknown> = Promise.resolve()
  private readonly records = new Map<string, StatementRecord>()
  private readonly issued = new Map<string, number>()
  readonly loaded: Set<string> = new Set()
  private readonly scripts: StatementScript[] = []
  private unavailable = 0
  readonly options: Required<FakeDatabricksOptions>

  constructor(options: FakeDatabricksOptions = {}) {
    this.options = {
      tokens: options.tokens ?? ['dapi-fake-token'],
      clients: options.clients ?? {},
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      warehouseId: options.warehouseId ?? 'abc123def4567890',
      catalogs: options.catalogs ?? ['main'],
      chunkRows: options.chunkRows ?? 1000,
      buckets: options.buckets ?? {},
      bucketKeyId: options.bucketKeyId ?? '',
      storageCredentials: options.storageCredentials ?? [],
      externalLocations: options.externalLocations ?? [],
      denied: options.denied ?? [],
    }
  }

  /** The `http_path` of the fake's warehouse. */
  get httpPath(): string {
    return `/sql/1.0/warehouses/${this.options.warehouseId}`
  }

  async start(): Promise<this> {
    this.db = await DuckDBInstance.create(':memory:')
    this.admin = await this.db.connect()
    this.conn = await this.db.connect()
    for (const c of [this.admin, this.conn]) await c.run("SET TimeZone = 'UTC'")
    this.dir = await mkdtemp(join(tmpdir(), 'sluice-fake-databricks-'))
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

  /** Adds a script for matching statements (see {@link StatementScript}); the first match wins. */
  script(script: StatementScript): void {
    this.scripts.push({ ...script })
  }

  /** The next `n` statement requests are refused with 503 TEMPORARILY_UNAVAILABLE (a starting warehouse). */
  refuseNext(n: number): void {
    this.unavailable = n
  }

  /** Every OAuth token issued so far is expired from now on (personal access tokens are not affected). */
  expireTokens(): void {
    for (const t of this.issued.keys()) this.issued.set(t, 0)
  }

  /** Statement texts received, optionally filtered. */
  sql(filter?: RegExp): string[] {
    return this.statements.map((s) => s.statement).filter((s) => !filter || filter.test(s))
  }

  /** The local file behind a volume path (`/Volumes/c/s/v/name`). */
  volumeFile(path: string): string {
    return join(this.dir, 'volumes', ...path.split('/').filter(Boolean).slice(1))
  }

  private authorized(request: Request): boolean {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? ''
    if (this.options.tokens.includes(token)) return true
    const expires = this.issued.get(token)
    return expires !== undefined && Date.now() < expires
  }

  private handlers() {
    const unauthorized = () =>
      HttpResponse.json({ error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' }, { status: 401 })
    const guard =
      (fn: (request: Request, params: Record<string, string>) => Promise<Response> | Response) =>
      async ({ request, params }: { request: Request; params: Record<string, unknown> }) =>
        this.authorized(request) ? fn(request, params as Record<string, string>) : unauthorized()
    return [
      http.post('/oidc/v1/token', async ({ request }) => this.token(request)),
      http.post(
        '/api/2.0/sql/statements',
        guard((r) => this.submit(r)),
      ),
      http.get(
        '/api/2.0/sql/statements/:id',
        guard((_r, p) => this.poll(p['id'] as string)),
      ),
      http.get(
        '/api/2.0/sql/statements/:id/result/chunks/:index',
        guard((_r, p) => this.chunk(p['id'] as string, Number(p['index']))),
      ),
      http.post(
        '/api/2.0/sql/statements/:id/cancel',
        guard((_r, p) => this.cancel(p['id'] as string)),
      ),
      http.put(
        '/api/2.0/fs/files/*',
        guard((r) => this.putFile(r)),
      ),
      http.delete(
        '/api/2.0/fs/files/*',
        guard((r) => this.deleteFile(r)),
      ),
      http.all('*', ({ request }) => {
        this.unhandled.push(`${request.method} ${request.url}`)
        return HttpResponse.json(
          { error_code: 'ENDPOINT_NOT_FOUND', message: 'unhandled by the fake' },
          { status: 404 },
        )
      }),
    ]
  }

  private async token(request: Request): Promise<Response> {
    const [id, secret] = atob((request.headers.get('authorization') ?? '').replace(/^Basic /, '')).split(':')
    const form = new URLSearchParams(await request.text())
    this.tokenRequests.push(id ?? '')
    if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'all-apis')
      return HttpResponse.json({ error: 'invalid_request', error_description: 'bad grant' }, { status: 400 })
    if (!id || this.options.clients[id] !== secret)
      return HttpResponse.json(
        { error: 'invalid_client', error_description: 'Client authentication failed' },
        { status: 401 },
      )
    const token = `oauth-${randomUUID()}`
    this.issued.set(token, Date.now() + this.options.tokenLifetimeSeconds * 1000)
    return HttpResponse.json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.options.tokenLifetimeSeconds,
      scope: 'all-apis',
    })
  }

  private async submit(request: Request): Promise<Response> {
    const body = (await request.json()) as Record<string, unknown>
    if (this.unavailable > 0) {
      this.unavailable--
      return HttpResponse.json(
        { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'The SQL warehouse is starting; try again' },
        { status: 503, headers: { 'retry-after': '0' } },
      )
    }
    if (body['warehouse_id'] !== this.options.warehouseId)
      return HttpResponse.json(
        {
          error_code: 'RESOURCE_DOES_NOT_EXIST',
          message: `SQL warehouse ${String(body['warehouse_id'])} does not exist.`,
        },
        { status: 404 },
      )
    const wait = String(body['wait_timeout'] ?? '10s')
    if (
      !/^(0|[5-9]|[1-4]\d|50)s$/.test(wait) ||
      body['disposition'] !== 'INLINE' ||
      body['format'] !== 'JSON_ARRAY'
    )
      return HttpResponse.json(
        {
          error_code: 'INVALID_PARAMETER_VALUE',
          message: 'the fake takes wait_timeout 0s or 5s-50s, INLINE, JSON_ARRAY',
        },
        { status: 400 },
      )
    const received: ReceivedStatement = {
      id: randomUUID(),
      statement: String(body['statement']),
      parameters: (body['parameters'] as ReceivedStatement['parameters']) ?? [],
      catalog: body['catalog'] as string | undefined,
      schema: body['schema'] as string | undefined,
      rowLimit: body['row_limit'] as number | undefined,
      waitTimeout: wait,
    }
    this.statements.push(received)
    const script = this.scripts.find((s) => s.match.test(received.statement) && (s.times ?? 1) > 0)
    if (script?.times !== undefined) script.times--
    const record: StatementRecord = { received, state: 'PENDING', script, polls: 0 }
    this.records.set(received.id, record)
    await this.advance(record)
    return HttpResponse.json(this.response(record) as never)
  }

  /** Moves a statement on by one step: scripted waits, else it runs. */
  private async advance(record: StatementRecord): Promise<void> {
    const s = record.script
    if (record.state !== 'PENDING' && record.state !== 'RUNNING') return
    if (s?.hold) {
      record.state = 'RUNNING'
      return
    }
    if (s?.canceledAfter !== undefined && record.polls >= s.canceledAfter) {
      record.state = 'CANCELED'
      return
    }
    if (s && record.polls < (s.pendingPolls ?? 0)) return
    if (s && record.polls < (s.pendingPolls ?? 0) + (s.runningPolls ?? 0)) {
      record.state = 'RUNNING'
      return
    }
    if (s?.canceledAfter !== undefined) {
      record.state = 'RUNNING'
      return
    }
    if (s?.fail) {
      record.state = 'FAILED'
      record.error = s.fail
      return
    }
    const run = this.queue.then(() => runStatement(this, record.received))
    this.queue = run.catch(() => {})
    try {
      record.result = await run
      record.state = 'SUCCEEDED'
    } catch (error) {
      record.state = 'FAILED'
      record.error = toFailure(error)
    }
  }

  private response(record: StatementRecord): unknown {
    const status = {
      state: record.state,
      ...(record.error
        ? {
            error: { error_code: record.error.error_code, message: record.error.message },
            sql_state: record.error.sql_state,
          }
        : {}),
    }
    if (record.state !== 'SUCCEEDED' || !record.result) return { statement_id: record.received.id, status }
    const { columns, rows, truncated } = record.result
    const size = this.options.chunkRows
    const chunks = Math.max(1, Math.ceil(rows.length / size))
    return {
      statement_id: record.received.id,
      status,
      manifest: {
        format: 'JSON_ARRAY',
        schema: { column_count: columns.length, columns: columns.map((c, i) => ({ ...c, position: i })) },
        total_chunk_count: chunks,
        total_row_count: rows.length,
        truncated,
      },
      result: this.chunkOf(record, 0),
    }
  }

  private chunkOf(record: StatementRecord, index: number): unknown {
    const rows = record.result?.rows ?? []
    const size = this.options.chunkRows
    const part = rows.slice(index * size, (index + 1) * size)
    const more = (index + 1) * size < rows.length
    return {
      chunk_index: index,
      row_offset: index * size,
      row_count: part.length,
      data_array: part,
      ...(more
        ? {
            next_chunk_index: index + 1,
            next_chunk_internal_link: `/api/2.0/sql/statements/${record.received.id}/result/chunks/${index + 1}`,
          }
        : {}),
    }
  }

  private async poll(id: string): Promise<Response> {
    const record = this.records.get(id)
    if (!record)
      return HttpResponse.json({ error_code: 'NOT_FOUND', message: 'statement not found' }, { status: 404 })
    this.polls.set(id, (this.polls.get(id) ?? 0) + 1)
    record.polls++
    await this.advance(record)
    return HttpResponse.json(this.response(record) as never)
  }

  private chunk(id: string, index: number): Response {
    const record = this.records.get(id)
    if (
      record?.state !== 'SUCCEEDED' ||
      !record.result ||
      index * this.options.chunkRows >= Math.max(1, record.result.rows.length)
    )
      return HttpResponse.json({ error_code: 'NOT_FOUND', message: 'no such chunk' }, { status: 404 })
    return HttpResponse.json(this.chunkOf(record, index) as never)
  }

  private cancel(id: string): Response {
    const record = this.records.get(id)
    this.cancels.push(id)
    if (record && (record.state === 'PENDING' || record.state === 'RUNNING')) record.state = 'CANCELED'
    return HttpResponse.json({})
  }

  private volumePath(request: Request): { path: string; volume: string } {
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/api\/2\.0\/fs\/files/, '')
    const [, root, catalog, schema, volume] = path.split('/')
    return { path, volume: root === 'Volumes' ? `${catalog}.${schema}.${volume}` : '' }
  }

  private async putFile(request: Request): Promise<Response> {
    const { path, volume } = this.volumePath(request)
    if (!this.volumes.has(volume))
      return HttpResponse.json(
        { error_code: 'NOT_FOUND', message: `The volume ${volume} does not exist.` },
        { status: 404 },
      )
    const file = this.volumeFile(path)
    const exists = await stat(file).then(
      () => true,
      () => false,
    )
    if (exists && new URL(request.url).searchParams.get('overwrite') !== 'true')
      return HttpResponse.json({ error_code: 'ALREADY_EXISTS', message: 'file exists' }, { status: 409 })
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, new Uint8Array(await request.arrayBuffer()))
    this.uploads.push(path)
    return new HttpResponse(null, { status: 204 })
  }

  private async deleteFile(request: Request): Promise<Response> {
    const { path } = this.volumePath(request)
    const file = this.volumeFile(path)
    if (
      !(await stat(file).then(
        () => true,
        () => false,
      ))
    )
      return HttpResponse.json({ error_code: 'NOT_FOUND', message: 'no such file' }, { status: 404 })
    await rm(file)
    this.deletes.push(path)
    return new HttpResponse(null, { status: 204 })
  }
}
