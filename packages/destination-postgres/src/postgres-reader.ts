import type {
  DataType,
  ReaderChunk,
  ReaderColumn,
  ReaderContext,
  ReaderDialect,
  ReaderQueryOptions,
  SqlReader,
} from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import type { Pool, PoolClient, PoolConfig, QueryConfig } from 'pg'
import type { PostgresConnectionParams } from './postgres-credentials.ts'
import { quotePostgresIdentifier as q } from './postgres-dialect.ts'
import { loadDriver, poolConfig } from './postgres-driver.ts'
import { mapPostgresError } from './postgres-errors.ts'

/** Options of the reader (`PostgresOptions.reader`). */
export interface PostgresReaderOptions {
  /** `statement_timeout` of each statement a query runs (the cursor's FETCHes included), in ms. Default 60000. */
  statementTimeoutMs?: number
  /** Connections the reader keeps: one per query running at once, and one more to cancel one. Default 3. */
  poolSize?: number
}

/** The default {@link PostgresReaderOptions.statementTimeoutMs}. */
export const READER_STATEMENT_TIMEOUT_MS = 60_000

const CURSOR = 'sluice_reader'
const DECLARE = `DECLARE ${CURSOR} NO SCROLL CURSOR FOR `

// type OIDs
const BOOL = 16
const BYTEA = 17
const CHAR = 18
const NAME = 19
const INT8 = 20
const INT2 = 21
const INT4 = 23
const TEXT = 25
const OID = 26
const JSON_OID = 114
const FLOAT4 = 700
const FLOAT8 = 701
const BPCHAR = 1042
const VARCHAR = 1043
const DATE = 1082
const TIME = 1083
const TIMESTAMP = 1114
const TIMESTAMPTZ = 1184
const NUMERIC = 1700
const UUID = 2950
const JSONB = 3802

/** The sluice type and the native name of the types the reader knows by OID. */
const TYPES: ReadonlyMap<number, [DataType, string]> = new Map([
  [BOOL, ['bool', 'boolean']],
  [BYTEA, ['binary', 'bytea']],
  [CHAR, ['text', '"char"']],
  [NAME, ['text', 'name']],
  [INT8, ['bigint', 'bigint']],
  [INT2, ['bigint', 'smallint']],
  [INT4, ['bigint', 'integer']],
  [TEXT, ['text', 'text']],
  [OID, ['bigint', 'oid']],
  [JSON_OID, ['json', 'json']],
  [FLOAT4, ['double', 'real']],
  [FLOAT8, ['double', 'double precision']],
  [BPCHAR, ['text', 'character']],
  [VARCHAR, ['text', 'character varying']],
  [DATE, ['date', 'date']],
  [TIME, ['time', 'time without time zone']],
  [TIMESTAMP, ['timestamp', 'timestamp without time zone']],
  [TIMESTAMPTZ, ['timestamp', 'timestamp with time zone']],
  [NUMERIC, ['decimal', 'numeric']],
  [UUID, ['text', 'uuid']],
  [JSONB, ['json', 'jsonb']],
])

/** `HH:MM:SS[.ffffff]` without trailing zeros in the fraction. */
function timeText(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** A `timestamp` (without zone) as the UTC instant its text names. */
function utcTimestamp(text: string): Date | string {
  const d = new Date(`${text.replace(' ', 'T')}Z`)
  return Number.isNaN(d.getTime()) ? text : d
}

/**
 * The reader's type parsers (text format): integers as bigint, numeric as text (exact), date and time as text,
 * timestamps as Date (without zone: read as UTC), json parsed, bytea as bytes; other types as `pg` parses them.
 */
function readerTypes(pg: typeof import('pg')): NonNullable<PoolConfig['types']> {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (format === 'binary') return pg.types.getTypeParser(oid, 'binary')
      switch (oid) {
        case INT2:
        case INT4:
        case INT8:
        case OID:
          return (text: string) => BigInt(text)
        case NUMERIC:
        case DATE:
          return (text: string) => text
        case TIME:
          return timeText
        case TIMESTAMP:
          return utcTimestamp
        default:
          return pg.types.getTypeParser(oid, 'text')
      }
    }) as NonNullable<PoolConfig['types']>['getTypeParser'],
  }
}

/** A JS parameter as `pg` sends it: bigints and dates as text, bytes as a Buffer, objects as JSON text. */
function paramValue(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (typeof value === 'object') return JSON.stringify(value)
  return value
}

/** Where the first token of `sql` starts, after white space and comments (1-based, as the server counts). */
function firstToken(sql: string): number {
  const lead = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(sql)?.[0] ?? ''
  return [...lead].length + 1
}

interface PgError {
  code?: string
  position?: string
  message?: string
}

/**
 * A reader query's error. The server refuses a write in the read-only transaction (`25006`, `25001`), a
 * statement that is not a query where `DECLARE ... CURSOR FOR` wants one (a syntax error at its first token,
 * or a data-modifying WITH: `0A000`), and several statements in one (a syntax error without a position): those
 * are `READ_ONLY`. A cancelled statement is `RUN_ABORTED` when the signal asked for it, else the statement
 * timeout; everything else `QUERY_FAILED`, or the connection's error.
 */
function readerError(
  error: unknown,
  sql: string,
  params: PostgresConnectionParams,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  declaring: boolean,
): SluiceError {
  if (error instanceof SluiceError) return error
  const e = (error ?? {}) as PgError
  const message = (e.message ?? String(error)).split('\n')[0]
  const state = e.code
  if (signal?.aborted) return abortedError()
  const readOnly = (what: string) =>
    new SluiceError(
      'READ_ONLY',
      `[postgres] the reader runs one query (SELECT, VALUES, TABLE) at a time: ${what}`,
      {
        cause: error,
        hint: 'nothing was changed; write one query; data is changed by loading it with a pipeline',
      },
    )
  if (state === '25006' || state === '25001') return readOnly(`the server refused a write: ${message}`)
  if (declaring && state === '42601' && e.position === undefined)
    return readOnly(`the server found more than one statement (${message})`)
  if (declaring && state === '42601' && Number(e.position) === DECLARE.length + firstToken(sql))
    return readOnly(`the server did not take this as a query (${message})`)
  if (declaring && state === '0A000') return readOnly(message ?? '')
  if (state === '57014') {
    return new SluiceError('QUERY_FAILED', `[postgres] the query ran longer than ${timeoutMs} ms`, {
      cause: error,
      hint: 'narrow the query (WHERE, LIMIT), or raise the reader statement timeout (reader.statementTimeoutMs)',
    })
  }
  if (
    state !== undefined &&
    /^[0-9A-Z]{5}$/.test(state) &&
    !state.startsWith('08') &&
    !state.startsWith('28')
  ) {
    return new SluiceError('QUERY_FAILED', `[postgres] the query failed: ${message} [${state}]`, {
      cause: error,
      hint: 'fix the query; unqualified table names resolve to the dataset',
    })
  }
  return mapPostgresError(error, params, 'a reader query')
}

function abortedError(): SluiceError {
  return new SluiceError('RUN_ABORTED', '[postgres] the query was stopped', {
    hint: 'its signal was aborted; run it again to get its rows',
  })
}

/** The reader's dialect: `"dataset"."table"`, `$n` parameters, lower-case names as sluice creates them. */
export function postgresReaderDialect(dataset: string): ReaderDialect {
  return {
    name: 'postgres',
    quoteIdentifier: q,
    table: (t) => `${q(dataset)}.${q(t)}`,
    param: (i) => `$${i}`,
  }
}

/**
 * Opens the PostgreSQL reader: a pool of its own (`reader.poolSize`), and for each query one connection in
 * `BEGIN TRANSACTION READ ONLY` with `SET LOCAL statement_timeout`, time zone UTC and `search_path` set to the
 * dataset, the query
 * declared as a cursor (`DECLARE ... NO SCROLL CURSOR FOR`, through the extended protocol: the server takes one
 * statement, and a query only) and fetched `chunkSize` rows at a time. The transaction is rolled back when the
 * rows are read, the loop stops or the signal aborts (which cancels the running statement).
 */
export async function openPostgresReader(
  params: PostgresConnectionParams,
  ctx: ReaderContext,
  options: PostgresReaderOptions & { connectTimeoutMs?: number } = {},
): Promise<SqlReader> {
  const timeoutMs = options.statementTimeoutMs ?? READER_STATEMENT_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new SluiceError(
      'CONFIG_INVALID',
      `[postgres] reader.statementTimeoutMs must be a positive whole number`,
    )
  const pg = await loadDriver()
  const pool: Pool = new pg.Pool({
    ...poolConfig(params, Math.max(2, options.poolSize ?? 3), options.connectTimeoutMs),
    types: readerTypes(pg),
  })
  // an idle connection that dies must not crash the process; a running query rejects, which is reported
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const dataset = ctx.datasetName
  try {
    ctx.signal?.throwIfAborted()
    const found = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [dataset])
    if (found.rowCount === 0) {
      throw new SluiceError(
        'DESTINATION_DATABASE_MISSING',
        `[postgres] there is no dataset (schema) ${dataset}`,
        {
          hint: "check the dataset name (the pipeline's datasetName); a pipeline creates its dataset on its first run",
        },
      )
    }
  } catch (error) {
    await pool.end().catch(() => {})
    throw error instanceof SluiceError ? error : mapPostgresError(error, params, 'opening the reader')
  }
  const typeNames = new Map<number, string>()
  /** Connections of running queries, each released once (by its query, or by `close`). */
  const active = new Map<PoolClient, () => void>()
  let closed = false

  async function nativeTypes(client: PoolClient, oids: readonly number[]): Promise<void> {
    const unknown = [...new Set(oids)].filter((oid) => !TYPES.has(oid) && !typeNames.has(oid))
    if (unknown.length === 0) return
    const { rows } = await client.query<{ oid: number; name: string }>(
      'SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])',
      [unknown],
    )
    for (const r of rows) typeNames.set(Number(r.oid), r.name)
  }

  async function* query(
    sql: string,
    values: readonly unknown[] = [],
    queryOptions: ReaderQueryOptions = {},
  ): AsyncGenerator<ReaderChunk> {
    const { signal } = queryOptions
    const chunkSize = queryOptions.chunkSize ?? 1000
    if (!Number.isInteger(chunkSize) || chunkSize < 1)
      throw new SluiceError(
        'CONFIG_INVALID',
        `[postgres] chunkSize must be a positive integer, got ${chunkSize}`,
      )
    if (closed)
      throw new SluiceError('QUERY_FAILED', '[postgres] the reader is closed', { hint: 'open a new one' })
    if (signal?.aborted) throw abortedError()
    let client: PoolClient
    try {
      client = await pool.connect()
    } catch (error) {
      throw mapPostgresError(error, params, 'a reader query')
    }
    let released = false
    const release = (error?: Error): void => {
      if (released) return
      released = true
      active.delete(client)
      client.release(error)
    }
    active.set(client, () => release(new Error('the reader was closed')))
    const pid = (client as unknown as { processID?: number }).processID
    const onAbort = (): void => {
      if (pid !== undefined) pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {})
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    let broken: Error | undefined
    let declaring = false
    try {
      // one round trip (the simple protocol takes several statements: these are the reader's own)
      await client.query(
        `BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${timeoutMs}; SET LOCAL TIME ZONE 'UTC'; SET LOCAL search_path TO ${q(dataset)}`,
      )
      declaring = true
      // the extended protocol even without parameters: the server then refuses a string of several statements
      const declare = { text: DECLARE + sql, values: values.map(paramValue), queryMode: 'extended' }
      await client.query(declare as QueryConfig)
      declaring = false
      let columns: ReaderColumn[] | undefined
      let yielded = false
      for (;;) {
        if (signal?.aborted) throw abortedError()
        const result = await client.query<unknown[]>({
          text: `FETCH FORWARD ${chunkSize} FROM ${CURSOR}`,
          rowMode: 'array',
        })
        if (!columns) {
          await nativeTypes(
            client,
            result.fields.map((f) => f.dataTypeID),
          )
          columns = result.fields.map((f) => {
            const known = TYPES.get(f.dataTypeID)
            return {
              name: f.name,
              dataType: known?.[0],
              nativeType: known?.[1] ?? typeNames.get(f.dataTypeID) ?? `oid ${f.dataTypeID}`,
            }
          })
        }
        const last = result.rows.length < chunkSize
        if (result.rows.length > 0 || !yielded) yield { columns, rows: result.rows }
        yielded = true
        if (last) break
      }
      if (signal?.aborted) throw abortedError()
    } catch (error) {
      throw readerError(error, sql, params, signal, timeoutMs, declaring)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      if (!released) {
        try {
          await client.query('ROLLBACK')
        } catch (error) {
          broken = error instanceof Error ? error : new Error(String(error))
        }
      }
      release(broken)
    }
  }

  return {
    dialect: postgresReaderDialect(dataset),
    query,
    async close() {
      if (closed) return
      closed = true
      for (const release of [...active.values()]) release()
      await pool.end()
    },
  }
}
