import { createPrivateKey } from 'node:crypto'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import type { BulkLoad, SqlClient, SqlDialect, SqlExecutor, StagedLoad } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import type * as Sdk from 'snowflake-sdk'
import type { SnowflakeConnectionParams } from './snowflake-credentials.ts'
import { snowflakeDialect } from './snowflake-dialect.ts'
import { mapSnowflakeError, type SnowflakeErrorContext } from './snowflake-errors.ts'
import { redactCredentials, stagedSource } from './snowflake-staging.ts'

type SdkModule = typeof Sdk
type Bind = string | number | boolean | null

let sdkPromise: Promise<SdkModule> | undefined

/** Imports snowflake-sdk once (a peer dependency), with its logging off. */
async function loadSdk(): Promise<SdkModule> {
  sdkPromise ??= import('snowflake-sdk')
    .then((m) => {
      const sdk = ((m as unknown as { default?: SdkModule }).default ?? m) as SdkModule
      sdk.configure({ logLevel: 'OFF', additionalLogToConsole: false })
      return sdk
    })
    .catch((cause: unknown) => {
      sdkPromise = undefined
      throw new SluiceError(
        'DESTINATION_DRIVER_MISSING',
        '[snowflake] the snowflake-sdk package is not installed',
        {
          cause,
          hint: 'npm install snowflake-sdk@3.3.0',
        },
      )
    })
  return sdkPromise
}

/** A value as snowflake-sdk binds it. */
function toBind(value: unknown): Bind {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  return JSON.stringify(value)
}

/** A result value as core expects it: timestamps as ISO strings, everything else as the driver gives it. */
function fromResult(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value !== null && typeof value === 'object') {
    const ts = value as { toSfDate?: () => Date }
    if (typeof ts.toSfDate === 'function') return ts.toSfDate().toISOString()
  }
  return value
}

/** Splits `"A"."B"` (as the dialect quotes) into its two quoted parts. */
export function splitQualified(qualified: string): [string, string] {
  const m = /^("(?:[^"]|"")*")\.("(?:[^"]|"")*")$/.exec(qualified)
  if (!m) throw new Error(`not a qualified Snowflake table name: ${qualified}`)
  return [m[1] as string, m[2] as string]
}

/** Escapes a string for a single-quoted SQL literal. */
function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/** Options of {@link connectSnowflake}. */
export interface SnowflakeClientOptions {
  params: SnowflakeConnectionParams
  /** snowflake-sdk module to use instead of importing it (tests, bundlers). */
  sdk?: SdkModule
}

/**
 * One Snowflake session (snowflake-sdk connection) as a {@link SqlClient}: statements with `:n` binds,
 * transactions with BEGIN/COMMIT on the session, and the bulk path PUT (job file into the staging table's
 * stage, or a named stage) + COPY INTO with `MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE`.
 */
export class SnowflakeSqlClient implements SqlClient {
  readonly dialect: SqlDialect = snowflakeDialect
  readonly params: SnowflakeConnectionParams
  readonly #conn: Sdk.Connection
  #txQueue: Promise<unknown> = Promise.resolve()

  constructor(conn: Sdk.Connection, params: SnowflakeConnectionParams) {
    this.#conn = conn
    this.params = params
  }

  #ctx(action: string): SnowflakeErrorContext {
    const p = this.params
    return {
      account: p.account,
      user: p.user,
      database: p.database,
      warehouse: p.warehouse,
      role: p.role,
      action,
    }
  }

  /** Runs one statement and returns its rows with lower-cased keys. */
  async run(
    sql: string,
    params: readonly unknown[] = [],
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>[]> {
    signal?.throwIfAborted()
    const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const stmt = this.#conn.execute({
        sqlText: sql,
        binds: params.map(toBind),
        complete: (err, _stmt, out) => {
          signal?.removeEventListener('abort', onAbort)
          if (err) reject(err)
          else resolve((out ?? []) as Record<string, unknown>[])
        },
      })
      const onAbort = () => stmt.cancel(() => {})
      signal?.addEventListener('abort', onAbort, { once: true })
    }).catch((error: unknown) => {
      if (signal?.aborted) throw signal.reason
      throw mapSnowflakeError(error, this.#ctx(summarize(sql)))
    })
    return rows.map((r) => {
      const o: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(r)) o[k.toLowerCase()] = fromResult(v)
      return o
    })
  }

  async execute(sql: string, params?: readonly unknown[]): Promise<void> {
    await this.run(sql, params)
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> {
    return (await this.run(sql, params)) as T[]
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const previous = this.#txQueue
    let release!: () => void
    this.#txQueue = new Promise<void>((r) => {
      release = r
    })
    await previous.catch(() => {})
    try {
      await this.run('BEGIN TRANSACTION')
      let result: T
      try {
        result = await fn({ execute: (s, p) => this.execute(s, p), query: (s, p) => this.query(s, p) })
      } catch (error) {
        await this.run('ROLLBACK').catch(() => {})
        throw error
      }
      await this.run('COMMIT')
      return result
    } finally {
      release()
    }
  }

  /** The stage a job file goes to, and the path prefix of the file inside it. */
  stageFor(qualifiedTable: string): string {
    const [schema, table] = splitQualified(qualifiedTable)
    if (this.params.stage) {
      const folder = `sluice/${schema.slice(1, -1).replaceAll('""', '"')}/${table.slice(1, -1).replaceAll('""', '"')}`
      return `@${this.params.stage}/${encodeURIComponent(folder).replaceAll('%2F', '/')}`
    }
    return `@${schema}.%${table}`
  }

  /**
   * Runs a COPY INTO from `source` (`@stage/... FILES = (...)` or `'s3://...' CREDENTIALS = (...) FILES = (...)`)
   * and returns the rows loaded.
   */
  async copyInto(qualifiedTable: string, source: string, signal?: AbortSignal): Promise<number> {
    const rows = await this.run(
      `COPY INTO ${qualifiedTable} FROM ${source} FILE_FORMAT = (TYPE = 'JSON' BINARY_FORMAT = 'BASE64' COMPRESSION = AUTO) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE ON_ERROR = ABORT_STATEMENT FORCE = TRUE`,
      [],
      signal,
    )
    return loadedRows(rows, qualifiedTable)
  }

  /**
   * The staged bulk path: COPY INTO from the file in the staging bucket, through the named stage (`stage_name`,
   * which must point at the bucket root) or by URL with the bucket's keys (`stagingCredentials`, else the
   * stage's) for `s3://`.
   */
  loadStaged(load: StagedLoad, signal: AbortSignal): Promise<number> {
    const credentials = this.params.stagingCredentials ?? load.credentials
    const source = stagedSource(load.file.key, load.file.url, this.params.stage, credentials)
    return this.copyInto(load.qualifiedTable, source, signal)
  }

  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    if (load.format !== 'jsonl') {
      throw new SluiceError('DESTINATION_FORMAT', `[snowflake] cannot load ${load.format} files`, {
        hint: 'the Snowflake destination loads jsonl job files',
      })
    }
    const stage = this.stageFor(load.qualifiedTable)
    const name = basename(load.file)
    // plain files are gzipped by PUT (AUTO_COMPRESS adds .gz); gzip files go up as they are, under their name
    const gzip = await isGzipFile(load.file)
    const staged = gzip ? name : `${name}.gz`
    await this.run(
      `PUT ${literal(`file://${load.file}`)} ${stage} ${gzip ? 'AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP' : 'AUTO_COMPRESS = TRUE'} OVERWRITE = TRUE`,
      [],
      signal,
    )
    const rows = await this.run(
      `COPY INTO ${load.qualifiedTable} FROM ${stage} FILES = (${literal(staged)}) FILE_FORMAT = (TYPE = 'JSON' BINARY_FORMAT = 'BASE64' COMPRESSION = GZIP) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE ON_ERROR = ABORT_STATEMENT FORCE = TRUE PURGE = TRUE`,
      [],
      signal,
    )
    return loadedRows(rows, load.qualifiedTable)
  }

  async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.query(
      'SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = :1',
      [schema],
    )
    return rows.length > 0
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#conn.destroy(() => resolve())
    })
  }
}

/** True when the file starts with the gzip magic bytes. */
async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const buf = new Uint8Array(2)
    const { bytesRead } = await handle.read(buf, 0, 2, 0)
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b
  } finally {
    await handle.close()
  }
}

/** Sums `rows_loaded` of a COPY INTO result; throws for a file that did not load. */
function loadedRows(rows: Record<string, unknown>[], table: string): number {
  let loaded = 0
  for (const r of rows) {
    const n = Number(r['rows_loaded'] ?? 0)
    if (Number.isFinite(n)) loaded += n
    const status = String(r['status'] ?? '')
    if (status && status !== 'LOADED' && status !== 'LOAD_SKIPPED') {
      throw new SluiceError('DESTINATION_DATA', `[snowflake] COPY INTO ${table} returned ${status}`, {
        hint: String(r['first_error'] ?? 'check the job file'),
      })
    }
  }
  return loaded
}

/**
 * An inline PEM private key as snowflake-sdk wants it (unencrypted PKCS#8 PEM): decrypted with the passphrase
 * when given; `\n` escapes (from env variables) unescaped.
 */
function decryptedKey(pem: string, passphrase: string | undefined): string {
  const text = pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem
  try {
    return createPrivateKey({ key: text, ...(passphrase ? { passphrase } : {}) })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString()
  } catch (cause) {
    throw new SluiceError(
      'CONFIG_INVALID',
      '[snowflake] private_key is not a PEM private key (or the passphrase is wrong)',
      {
        cause,
        hint: 'set private_key to the PEM text (-----BEGIN PRIVATE KEY-----...) and private_key_passphrase if it is encrypted',
      },
    )
  }
}

function summarize(sql: string): string {
  const s = redactCredentials(sql).replace(/\s+/g, ' ').trim()
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}

/**
 * Logs in: a snowflake-sdk connection with password or key-pair authentication (the role given, else the
 * user's default). Errors are mapped by {@link mapSnowflakeError} (bad credentials, missing database, network).
 * The caller MUST destroy the connection.
 */
export async function openSnowflakeConnection(options: SnowflakeClientOptions): Promise<Sdk.Connection> {
  const sdk = options.sdk ?? (await loadSdk())
  const p = options.params
  const conn = sdk.createConnection({
    account: p.account,
    username: p.user,
    authenticator: p.authenticator,
    database: p.database,
    application: 'sluice',
    jsTreatIntegerAsBigInt: true,
    ...(p.password !== undefined ? { password: p.password } : {}),
    ...(p.privateKey !== undefined ? { privateKey: decryptedKey(p.privateKey, p.privateKeyPassphrase) } : {}),
    ...(p.privateKeyPath !== undefined ? { privateKeyPath: p.privateKeyPath } : {}),
    ...(p.privateKeyPassphrase !== undefined && p.privateKeyPath !== undefined
      ? { privateKeyPass: p.privateKeyPassphrase }
      : {}),
    ...(p.warehouse !== undefined ? { warehouse: p.warehouse } : {}),
    ...(p.role !== undefined ? { role: p.role } : {}),
    ...(p.accessUrl !== undefined ? { accessUrl: p.accessUrl } : {}),
  } as Sdk.ConnectionOptions)
  await new Promise<void>((resolve, reject) => {
    conn.connect((err) => (err ? reject(err) : resolve()))
  }).catch((error: unknown) => {
    throw mapSnowflakeError(error, {
      account: p.account,
      user: p.user,
      database: p.database,
      warehouse: p.warehouse,
      role: p.role,
      action: 'login',
    })
  })
  return conn
}

/** Opens a Snowflake session ({@link openSnowflakeConnection}), then `ALTER SESSION` to UTC. */
export async function connectSnowflake(options: SnowflakeClientOptions): Promise<SnowflakeSqlClient> {
  const client = new SnowflakeSqlClient(await openSnowflakeConnection(options), options.params)
  try {
    await client.execute("ALTER SESSION SET TIMEZONE = 'UTC', QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE")
  } catch (error) {
    await client[Symbol.asyncDispose]()
    throw error
  }
  return client
}
