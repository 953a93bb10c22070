// One class over 400 lines on purpose: the whole fake Snowflake service (sessions, queries, stages, PUT and COPY) over one DuckDB; its wire shapes are in snowflake-fake-protocol.ts.
import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { createServer } from '@mswjs/http-middleware'
import { loadNdjson } from '@sluice/destination-testkit/warehouse'
import { HttpResponse, http } from 'msw'
import {
  ok,
  parametersOf,
  type RequestOptions,
  readJson,
  runSql,
  STAGE,
  sessionStatement,
  toDuck,
  tokenOf,
  unq,
} from './snowflake-fake-protocol.ts'

/** A statement the fake received. */
export interface ReceivedStatement {
  sql: string
  binds: unknown[]
  session: string
  /** Compiled only (`describeOnly`), not run. */
  describeOnly: boolean
  /** The request's statement parameters, e.g. `MULTI_STATEMENT_COUNT`. */
  parameters: Record<string, unknown>
}

/** A COPY INTO the fake ran. */
export interface ReceivedCopy {
  target: string
  stage: string
  files: string[]
  fileFormat: string
  options: string
}

interface Session {
  id: string
  user: string
  database: string | undefined
  conn: DuckDBConnection
  queue: Promise<unknown>
  /** Session parameters set by ALTER SESSION (reported with every result). */
  params: Map<string, string>
}

/** Options of {@link startFakeSnowflake}. */
export interface FakeSnowflakeOptions {
  /** Accepted users and passwords. Default `{ LOADER: 'secret' }`. */
  users?: Record<string, string>
  /** Users that log in with key-pair (any well-formed JWT naming the user is accepted). */
  keyPairUsers?: string[]
  /** Databases that exist. Default `['ANALYTICS']`. */
  databases?: string[]
  /** Statements (regex on the SQL) answered with a privilege error. */
  denied?: RegExp[]
  /** External locations COPY INTO may read by URL: URL prefix (`s3://bucket/`) → local folder. */
  buckets?: Record<string, string>
  /** The AWS key id COPY INTO must pass in CREDENTIALS for `buckets`. */
  bucketKeyId?: string
  /** The SAS token COPY INTO must pass in CREDENTIALS for the `azure://` URLs of `buckets`. */
  bucketSasToken?: string
  /** Named external stages: stage name → local folder (the bucket root). */
  externalStages?: Record<string, string>
  /** Statements (regex) that hang when run (not when only compiled) until the client sends an abort-request. */
  hold?: RegExp
}

/**
 * A Snowflake stand-in for tests: msw handlers for the endpoints snowflake-sdk calls (`/session/v1/login-request`,
 * `/queries/v1/query-request`, `/queries/v1/abort-request`, `/session?delete=true`, `/telemetry/send`,
 * `/session/heartbeat`), served on 127.0.0.1 by @mswjs/http-middleware. SQL runs against an in-memory DuckDB
 * after translating Snowflake's few differences (types, `:n` binds, CLONE), one statement per request unless
 * MULTI_STATEMENT_COUNT says otherwise; `describeOnly` compiles without running; ALTER SESSION parameters and
 * `USE SCHEMA` hold for the session; results come in Snowflake's JSON format (see snowflake-fake-protocol.ts);
 * PUT answers with a `LOCAL_FS` stage
 * so the SDK's own file-transfer code copies (and gzips) the job file; COPY INTO loads staged files by column
 * name. Every statement, COPY and login is recorded for assertions.
 */
export class FakeSnowflake {
  readonly statements: ReceivedStatement[] = []
  readonly copies: ReceivedCopy[] = []
  readonly logins: Record<string, unknown>[] = []
  readonly unhandled: string[] = []
  readonly sessionsClosed: string[] = []
  /** Request ids of statements the client aborted. */
  readonly aborted: string[] = []
  private readonly held = new Map<string, () => void>()
  url = ''
  db!: DuckDBInstance
  admin!: DuckDBConnection
  private server!: Server
  private stageRoot = ''
  private readonly sessions = new Map<string, Session>()
  private sessionSeq = 0
  private readonly options: Required<FakeSnowflakeOptions>

  constructor(options: FakeSnowflakeOptions = {}) {
    this.options = {
      users: options.users ?? { LOADER: 'secret' },
      keyPairUsers: options.keyPairUsers ?? [],
      databases: options.databases ?? ['ANALYTICS'],
      denied: options.denied ?? [],
      buckets: options.buckets ?? {},
      bucketKeyId: options.bucketKeyId ?? '',
      bucketSasToken: options.bucketSasToken ?? '',
      externalStages: options.externalStages ?? {},
      hold: options.hold ?? /$^/,
    }
  }

  async start(): Promise<this> {
    this.db = await DuckDBInstance.create(':memory:')
    this.admin = await this.db.connect()
    await this.admin.run("SET TimeZone = 'UTC'")
    this.stageRoot = await mkdtemp(join(tmpdir(), 'sluice-fake-snowflake-'))
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
    for (const s of this.sessions.values()) s.conn.closeSync()
    this.admin.closeSync()
    this.db.closeSync()
    await rm(this.stageRoot, { recursive: true, force: true })
  }

  /** SQL statements received (without the session), optionally filtered. */
  sql(filter?: RegExp): string[] {
    return this.statements.map((s) => s.sql).filter((s) => !filter || filter.test(s))
  }

  private handlers() {
    return [
      http.post('/session/v1/login-request', async ({ request }) => this.login(request)),
      http.post('/queries/v1/query-request', async ({ request }) => this.query(request)),
      http.post('/queries/v1/abort-request', async ({ request }) => {
        const body = (await readJson(request)) as { requestId?: string }
        const id = String(body.requestId ?? '')
        this.aborted.push(id)
        this.held.get(id)?.()
        this.held.delete(id)
        return HttpResponse.json({ success: true, data: null })
      }),
      http.post('/session/heartbeat', () => HttpResponse.json({ success: true, data: null })),
      http.post('/telemetry/send', () => HttpResponse.json({ success: true, data: null })),
      http.post('/session', ({ request }) => {
        const url = new URL(request.url)
        if (url.searchParams.get('delete') !== 'true') return undefined
        const token = tokenOf(request)
        const s = token ? this.sessions.get(token) : undefined
        if (s) {
          this.sessionsClosed.push(s.id)
          this.sessions.delete(token as string)
          s.conn.closeSync()
        }
        return HttpResponse.json({ success: true, data: null })
      }),
      http.all('*', ({ request }) => {
        this.unhandled.push(`${request.method} ${request.url}`)
        return HttpResponse.json({ success: false, message: 'unhandled by the fake' }, { status: 501 })
      }),
    ]
  }

  private async login(request: Request): Promise<Response> {
    const body = (await readJson(request)) as { data?: Record<string, unknown> }
    const data = body.data ?? {}
    const url = new URL(request.url)
    this.logins.push({
      ...data,
      PASSWORD: data['PASSWORD'] ? '***' : undefined,
      query: Object.fromEntries(url.searchParams),
    })
    const user = String(data['LOGIN_NAME'] ?? '').toUpperCase()
    const authenticator = String(data['AUTHENTICATOR'] ?? 'SNOWFLAKE').toUpperCase()
    let ok = false
    if (authenticator === 'SNOWFLAKE_JWT') {
      const token = String(data['TOKEN'] ?? '')
      const payload = token.split('.')[1]
      if (payload && this.options.keyPairUsers.map((u) => u.toUpperCase()).includes(user)) {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string }
        ok = String(claims.sub ?? '')
          .toUpperCase()
          .endsWith(`.${user}`)
      }
      if (!ok)
        return HttpResponse.json({
          success: false,
          code: '390144',
          message: 'JWT token is invalid.',
          data: null,
        })
    } else {
      const expected = Object.entries(this.options.users).find(([u]) => u.toUpperCase() === user)?.[1]
      ok = expected !== undefined && expected === data['PASSWORD']
      if (!ok)
        return HttpResponse.json({
          success: false,
          code: '390100',
          message: 'Incorrect username or password was specified.',
          data: null,
        })
    }
    const dbName = url.searchParams.get('databaseName') ?? undefined
    const database = dbName && this.options.databases.includes(dbName.toUpperCase()) ? dbName : undefined
    const token = randomUUID()
    const conn = await this.db.connect()
    await conn.run("SET TimeZone = 'UTC'")
    const id = String(++this.sessionSeq)
    this.sessions.set(token, { id, user, database, conn, queue: Promise.resolve(), params: new Map() })
    return HttpResponse.json({
      success: true,
      code: null,
      message: null,
      data: {
        token,
        masterToken: `m-${token}`,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: Number(id),
        serverVersion: '9.0.0',
        parameters: [],
        sessionInfo: {
          databaseName: database ?? null,
          schemaName: null,
          warehouseName: url.searchParams.get('warehouse'),
          roleName: url.searchParams.get('roleName') ?? 'PUBLIC',
        },
      },
    })
  }

  private async query(request: Request): Promise<Response> {
    const token = tokenOf(request)
    const session = token ? this.sessions.get(token) : undefined
    if (!session)
      return HttpResponse.json({ success: false, code: '390104', message: 'Session no longer exists.' })
    const body = (await readJson(request)) as {
      sqlText: string
      bindings?: Record<string, { value: unknown }>
      describeOnly?: boolean
      parameters?: Record<string, unknown>
    }
    const binds = Object.entries(body.bindings ?? {})
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, b]) => b.value)
    const options = { describeOnly: body.describeOnly === true, parameters: body.parameters ?? {} }
    this.statements.push({ sql: body.sqlText, binds, session: session.id, ...options })
    if (this.options.hold.test(body.sqlText) && !options.describeOnly) {
      const requestId = new URL(request.url).searchParams.get('requestId') ?? ''
      await new Promise<void>((resolve) => this.held.set(requestId, resolve))
      return HttpResponse.json({
        success: false,
        code: '000604',
        message: 'SQL execution canceled',
        data: { sqlState: '57014', queryId: randomUUID() },
      })
    }
    const run = session.queue.then(() => this.runStatement(session, body.sqlText, binds, options))
    session.queue = run.catch(() => {})
    try {
      return HttpResponse.json((await run) as never)
    } catch (error) {
      const e = error as { code?: string; message?: string }
      return HttpResponse.json({
        success: false,
        code: e.code ?? (/Catalog Error|does not exist/i.test(e.message ?? '') ? '002003' : '001003'),
        message: `SQL compilation error:\n${e.message ?? String(error)}`,
        data: { sqlState: '42000', queryId: randomUUID() },
      })
    }
  }

  private async runStatement(
    session: Session,
    sql: string,
    binds: unknown[],
    request: RequestOptions,
  ): Promise<unknown> {
    const text = sql.trim()
    const queryId = randomUUID()
    for (const d of this.options.denied) {
      if (d.test(text))
        throw Object.assign(new Error('Insufficient privileges to operate on schema'), { code: '003001' })
    }
    const parameters = parametersOf(session.params)
    const set = await sessionStatement(session.conn, session.params, text, queryId)
    if (set) return set
    if (/^CREATE SCHEMA /i.test(text) && !session.database)
      throw Object.assign(
        new Error(
          "Cannot perform CREATE SCHEMA. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.",
        ),
        { code: '090105' },
      )
    const put = new RegExp(`^PUT '(?:file://)((?:[^'\\\\]|\\\\.)*)' (${STAGE})`, 'i').exec(text)
    if (put) {
      const src = (put[1] as string).replace(/\\(.)/g, '$1')
      return {
        success: true,
        data: {
          command: 'UPLOAD',
          src_locations: [src],
          autoCompress: /AUTO_COMPRESS = TRUE/i.test(text),
          sourceCompression: (/SOURCE_COMPRESSION = (\w+)/i.exec(text)?.[1] ?? 'auto_detect').toLowerCase(),
          parallel: 1,
          overwrite: true,
          stageInfo: {
            locationType: 'LOCAL_FS',
            location: this.stageDir(put[2] as string),
            path: '',
            region: null,
            creds: {},
          },
          queryId,
        },
      }
    }
    const copy = new RegExp(
      `^COPY INTO ("(?:[^"]|"")*")\\.("(?:[^"]|"")*") FROM (${STAGE}|'(?:[^'\\\\]|\\\\.)*')(?: CREDENTIALS = \\(((?:[^)'\\\\]|'(?:[^'\\\\]|\\\\.)*')*)\\))? FILES = \\(((?:'(?:[^'\\\\]|\\\\.)*',? ?)+)\\) FILE_FORMAT = \\(([^)]*)\\)(.*)$`,
      'is',
    ).exec(text)
    if (copy) {
      const [, schemaQ, tableQ, stage, credentials, filesText, fileFormat, options] =
        copy as unknown as string[]
      const files = [...(filesText as string).matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) =>
        (m[1] as string).replace(/\\(.)/g, '$1'),
      )
      this.copies.push({
        target: `${schemaQ}.${tableQ}`,
        stage: stage as string,
        files,
        fileFormat: fileFormat as string,
        options: (options as string).trim(),
      })
      if (!/MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE/i.test(options as string))
        throw new Error('the fake only supports MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE')
      const dir = this.sourceDir(stage as string, credentials)
      const present = await readdir(dir).catch(() => [] as string[])
      const rowset: unknown[][] = []
      for (const f of files) {
        if (!present.includes(f)) throw new Error(`Remote file '${f}' was not found in stage ${stage}`)
        const n = await loadNdjson(
          session.conn,
          unq(schemaQ as string),
          unq(tableQ as string),
          join(dir, f),
          {
            binary: /BINARY_FORMAT = 'BASE64'/i.test(fileFormat as string) ? 'base64' : 'utf8',
            compression: /COMPRESSION = GZIP/i.test(fileFormat as string) ? 'gzip' : 'auto',
          },
        )
        rowset.push([f, 'LOADED', String(n), String(n), '1', '0', null, null, null, null])
        if (/PURGE = TRUE/i.test(options as string)) await rm(join(dir, f))
      }
      return ok(
        queryId,
        [
          'file',
          'status',
          'rows_parsed',
          'rows_loaded',
          'error_limit',
          'errors_seen',
          'first_error',
          'first_error_line',
          'first_error_character',
          'first_error_column_name',
        ],
        rowset,
        ['text', 'text', 'fixed', 'fixed', 'fixed', 'fixed', 'text', 'fixed', 'fixed', 'text'],
      )
    }
    const clone = /^CREATE OR REPLACE TABLE (\S+) CLONE (\S+)$/is.exec(text)
    const duckSql = clone
      ? `CREATE OR REPLACE TABLE ${toDuck(clone[1] as string)} AS SELECT * FROM ${toDuck(clone[2] as string)}`
      : toDuck(text)
    return runSql(session.conn, duckSql, binds, request, parameters, queryId)
  }

  /** The local folder behind a COPY source: an internal stage, a named external stage, or a bucket URL. */
  private sourceDir(source: string, credentials: string | undefined): string {
    if (source.startsWith("'")) {
      const url = source.slice(1, -1).replace(/\\(.)/g, '$1')
      const prefix = Object.keys(this.options.buckets).find((p) => url.startsWith(p))
      if (!prefix) throw new Error(`Failure using stage area. Cause: [no such bucket ${url}]`)
      const key = url.startsWith('azure://')
        ? /AZURE_SAS_TOKEN = '([^']*)'/.exec(credentials ?? '')?.[1] === this.options.bucketSasToken
        : /AWS_KEY_ID = '([^']*)'/.exec(credentials ?? '')?.[1] === this.options.bucketKeyId
      if (!key)
        throw Object.assign(
          new Error('Failure using stage area. Cause: [Access Denied (Status Code: 403)]'),
          {
            code: '091003',
          },
        )
      return join(this.options.buckets[prefix] as string, url.slice(prefix.length))
    }
    const named = /^@([A-Za-z_][\w$]*)\/(.*)$/.exec(source)
    const root = named ? this.options.externalStages[named[1] as string] : undefined
    if (named && root !== undefined) return join(root, named[2] as string)
    return this.stageDir(source)
  }

  /** The local directory standing in for a stage (`@"S".%"T"` or `@NAMED/path`). */
  private stageDir(stage: string): string {
    return join(this.stageRoot, Buffer.from(stage.toUpperCase()).toString('base64url'))
  }
}
