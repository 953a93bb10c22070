import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type { BulkLoad, SqlClient, SqlDialect, SqlExecutor } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { readCsvHeader } from '@sluice/core/node'
import type { Pool, PoolClient, PoolConfig } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { jsonlToCopyText } from './postgres-copy.ts'
import type { PostgresConnectionParams } from './postgres-credentials.ts'
import { postgresDialect, quotePostgresIdentifier } from './postgres-dialect.ts'
import { loadDriver, poolConfig } from './postgres-driver.ts'
import { isPostgresDriverError, mapPostgresError } from './postgres-errors.ts'

/** Options for {@link connectPostgres}. */
export interface PostgresClientOptions {
  params: PostgresConnectionParams
  /** Connections in the pool. Default 5. */
  poolSize?: number
  /** Overrides the URL's `connect_timeout`. Default 15000 ms. */
  connectTimeoutMs?: number
}

/**
 * First key of the two-key advisory lock (`pg_advisory_lock(key, hashtext(dataset))`) a load holds on its
 * dataset, so concurrent pipelines loading into one dataset take turns.
 */
export const SLUICE_ADVISORY_LOCK_CLASS = 0x51c3

/** SQLSTATEs of races between concurrent `CREATE ... IF NOT EXISTS` / `ADD COLUMN IF NOT EXISTS`, and of serialization failures. */
const RETRY_STATES = new Set(['23505', '42P06', '42P07', '42710', '42701', '40001', '40P01'])
const MAX_ATTEMPTS = 4
const CREATE_SCHEMA = /^\s*CREATE\s+SCHEMA\s+IF\s+NOT\s+EXISTS\s+"((?:[^"]|"")+)"\s*;?\s*$/i

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function isDdlRace(error: unknown, sql: string): boolean {
  const state = sqlState(error)
  if (state === '40001' || state === '40P01') return true
  return state !== undefined && RETRY_STATES.has(state) && /\bIF\s+NOT\s+EXISTS\b/i.test(sql)
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

const INT8 = 20
const TIMESTAMPTZ = 1184
const TIMESTAMP = 1114
const DATE = 1082

/** `2024-01-02 03:04:05.123456+00` → `2024-01-02T03:04:05.123456Z`; other offsets stay, as `+02:00`. */
export function isoTimestamptz(text: string): string {
  const iso = text.replace(' ', 'T')
  if (/[+-]00(:00)?$/.test(iso)) return iso.replace(/[+-]00(:00)?$/, 'Z')
  return iso.replace(/([+-]\d\d)$/, '$1:00')
}

function int8(text: string): number | string {
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : text
}

/** Query results come back JSON-friendly: int8 as number (string beyond 2^53), timestamps as ISO strings, dates as text. */
function typeParsers(pg: typeof import('pg')): NonNullable<PoolConfig['types']> {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (format === 'binary') return pg.types.getTypeParser(oid, 'binary')
      if (oid === INT8) return int8
      if (oid === TIMESTAMPTZ) return isoTimestamptz
      if (oid === TIMESTAMP || oid === DATE) return (text: string) => text
      return pg.types.getTypeParser(oid, 'text')
    }) as NonNullable<PoolConfig['types']>['getTypeParser'],
  }
}

/**
 * A {@link SqlClient} on a `pg` connection pool. Loads through `COPY ... FROM STDIN` (csv files streamed as
 * they are, jsonl converted to COPY text on the fly); binary columns in csv go through a temporary table
 * and `decode(..., 'base64')`. Sessions run with `TIME ZONE 'UTC'`. Statements and transactions are retried
 * (up to 4 attempts) on serialization failures, deadlocks and `IF NOT EXISTS` races between concurrent
 * pipelines. Every error is a mapped {@link SluiceError}.
 */
export class PostgresSqlClient implements SqlClient {
  readonly dialect: SqlDialect = postgresDialect
  readonly #pool: Pool
  readonly #params: PostgresConnectionParams
  #closed = false
  /** Set once the first connection worked: a refused connection after that is an outage, not a wrong setting. */
  #established = false

  constructor(pool: Pool, params: PostgresConnectionParams) {
    this.#pool = pool
    this.#params = params
  }

  /** Marks the server as reached (connectPostgres calls it after its first query). */
  markEstablished(): void {
    this.#established = true
  }

  #error(error: unknown, what?: string): SluiceError {
    const mapped = mapPostgresError(error, this.#params, what)
    if (this.#established && mapped.code === 'DESTINATION_CONNECT' && !mapped.transient) {
      const at = `${this.#params.host}:${this.#params.port}`
      return new SluiceError(
        'DESTINATION_CONNECT',
        `[postgres] lost the server at ${at}: it refuses connections since the run connected${what ? ` (${what})` : ''}`,
        {
          cause: error,
          transient: true,
          hint: 'retrying may succeed; if the server stays down, the load package is kept: run the same command again once it is back',
        },
      )
    }
    return mapped
  }

  async #acquire(): Promise<PoolClient> {
    if (this.#closed) throw new SluiceError('DESTINATION_QUERY', '[postgres] the client is closed')
    try {
      return await this.#pool.connect()
    } catch (error) {
      throw this.#error(error)
    }
  }

  /** Runs one query on a pooled connection, repeating `IF NOT EXISTS` DDL that lost a race. */
  async #run<T extends Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] | undefined,
  ): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#acquire()
      let broken: Error | undefined
      try {
        const result =
          params && params.length > 0 ? await client.query(sql, params as unknown[]) : await client.query(sql)
        const last = Array.isArray(result) ? result[result.length - 1] : result
        return (last?.rows ?? []) as T[]
      } catch (error) {
        if (sqlState(error) === undefined) broken = error as Error
        if (attempt < MAX_ATTEMPTS && isDdlRace(error, sql)) {
          await pause(10 * attempt)
          continue
        }
        // Errors of the caller's own code (not the database's) surface unchanged.
        throw isPostgresDriverError(error) ? this.#error(error) : error
      } finally {
        client.release(broken)
      }
    }
  }

  /**
   * Runs statements (several separated by `;` when there are no parameters). `CREATE SCHEMA IF NOT EXISTS` of a
   * schema that exists is skipped: PostgreSQL checks the database-level CREATE privilege even then, and a
   * loader role often has privileges on its pre-created schemas only.
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

  /** Runs `fn` in a transaction on one connection; repeats it after a serialization failure, deadlock or DDL race. */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#acquire()
      let broken: Error | undefined
      let sql = ''
      try {
        await client.query('BEGIN')
        const tx: SqlExecutor = {
          execute: async (text, params) => {
            sql = text
            await (params && params.length > 0 ? client.query(text, params as unknown[]) : client.query(text))
          },
          query: async <R extends Record<string, unknown>>(
            text: string,
            params?: readonly unknown[],
          ): Promise<R[]> => {
            sql = text
            const result =
              params && params.length > 0
                ? await client.query(text, params as unknown[])
                : await client.query(text)
            const last = Array.isArray(result) ? result[result.length - 1] : result
            return (last?.rows ?? []) as R[]
          },
        }
        const result = await fn(tx)
        await client.query('COMMIT')
        return result
      } catch (error) {
        try {
          await client.query('ROLLBACK')
        } catch (rollbackError) {
          broken = rollbackError as Error
        }
        if (attempt < MAX_ATTEMPTS && isDdlRace(error, sql)) {
          await pause(10 * attempt)
          continue
        }
        // Errors of the caller's own code (not the database's) surface unchanged.
        throw isPostgresDriverError(error) ? this.#error(error) : error
      } finally {
        client.release(broken)
      }
    }
  }

  /** Streams a job file into a table with `COPY ... FROM STDIN`; returns the rows the server counted. */
  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted()
    if (load.format !== 'csv' && load.format !== 'jsonl') {
      throw new SluiceError(
        'DESTINATION_QUERY',
        `[postgres] cannot load ${load.format} files; use csv or jsonl`,
      )
    }
    const q = quotePostgresIdentifier
    let columns = load.columns
    if (load.format === 'csv') {
      const header = await readCsvHeader(load.file, 'postgres')
      if (header === undefined) return 0
      columns = header.map((name) => {
        const column = load.columns.find((c) => c.name === name)
        if (!column) {
          throw new SluiceError(
            'DESTINATION_DATA',
            `[postgres] job file ${load.file} has a column "${name}" that ${load.qualifiedTable} does not have`,
            { hint: 'the load package does not match its schema; drop the pending package and run again' },
          )
        }
        return column
      })
    }
    const columnList = columns.map((c) => q(c.name)).join(', ')
    const hasBinary = load.format === 'csv' && columns.some((c) => c.dataType === 'binary')
    const options = load.format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT text'
    const job: BulkLoad = { ...load, columns }
    const client = await this.#acquire()
    let broken: Error | undefined
    try {
      if (!hasBinary) {
        return await this.#copy(
          client,
          `COPY ${load.qualifiedTable} (${columnList}) FROM STDIN (${options})`,
          job,
          signal,
        )
      }
      // bytea cannot read base64 directly: COPY binary columns as text into a temp table, then decode.
      const temp = q(`_sluice_copy_${Math.random().toString(36).slice(2, 10)}`)
      const tempColumns = columns
        .map((c) => `${q(c.name)} ${c.dataType === 'binary' ? 'text' : this.dialect.columnType(c)}`)
        .join(', ')
      const select = columns
        .map((c) => (c.dataType === 'binary' ? `decode(${q(c.name)}, 'base64')` : q(c.name)))
        .join(', ')
      await client.query('BEGIN')
      await client.query(`CREATE TEMPORARY TABLE ${temp} (${tempColumns}) ON COMMIT DROP`)
      await this.#copy(client, `COPY ${temp} (${columnList}) FROM STDIN (${options})`, job, signal)
      const inserted = await client.query(
        `INSERT INTO ${load.qualifiedTable} (${columnList}) SELECT ${select} FROM ${temp}`,
      )
      await client.query('COMMIT')
      return inserted.rowCount ?? 0
    } catch (error) {
      // The connection may be mid-COPY or mid-transaction: discard it rather than reuse it.
      broken = error instanceof Error ? error : new Error(String(error))
      if (signal.aborted) throw signal.reason ?? error
      throw this.#error(error, `COPY into ${load.qualifiedTable} from ${load.file}`)
    } finally {
      client.release(broken)
    }
  }

  async #copy(client: PoolClient, sql: string, load: BulkLoad, signal: AbortSignal): Promise<number> {
    const stream = client.query(copyFrom(sql))
    const file = createReadStream(load.file)
    if (load.format === 'jsonl') {
      await pipeline(
        file,
        (source: AsyncIterable<Buffer>) => jsonlToCopyText(source, load.columns, load.file),
        stream,
        { signal },
      )
    } else {
      await pipeline(file, stream, { signal })
    }
    return stream.rowCount
  }

  /**
   * Takes the session advisory lock of a dataset on a dedicated connection, waiting (after calling `onWait`)
   * while another load holds it. Returns the release function; closing the client releases it too.
   * When `signal` aborts during the wait, the waiting connection is closed and the signal's reason thrown.
   */
  async lockDataset(dataset: string, onWait: () => void, signal?: AbortSignal): Promise<() => Promise<void>> {
    signal?.throwIfAborted()
    const client = await this.#acquire()
    const args = [SLUICE_ADVISORY_LOCK_CLASS, dataset]
    let released = false
    const abort = (): void => {
      released = true
      client.release(new Error('aborted while waiting for the dataset lock'))
    }
    try {
      const { rows } = await client.query(
        'SELECT pg_try_advisory_lock($1::int4, hashtext($2)) AS locked',
        args,
      )
      if (rows[0]?.locked !== true) {
        onWait()
        signal?.addEventListener('abort', abort, { once: true })
        await client.query('SELECT pg_advisory_lock($1::int4, hashtext($2))', args)
      }
    } catch (error) {
      if (!released) client.release(error as Error)
      if (signal?.aborted) throw signal.reason
      throw this.#error(error, `locking dataset "${dataset}"`)
    } finally {
      signal?.removeEventListener('abort', abort)
    }
    if (released) throw signal?.reason
    return async () => {
      try {
        await client.query('SELECT pg_advisory_unlock($1::int4, hashtext($2))', args)
        client.release()
      } catch (error) {
        // Destroying the connection ends its session, which releases the lock as well.
        client.release(error as Error)
      }
    }
  }

  /** True when the schema exists. */
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

/**
 * Opens a pool and checks one connection (`SELECT 1`), so bad credentials, refused connections and missing
 * databases fail here with a clear {@link SluiceError}. The caller MUST dispose the client.
 */
export async function connectPostgres(options: PostgresClientOptions): Promise<PostgresSqlClient> {
  const pg = await loadDriver()
  const { params } = options
  const pool = new pg.Pool({
    ...poolConfig(params, Math.max(1, options.poolSize ?? 5), options.connectTimeoutMs),
    types: typeParsers(pg),
  })
  // An idle connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  // A checked-out connection that dies also emits 'error'; its running query rejects, which is what we report.
  // Sessions run in UTC (SET rather than a startup option, which PgBouncer refuses); queued before any other query.
  pool.on('connect', (client) => {
    client.on('error', () => {})
    client.query("SET TIME ZONE 'UTC'").catch(() => {})
  })
  const client = new PostgresSqlClient(pool, params)
  try {
    await client.query('SELECT 1')
    client.markEstablished()
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  return client
}
