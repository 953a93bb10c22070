// One file on purpose (about 700 lines): the whole fake workspace, its HTTP endpoints and its SQL translation.
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  type DuckDBValue,
} from '@duckdb/node-api'
import { createServer } from '@mswjs/http-middleware'
import { HttpResponse, http } from 'msw'

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
  result?: {
    columns: { name: string; type_name: string; type_text: string }[]
    rows: (string | null)[][]
    truncated: boolean
  }
  error?: { error_code: string; message: string; sql_state?: string }
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

const BAD_COLUMN_CHARS = /[ ,;{}()\n\t=]/
const UC_BAD_NAME = /[. /\u0000-\u001f\u007f]/

function failure(error_code: string, message: string, sql_state?: string) {
  return { error_code, message, ...(sql_state ? { sql_state } : {}) }
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
export class FakeDatabricks {
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
  private conn!: DuckDBConnection
  private server!: Server
  private dir = ''
  private queue: Promise<unknown> = Promise.resolve()
  private readonly records = new Map<string, StatementRecord>()
  private readonly issued = new Map<string, number>()
  private readonly loaded = new Set<string>()
  private readonly scripts: StatementScript[] = []
  private unavailable = 0
  private readonly options: Required<FakeDatabricksOptions>

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
    const run = this.queue.then(() => this.run(record.received))
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

  /** Runs one statement as Databricks would, on DuckDB. */
  private async run(received: ReceivedStatement): Promise<NonNullable<StatementRecord['result']>> {
    const text = received.statement.trim()
    const catalog = received.catalog ?? 'main'
    if (!this.options.catalogs.includes(catalog))
      throw new DatabricksSqlError(`[NO_SUCH_CATALOG_EXCEPTION] Catalog '${catalog}' was not found.`, '42704')
    for (const d of this.options.denied)
      if (d.test(text))
        throw new DatabricksSqlError(
          '[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have MODIFY on Schema.',
          '42501',
        )
    checkDatabricksRules(text)
    await this.conn.run(
      received.schema ? `SET schema = '${received.schema.replaceAll("'", "''")}'` : "SET schema = 'main'",
    )
    const volume = /^CREATE VOLUME IF NOT EXISTS `((?:[^`]|``)+)`\.`((?:[^`]|``)+)`$/.exec(text)
    if (volume) {
      const schema = (volume[1] as string).replaceAll('``', '`')
      const r = await this.conn.runAndReadAll(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
        [schema],
      )
      if (r.getRows().length === 0)
        throw new DatabricksSqlError(`[SCHEMA_NOT_FOUND] The schema \`${schema}\` cannot be found.`, '42704')
      this.volumes.add(`${catalog}.${schema}.${(volume[2] as string).replaceAll('``', '`')}`.toLowerCase())
      return { columns: [], rows: [], truncated: false }
    }
    if (/^COPY INTO /.test(text)) return this.copyInto(text)
    const clone = /^CREATE OR REPLACE TABLE (\S+) DEEP CLONE (\S+)$/s.exec(text)
    const duckSql = clone
      ? `CREATE OR REPLACE TABLE ${toDuck(clone[1] as string)} AS SELECT * FROM ${toDuck(clone[2] as string)}`
      : toDuck(text)
    const values = received.parameters.map(paramValue)
    const reader = await this.conn.runAndReadAll(duckSql, values.length ? values : undefined)
    const types = reader.columnTypes().map((t) => String(t))
    const columns = reader.columnNames().map((name, i) => ({ name, ...typeOf(types[i] as string) }))
    let rows = reader.getRows().map((r) => r.map(cell))
    let truncated = false
    if (received.rowLimit !== undefined && rows.length > received.rowLimit) {
      rows = rows.slice(0, received.rowLimit)
      truncated = true
    }
    return { columns, rows, truncated }
  }

  private async copyInto(text: string): Promise<NonNullable<StatementRecord['result']>> {
    const m =
      /^COPY INTO (`(?:[^`]|``)*`)\.(`(?:[^`]|``)*`) FROM '((?:[^'\\]|\\.)*)'(?: WITH \(CREDENTIAL (`(?:[^`]|``)*`|\((?:[^)'\\]|'(?:[^'\\]|\\.)*')*\))\))? FILEFORMAT = (\w+)(?: FILES = \('((?:[^'\\]|\\.)*)'\))?(?: COPY_OPTIONS \(([^)]*)\))?$/s.exec(
        text,
      )
    if (!m)
      throw new DatabricksSqlError(
        '[PARSE_SYNTAX_ERROR] the fake does not understand this COPY INTO',
        '42601',
      )
    const [, schemaQ, tableQ, rawSource, credential, format, files, copyOptions] = m as unknown as (
      | string
      | undefined
    )[]
    if (format !== 'PARQUET')
      throw new DatabricksSqlError('the fake reads FILEFORMAT = PARQUET only', '0A000')
    if (files === undefined)
      throw new DatabricksSqlError('the fake loads one file: FILES = (...) is missing', '0A000')
    const unquote = (v: string) => v.replace(/\\(.)/g, '$1')
    const source = `${unquote(rawSource as string)}/${unquote(files)}`
    let local: string
    if (source.startsWith('/Volumes/')) local = this.volumeFile(source)
    else {
      const prefix = Object.keys(this.options.buckets).find((p) => source.startsWith(p))
      if (!prefix)
        throw new DatabricksSqlError(
          `[RequestId=x ErrorClass=INVALID_PARAMETER_VALUE] no such bucket ${source}`,
          '42000',
        )
      const inlineKey = /AWS_ACCESS_KEY = '((?:[^'\\]|\\.)*)'/.exec(credential ?? '')?.[1]
      const named = credential?.startsWith('`') ? unq(credential) : undefined
      const allowed =
        (named !== undefined && this.options.storageCredentials.includes(named)) ||
        (inlineKey !== undefined && inlineKey === this.options.bucketKeyId) ||
        (credential === undefined && this.options.externalLocations.some((p) => source.startsWith(p)))
      if (!allowed)
        throw new DatabricksSqlError(
          `[INSUFFICIENT_PERMISSIONS] Access denied to ${source}: no credential grants READ FILES`,
          '42501',
        )
      local = join(this.options.buckets[prefix] as string, source.slice(prefix.length))
    }
    if (
      !(await stat(local).then(
        () => true,
        () => false,
      ))
    )
      throw new DatabricksSqlError(`[PATH_NOT_FOUND] Path does not exist: ${source}`, '42K03')
    const target = `${toDuck(schemaQ as string)}.${toDuck(tableQ as string)}`
    const key = `${target}\u0000${source}`
    const force = /'force' = 'true'/.test(copyOptions ?? '')
    let n = 0
    if (force || !this.loaded.has(key)) {
      const literal = `'${local.replaceAll("'", "''")}'`
      n = Number(
        (await this.conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${literal})`)).getRows()[0]?.[0] ??
          0,
      )
      await this.conn.run(`INSERT INTO ${target} BY NAME SELECT * FROM read_parquet(${literal})`)
      this.loaded.add(key)
    }
    return {
      columns: [
        { name: 'num_affected_rows', type_name: 'LONG', type_text: 'bigint' },
        { name: 'num_inserted_rows', type_name: 'LONG', type_text: 'bigint' },
      ],
      rows: [[String(n), String(n)]],
      truncated: false,
    }
  }
}

/** A failed statement's error as Databricks words it. */
class DatabricksSqlError extends Error {
  constructor(
    message: string,
    readonly sqlState: string,
  ) {
    super(message)
  }
}

function toFailure(error: unknown): NonNullable<StatementRecord['error']> {
  if (error instanceof DatabricksSqlError)
    return failure('BAD_REQUEST', `${error.message} SQLSTATE: ${error.sqlState}`, error.sqlState)
  const message = error instanceof Error ? error.message : String(error)
  if (/Parser Error/.test(message))
    return failure('BAD_REQUEST', `[PARSE_SYNTAX_ERROR] Syntax error: ${message}`, '42601')
  if (/SET schema|No catalog \+ schema named/.test(message))
    return failure('BAD_REQUEST', `[SCHEMA_NOT_FOUND] ${message}`, '42704')
  if (/Catalog Error: Table.*does not exist/.test(message))
    return failure('BAD_REQUEST', `[TABLE_OR_VIEW_NOT_FOUND] ${message}`, '42P01')
  if (/Conversion Error|Invalid Input Error|Out of Range/.test(message))
    return failure('BAD_REQUEST', `[CAST_INVALID_INPUT] ${message}`, '22018')
  return failure('BAD_REQUEST', message, 'XX000')
}

/** Rules of Databricks SQL that DuckDB would not apply. */
function checkDatabricksRules(sql: string): void {
  if (/;/.test(stripQuoted(sql).replace(/;\s*$/, '')))
    throw new DatabricksSqlError(
      "[PARSE_SYNTAX_ERROR] Syntax error at or near ';': one statement per request",
      '42601',
    )
  const bare = stripQuoted(sql)
  if (/^DELETE\b/i.test(bare) && (bare.match(/\(\s*SELECT\b/gi)?.length ?? 0) > 1)
    throw new DatabricksSqlError(
      '[DELTA_UNSUPPORTED_NESTED_SUBQUERY] Nested subquery is not supported in the DELETE condition.',
      '0A000',
    )
  if (/^UPDATE\b/i.test(bare) && /\bFROM\b/i.test(bare.replace(/\(\s*SELECT\b[\s\S]*\)/gi, '()')))
    throw new DatabricksSqlError("[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.", '42601')
  const object = /^CREATE (?:SCHEMA|TABLE|VOLUME) IF NOT EXISTS ((?:`(?:[^`]|``)*`\.?)+)/.exec(sql)
  if (object) {
    for (const m of (object[1] as string).matchAll(/`((?:[^`]|``)*)`/g)) {
      if (UC_BAD_NAME.test(unq(m[0])))
        throw new DatabricksSqlError(
          `[INVALID_SCHEMA_OR_RELATION_NAME] \`${unq(m[0])}\` is not a valid name for tables/schemas.`,
          '42602',
        )
    }
  }
  if (/^CREATE TABLE IF NOT EXISTS /.test(sql)) {
    const at = sql.indexOf(' USING DELTA TBLPROPERTIES (')
    const mapped = at >= 0 && /'delta\.columnMapping\.mode' = 'name'/.test(sql.slice(at))
    const columns = sql.slice(sql.indexOf(' ('), at >= 0 ? at : undefined)
    for (const m of columns.matchAll(/`((?:[^`]|``)*)`/g)) {
      if (!mapped && BAD_COLUMN_CHARS.test(unq(m[0])))
        throw new DatabricksSqlError(
          "[DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES] Found invalid character(s) among ' ,;{}()\\n\\t=' in the column names of your schema.",
          '42K05',
        )
    }
  }
}

/** The SQL with every quoted identifier and string literal blanked (for the rule checks). */
function stripQuoted(sql: string): string {
  return sql.replace(/`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'/g, '_')
}

function unq(quoted: string): string {
  return quoted.slice(1, -1).replaceAll('``', '`')
}

/**
 * Translates the Databricks SQL sluice sends to DuckDB: backtick identifiers → double quotes, `:pN` → `$N`,
 * `STRING` → `VARCHAR`, `BINARY` → `BLOB`, `TIMESTAMP` → `TIMESTAMPTZ`, the Delta `USING ... TBLPROPERTIES` clause
 * dropped. String literals are left alone.
 */
export function toDuck(sql: string): string {
  let out = ''
  const re = /(`(?:[^`]|``)*`)|('(?:[^'\\]|\\.)*')|([^`']+)/gs
  for (const m of sql.matchAll(re)) {
    if (m[1]) out += `"${unq(m[1]).replaceAll('"', '""')}"`
    else if (m[2]) out += m[2]
    else
      out += (m[3] as string)
        .replace(/:p(\d+)\b/g, '$$$1')
        .replace(/\bSTRING\b/g, 'VARCHAR')
        .replace(/\bBINARY\b/g, 'BLOB')
        .replace(/\bTIMESTAMP\b/g, 'TIMESTAMPTZ')
  }
  return out.replace(/ USING DELTA TBLPROPERTIES \(.*\)$/s, '')
}

function paramValue(p: { value?: string; type?: string }): DuckDBValue {
  if (p.value === undefined || p.value === null) return null
  switch (p.type) {
    case 'BIGINT':
    case 'INT':
      return BigInt(p.value)
    case 'DOUBLE':
      return Number(p.value)
    case 'BOOLEAN':
      return p.value === 'true'
    default:
      return p.value
  }
}

/** Databricks' `type_name` and `type_text` of a DuckDB result type. */
function typeOf(duck: string): { type_name: string; type_text: string } {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(duck)
  if (decimal) return { type_name: 'DECIMAL', type_text: `decimal(${decimal[1]},${decimal[2]})` }
  const names: Record<string, string> = {
    BIGINT: 'LONG',
    INTEGER: 'INT',
    SMALLINT: 'SHORT',
    TINYINT: 'BYTE',
    HUGEINT: 'DECIMAL',
    DOUBLE: 'DOUBLE',
    FLOAT: 'FLOAT',
    BOOLEAN: 'BOOLEAN',
    'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
    TIMESTAMP: 'TIMESTAMP_NTZ',
    DATE: 'DATE',
    BLOB: 'BINARY',
    VARCHAR: 'STRING',
  }
  const name = names[duck] ?? (duck.endsWith('[]') ? 'ARRAY' : 'STRING')
  return { type_name: name, type_text: name === 'LONG' ? 'bigint' : name.toLowerCase() }
}

/** A DuckDB value as a `JSON_ARRAY` cell: text, ISO timestamps, base64 binary. */
function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('base64')
  if (v instanceof DuckDBTimestampTZValue) return new Date(Number(v.micros / 1000n)).toISOString()
  return String(v)
}
