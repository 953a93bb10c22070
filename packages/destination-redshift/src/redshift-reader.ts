import type {
  DataType,
  ReaderChunk,
  ReaderColumn,
  ReaderContext,
  ReaderDialect,
  ReaderQueryOptions,
  SqlReader,
} from '@sluice/core/destination'
import { isSluiceError, redact, SluiceError } from '@sluice/core/destination'
import type { Client, FieldDef } from 'pg'
import {
  bytesFromHex,
  connectionConfig,
  loadPg,
  REDSHIFT_SUPER_OID,
  REDSHIFT_VARBYTE_OID,
} from './redshift-client.ts'
import type { RedshiftConnectionParams } from './redshift-credentials.ts'
import { quoteRedshiftIdentifier } from './redshift-dialect.ts'
import { mapRedshiftError } from './redshift-errors.ts'

/** Options of {@link openRedshiftReader}. */
export interface RedshiftReaderOptions {
  /** `statement_timeout` of the reader's session, in ms. Default 300000. */
  statementTimeoutMs?: number
  /** How long to wait for the connection. Default the credentials' `connect_timeout`, else 15000 ms. */
  connectTimeoutMs?: number
}

/** A type of the result: its sluice type, its name, and how its text becomes a JS value. */
interface ResultType {
  dataType: DataType | undefined
  name: string
  parse: (text: string) => unknown
}

const asText = (text: string): string => text
const asBigint = (text: string): bigint => BigInt(text)
const asJson = (text: string): unknown => JSON.parse(text)
const asTimestamp = (text: string): Date => {
  const iso = text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`)
}

/** Result types by OID (PostgreSQL's, and Redshift's SUPER and VARBYTE). */
const TYPES: ReadonlyMap<number, ResultType> = new Map<number, ResultType>([
  [20, { dataType: 'bigint', name: 'bigint', parse: asBigint }],
  [21, { dataType: 'bigint', name: 'smallint', parse: asBigint }],
  [23, { dataType: 'bigint', name: 'integer', parse: asBigint }],
  [700, { dataType: 'double', name: 'real', parse: Number }],
  [701, { dataType: 'double', name: 'double precision', parse: Number }],
  [1700, { dataType: 'decimal', name: 'numeric', parse: asText }],
  [16, { dataType: 'bool', name: 'boolean', parse: (t) => t === 't' || t === 'true' }],
  [25, { dataType: 'text', name: 'text', parse: asText }],
  [1043, { dataType: 'text', name: 'character varying', parse: asText }],
  [1042, { dataType: 'text', name: 'character', parse: asText }],
  [19, { dataType: 'text', name: 'name', parse: asText }],
  [1184, { dataType: 'timestamp', name: 'timestamp with time zone', parse: asTimestamp }],
  [1114, { dataType: 'timestamp', name: 'timestamp without time zone', parse: asTimestamp }],
  [1082, { dataType: 'date', name: 'date', parse: asText }],
  [1083, { dataType: 'time', name: 'time without time zone', parse: asText }],
  [1266, { dataType: 'time', name: 'time with time zone', parse: asText }],
  [114, { dataType: 'json', name: 'json', parse: asJson }],
  [3802, { dataType: 'json', name: 'jsonb', parse: asJson }],
  [REDSHIFT_SUPER_OID, { dataType: 'json', name: 'super', parse: asJson }],
  [17, { dataType: 'binary', name: 'bytea', parse: bytesFromHex }],
  [REDSHIFT_VARBYTE_OID, { dataType: 'binary', name: 'varbyte', parse: bytesFromHex }],
])

function typeOf(oid: number): ResultType {
  return TYPES.get(oid) ?? { dataType: undefined, name: `oid ${oid}`, parse: asText }
}

/** The reader's SQL spelling: double-quoted names, `"dataset"."table"`, `$n` parameters. */
function readerDialect(dataset: string): ReaderDialect {
  return {
    name: 'redshift',
    quoteIdentifier: quoteRedshiftIdentifier,
    table: (name) => `${quoteRedshiftIdentifier(dataset)}.${quoteRedshiftIdentifier(name)}`,
    param: (i) => `$${i}`,
  }
}

function queryError(error: unknown, password: string | undefined): SluiceError {
  const e = error as { code?: string; message?: string }
  const message = redact(e.message ?? String(error), [password])
  if (e.code === '25006' || /read-only transaction|transaction is read-only/i.test(message)) {
    return new SluiceError('READ_ONLY', `[redshift] the reader is read-only: ${message}`, {
      cause: error,
      hint: 'run queries that only read (SELECT); load data with a pipeline',
    })
  }
  if (/cannot insert multiple commands into a prepared statement/i.test(message)) {
    return new SluiceError('READ_ONLY', '[redshift] the reader runs one statement per query', {
      cause: error,
      hint: 'send the statements one at a time',
    })
  }
  return new SluiceError(
    'QUERY_FAILED',
    `[redshift] the query failed: ${message}${e.code ? ` [${e.code}]` : ''}`,
    {
      cause: error,
    },
  )
}

/**
 * Opens a read-only reader on a Redshift dataset: one connection whose `search_path` is the dataset, with a
 * statement timeout; each query runs in `BEGIN READ ONLY` (Redshift refuses writes there), through the extended
 * protocol (one statement only) and a cursor that fetches `chunkSize` rows at a time. Queries on one reader run
 * one after another.
 */
export async function openRedshiftReader(
  params: RedshiftConnectionParams,
  ctx: ReaderContext,
  options: RedshiftReaderOptions = {},
): Promise<SqlReader> {
  ctx.signal?.throwIfAborted()
  const pg = await loadPg()
  const { default: Cursor } = (await import('pg-cursor')) as { default: typeof import('pg-cursor') }
  const client: Client = new pg.Client(connectionConfig(params, options.connectTimeoutMs))
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query(`SET search_path TO ${quoteRedshiftIdentifier(ctx.datasetName)}`)
    await client.query(
      `SET statement_timeout TO ${Math.max(1, Math.round(options.statementTimeoutMs ?? 300_000))}`,
    )
    await client.query("SET timezone TO 'UTC'")
  } catch (error) {
    await client.end().catch(() => {})
    throw mapRedshiftError(error, { ...params, secrets: [params.password] }, 'opening the reader')
  }
  const types = { getTypeParser: (oid: number) => typeOf(oid).parse }
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false

  async function* run(
    sql: string,
    values: readonly unknown[],
    queryOptions: ReaderQueryOptions,
  ): AsyncGenerator<ReaderChunk> {
    const size = Math.max(1, queryOptions.chunkSize ?? 1000)
    const signal = queryOptions.signal
    const aborted = () =>
      new SluiceError('RUN_ABORTED', '[redshift] the query was cancelled', { cause: signal?.reason })
    if (signal?.aborted) throw aborted()
    if (closed) throw new SluiceError('QUERY_FAILED', '[redshift] the reader is closed')
    let cursor: InstanceType<typeof Cursor> | undefined
    try {
      await client.query('BEGIN READ ONLY')
      cursor = client.query(new Cursor(sql, [...values], { rowMode: 'array', types }))
      const open = cursor
      let columns: ReaderColumn[] | undefined
      for (let first = true; ; first = false) {
        const { rows, fields } = await new Promise<{ rows: unknown[][]; fields: FieldDef[] }>(
          (resolve, reject) =>
            open.read(size, (error, rows, result) =>
              error ? reject(error) : resolve({ rows: rows as unknown[][], fields: result.fields }),
            ),
        )
        if (signal?.aborted) throw aborted()
        columns ??= fields.map((f) => {
          const t = typeOf(f.dataTypeID)
          return { name: f.name, dataType: t.dataType, nativeType: t.name }
        })
        if (first || rows.length > 0) yield { columns, rows }
        if (rows.length < size) return
      }
    } catch (error) {
      if (isSluiceError(error)) throw error
      throw queryError(error, params.password)
    } finally {
      await cursor?.close().catch(() => {})
      await client.query('ROLLBACK').catch(() => {})
    }
  }

  return {
    dialect: readerDialect(ctx.datasetName),
    query(sql, values = [], queryOptions = {}) {
      return {
        [Symbol.asyncIterator]: () => {
          // one query at a time on the connection: the next starts when this one's iterator is done
          let release!: () => void
          const done = new Promise<void>((resolve) => {
            release = resolve
          })
          const before = queue
          queue = queue.then(() => done)
          const inner = run(sql, values, queryOptions)
          let started = false
          const finish = () => release()
          return {
            async next() {
              if (!started) {
                started = true
                await before
              }
              try {
                const step = await inner.next()
                if (step.done) finish()
                return step
              } catch (error) {
                finish()
                throw error
              }
            },
            async return() {
              try {
                return await inner.return(undefined)
              } finally {
                finish()
              }
            },
          }
        },
      }
    },
    async close() {
      if (closed) return
      closed = true
      await client.end().catch(() => {})
    },
  }
}
