import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type {
  BulkLoad,
  Column,
  SqlClient,
  SqlDialect,
  SqlExecutor,
  StagedLoad,
} from '@sluice/core/destination'
import { libpqSqlState, SluiceError } from '@sluice/core/destination'
import type { Pool, PoolClient, PoolConfig } from 'pg'
import { type CopyAuthorization, copySql } from './redshift-copy.ts'
import type { RedshiftConnectionParams } from './redshift-credentials.ts'
import { quoteRedshiftIdentifier as q, REDSHIFT_MAX_VARCHAR, redshiftDialect } from './redshift-dialect.ts'
import { driverMissing, isRedshiftDriverError, mapRedshiftError } from './redshift-errors.ts'
import { DEFAULT_INSERT_LIMITS, type InsertLimits, insertBatches } from './redshift-insert.ts'

/** Options for {@link connectRedshift}. */
export interface RedshiftClientOptions {
  params: RedshiftConnectionParams
  /** Connections in the pool. Default 3. */
  poolSize?: number
  /** Overrides the credentials' `connect_timeout`. Default 15000 ms. */
  connectTimeoutMs?: number
  /** How COPY reads the staging bucket (an IAM role, else the stage's keys). */
  copyAuth?: { iamRole?: string | undefined; region?: string | undefined }
  /** Limits of the multi-row INSERTs that load job files without a stage. Default {@link DEFAULT_INSERT_LIMITS}. */
  insertLimits?: InsertLimits
}

const CREATE_SCHEMA = /^\s*CREATE\s+SCHEMA\s+IF\s+NOT\s+EXISTS\s+"((?:[^"]|"")+)"\s*;?\s*$/i
const INT8 = 20
const TIMESTAMPTZ = 1184
const TIMESTAMP = 1114
const DATE = 1082
/** The type OID of Redshift's SUPER (semi-structured values; text output is JSON). */
export const REDSHIFT_SUPER_OID = 4000
/** The type OID of Redshift's VARBYTE / VARBINARY (text output is hex). */
export const REDSHIFT_VARBYTE_OID = 6551

/** `2024-01-02 03:04:05.123456+00` → `2024-01-02T03:04:05.123456Z`; other offsets stay, as `+02:00`. */
export function isoTimestamptz(text: string): string {
  const iso = text.replace(' ', 'T')
  if (/[+-]00(:00)?$/.test(iso)) return iso.replace(/[+-]00(:00)?$/, 'Z')
  return iso.replace(/([+-]\d\d)$/, '$1:00')
}

/** Bytes from Redshift's hex text of a VARBYTE (`6162`) or PostgreSQL's bytea hex (`\x6162`). */
export function bytesFromHex(text: string): Uint8Array {
  const hex = text.startsWith('\\x') ? text.slice(2) : text
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

function int8(text: string): number | string {
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : text
}

/** Results come back JSON-friendly: int8 as number (string beyond 2^53), timestamps ISO, varbyte as bytes. */
function typeParsers(pg: typeof import('pg')): NonNullable<PoolConfig['types']> {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (format === 'binary') return pg.types.getTypeParser(oid, 'binary')
      if (oid === INT8) return int8
      if (oid === TIMESTAMPTZ) return isoTimestamptz
      if (oid === TIMESTAMP || oid === DATE) return (text: string) => text
      if (oid === REDSHIFT_VARBYTE_OID) return bytesFromHex
      return pg.types.getTypeParser(oid, 'text')
    }) as NonNullable<PoolConfig['types']>['getTypeParser'],
  }
}

/** Imports the peer dependency `pg`. */
export async function loadPg(): Promise<typeof import('pg')> {
  try {
    const mod = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') }
    return mod.default ?? mod
  } catch (cause) {
    throw driverMissing(cause)
  }
}

/** Rows of a jsonl job file, parsed line by line. */
async function* jsonlRows(file: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  for await (const line of lines) {
    if (line.trim() === '') continue
    yield JSON.parse(line) as Record<string, unknown>
  }
}

/** Columns COPY cannot fill from JSON directly: loaded as text into a temporary table, then converted. */
function needsConversion(column: Column): boolean {
  return column.dataType === 'binary' || column.dataType === 'time'
}

function converted(column: Column): string {
  const ref = q(column.name)
  if (column.dataType === 'binary') return `TO_VARBYTE(${ref}, 'base64')`
  if (column.dataType === 'time') return `CAST(${ref} AS time without time zone)`
  return ref
}

/**
 * A {@link SqlClient} for Redshift on a `pg` connection pool (the PostgreSQL wire protocol). Loads job files with
 * `COPY ... FROM 's3://...'` from a staging bucket (`loadStaged`), or, without one, with multi-row INSERTs under
 * Redshift's 16 MB statement limit (`bulkLoad`); each job file loads in one transaction. Sessions run in UTC.
 * Every error is a mapped {@link SluiceError} without secrets.
 */
export class RedshiftSqlClient implements SqlClient {
  readonly dialect: SqlDialect = redshiftDialect
  readonly #pool: Pool
  readonly #params: RedshiftConnectionParams
  readonly #options: RedshiftClientOptions
  #closed = false

  constructor(pool: Pool, options: RedshiftClientOptions) {
    this.#pool = pool
    this.#params = options.params
    this.#options = options
  }

  #error(error: unknown, what?: string, secrets: readonly (string | undefined)[] = []): SluiceError {
    return mapRedshiftError(error, { ...this.#params, secrets: [this.#params.password, ...secrets] }, what)
  }

  async #acquire(): Promise<PoolClient> {
    if (this.#closed) throw new SluiceError('DESTINATION_QUERY', '[redshift] the client is closed')
    try {
      return await this.#pool.connect()
    } catch (error) {
      throw this.#error(error)
    }
  }

  /** Runs `fn` on one pooled connection inside BEGIN/COMMIT (ROLLBACK when it throws). */
  async #inTransaction<T>(
    fn: (client: PoolClient) => Promise<T>,
    what?: string,
    secrets?: string[],
  ): Promise<T> {
    const client = await this.#acquire()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      try {
        await client.query('ROLLBACK')
      } catch (rollbackError) {
        broken = rollbackError as Error
      }
      if (libpqSqlState(error) === undefined) broken ??= error as Error
      // Errors of the caller's own code (not the database's) surface unchanged.
      throw isRedshiftDriverError(error) ? this.#error(error, what, secrets) : error
    } finally {
      client.release(broken)
    }
  }

  async #run<T extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const client = await this.#acquire()
    let broken: Error | undefined
    try {
      const result =
        params && params.length > 0 ? await client.query(sql, params as unknown[]) : await client.query(sql)
      const last = Array.isArray(result) ? result[result.length - 1] : result
      return (last?.rows ?? []) as T[]
    } catch (error) {
      if (libpqSqlState(error) === undefined) broken = error as Error
      throw isRedshiftDriverError(error) ? this.#error(error) : error
    } finally {
      client.release(broken)
    }
  }

  /**
   * Runs a statement (several separated by `;` when there are no parameters). `CREATE SCHEMA IF NOT EXISTS` of a
   * schema that exists is skipped, so a user with privileges on its pre-created schemas only can load.
   */
  async execute(sql: string, params?: readonly unknown[]): Promise<void> {
    const schema = CREATE_SCHEMA.exec(sql)?.[1]
    if (schema !== undefined && (await this.schemaExists(schema.replaceAll('""', '"')))) return
    await this.#run(sql, params)
  }

  /** Runs a query; rows as plain objects (see the class doc for value types). */
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> {
    return this.#run<T>(sql, params)
  }

  /** Runs `fn` in a transaction on one connection. Redshift runs DDL in transactions too. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#inTransaction(async (client) => {
      const query = async <R extends Record<string, unknown>>(text: string, params?: readonly unknown[]) => {
        const result =
          params && params.length > 0
            ? await client.query(text, params as unknown[])
            : await client.query(text)
        const last = Array.isArray(result) ? result[result.length - 1] : result
        return (last?.rows ?? []) as R[]
      }
      return fn({
        execute: async (text, params) => {
          await query(text, params)
        },
        query,
      })
    })
  }

  /**
   * Loads a jsonl job file without a stage: multi-row INSERTs with bind parameters (json through `JSON_PARSE`,
   * binary through `TO_VARBYTE`), each under 16 MB, all in one transaction. Returns the rows inserted.
   */
  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted()
    if (load.format !== 'jsonl') {
      throw new SluiceError('DESTINATION_FORMAT', `[redshift] cannot load ${load.format} files`, {
        hint: 'Redshift loads jsonl job files; this package lists only jsonl in its capabilities',
      })
    }
    const limits = this.#options.insertLimits ?? DEFAULT_INSERT_LIMITS
    return this.#inTransaction(async (client) => {
      let rows = 0
      for await (const batch of insertBatches(
        load.qualifiedTable,
        load.columns,
        jsonlRows(load.file),
        limits,
      )) {
        signal.throwIfAborted()
        rows += (await client.query(batch.sql, batch.params)).rowCount ?? 0
      }
      return rows
    }, `INSERT into ${load.qualifiedTable} from ${load.file}`)
  }

  /**
   * Loads a staged jsonl file with COPY in one transaction, then reads the count with `pg_last_copy_count()`.
   * Binary and time columns, which COPY cannot read from JSON, go through a temporary table as text and are
   * converted on the way into the table (`TO_VARBYTE(..., 'base64')`, `CAST(... AS time)`).
   */
  async loadStaged(load: StagedLoad, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted()
    const { file } = load
    if (file.format !== 'jsonl') {
      throw new SluiceError('DESTINATION_FORMAT', `[redshift] cannot COPY staged ${file.format} files`, {
        hint: 'stage jsonl files (the job files sluice writes for Redshift)',
      })
    }
    const auth: CopyAuthorization = {
      iamRole: this.#options.copyAuth?.iamRole,
      credentials: load.credentials,
    }
    const secrets = [load.credentials?.awsSecretAccessKey, load.credentials?.sessionToken].filter(
      (s): s is string => typeof s === 'string',
    )
    const columns = load.columns
    const convert = columns.some(needsConversion)
    const temp = q(`_sluice_copy_${Math.random().toString(36).slice(2, 10)}`)
    const copy = copySql({
      table: convert ? temp : load.qualifiedTable,
      columns: columns.map((c) => q(c.name)),
      url: file.url,
      gzip: file.gzip,
      auth,
      region: this.#options.copyAuth?.region,
    })
    return this.#inTransaction(
      async (client) => {
        if (convert) {
          const defs = columns.map(
            (c) =>
              `${q(c.name)} ${needsConversion(c) ? `varchar(${REDSHIFT_MAX_VARCHAR})` : this.dialect.columnType(c)}`,
          )
          await client.query(`CREATE TEMPORARY TABLE ${temp} (${defs.join(', ')})`)
        }
        await client.query(copy)
        const counted = await client.query('SELECT pg_last_copy_count() AS n')
        const rows = Number(counted.rows[0]?.n ?? 0)
        if (convert) {
          const names = columns.map((c) => q(c.name)).join(', ')
          await client.query(
            `INSERT INTO ${load.qualifiedTable} (${names}) SELECT ${columns.map(converted).join(', ')} FROM ${temp}`,
          )
          await client.query(`DROP TABLE ${temp}`)
        }
        signal.throwIfAborted()
        return rows
      },
      `COPY into ${load.qualifiedTable} from ${file.url}`,
      secrets,
    )
  }

  /** True when the schema exists (`pg_namespace`, which Redshift keeps as PostgreSQL does). */
  async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.query('SELECT 1 AS found FROM pg_namespace WHERE nspname = $1', [schema])
    return rows.length > 0
  }

  /** Closes the pool (waits for checked-out connections to be released). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.end()
  }
}

/** Pool settings shared by the loading client and the reader: TLS, timeouts, the application name. */
export function connectionConfig(params: RedshiftConnectionParams, connectTimeoutMs?: number): PoolConfig {
  return {
    host: params.host,
    port: params.port,
    user: params.user,
    password: params.password,
    database: params.database,
    ssl: params.ssl === false ? false : { ...params.ssl, ca: params.ssl.ca as string | string[] | undefined },
    connectionTimeoutMillis: connectTimeoutMs ?? params.connectTimeoutMs ?? 15_000,
    application_name: params.applicationName,
  }
}

/**
 * Opens a pool and checks one connection (`SELECT 1`), so bad credentials, refused connections and missing
 * databases fail here with a clear {@link SluiceError}. The caller MUST dispose the client.
 */
export async function connectRedshift(options: RedshiftClientOptions): Promise<RedshiftSqlClient> {
  const pg = await loadPg()
  const pool = new pg.Pool({
    ...connectionConfig(options.params, options.connectTimeoutMs),
    max: Math.max(1, options.poolSize ?? 3),
    idleTimeoutMillis: 30_000,
    types: typeParsers(pg),
  })
  // An idle connection that dies must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  pool.on('connect', (client) => {
    client.on('error', () => {})
    client.query("SET timezone TO 'UTC'").catch(() => {})
  })
  const client = new RedshiftSqlClient(pool, options)
  try {
    await client.query('SELECT 1')
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  return client
}
