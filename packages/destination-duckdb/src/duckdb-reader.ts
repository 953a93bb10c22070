import { createRequire } from 'node:module'
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBType, DuckDBValue } from '@duckdb/node-api'
import type {
  DataType,
  ReaderChunk,
  ReaderColumn,
  ReaderDialect,
  ReaderQueryOptions,
  SqlReader,
} from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { abortedError, readerQueryError, readOnlyError } from './duckdb-errors.ts'
import { duckdbQuote, duckdbString } from './duckdb-type-mapper.ts'

type Api = typeof import('@duckdb/node-api')

/** A DuckDB connection that runs one reader query, released after it. */
export interface DuckDBReaderSession {
  readonly connection: DuckDBConnection
  /** Closes what the session opened (the connection, and its instance when it has one of its own). Idempotent. */
  release(): Promise<void>
}

/** Options of {@link duckdbReader}. */
export interface DuckDBReaderOptions {
  /** Shown in messages, e.g. `duckdb` or `filesystem`. */
  name: string
  /** How queries name tables (`table()` qualifies them with the catalog and dataset). */
  dialect: ReaderDialect
  /**
   * Opens the connection for one query (`sql`, given so that a session may prepare what it reads, e.g. the
   * files of the tables it names). It MUST be read-only in the engine: on a database attached `READ_ONLY` with
   * file access off and the configuration locked (`lockedDuckDBSession`), or at least a connection the reader
   * runs in `BEGIN TRANSACTION READ ONLY`.
   */
  session(sql: string): Promise<DuckDBReaderSession>
}

let api: Promise<Api> | undefined

/**
 * Loads @duckdb/node-api once (a peer dependency). On Node.js with `require`: the package is CommonJS, and an
 * `import()` of it first scans every module it re-exports for their names (about 60-170 ms more of a run's start
 * on 2 cores); elsewhere (Deno), or when `require` cannot load it, with `import()`.
 */
export function duckdbApi(): Promise<Api> {
  api ??= requireApi()
    .catch(() => import('@duckdb/node-api'))
    .catch((cause: unknown) => {
      api = undefined
      throw new SluiceError(
        'DESTINATION_DRIVER_MISSING',
        '[duckdb] the @duckdb/node-api package is not installed',
        {
          cause,
          hint: 'npm install @duckdb/node-api',
        },
      )
    })
  return api
}

async function requireApi(): Promise<Api> {
  if ('Deno' in globalThis) throw new Error('Deno imports the package')
  return createRequire(import.meta.url)('@duckdb/node-api') as Api
}

/** The sluice type of a DuckDB result type; undefined for lists, structs, maps, intervals and such. */
export function duckdbReaderType(type: DuckDBType, { DuckDBTypeId: T }: Api): DataType | undefined {
  switch (type.typeId) {
    case T.BOOLEAN:
      return 'bool'
    case T.TINYINT:
    case T.SMALLINT:
    case T.INTEGER:
    case T.BIGINT:
    case T.UTINYINT:
    case T.USMALLINT:
    case T.UINTEGER:
    case T.UBIGINT:
    case T.HUGEINT:
    case T.UHUGEINT:
    case T.BIGNUM:
      return 'bigint'
    case T.FLOAT:
    case T.DOUBLE:
      return 'double'
    case T.DECIMAL:
      return 'decimal'
    case T.VARCHAR:
      return type.alias?.toUpperCase() === 'JSON' ? 'json' : 'text'
    case T.UUID:
    case T.ENUM:
      return 'text'
    case T.TIMESTAMP:
    case T.TIMESTAMP_TZ:
    case T.TIMESTAMP_S:
    case T.TIMESTAMP_MS:
    case T.TIMESTAMP_NS:
      return 'timestamp'
    case T.DATE:
      return 'date'
    case T.TIME:
      return 'time'
    case T.BLOB:
      return 'binary'
    default:
      return undefined
  }
}

/** `HH:MM:SS[.ffffff]` without trailing zeros in the fraction. */
function timeText(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** How a column's DuckDB values become the JS values of its sluice type (see `ReaderChunk`); others plain JS. */
function columnConverter(type: DuckDBType, duck: Api): (value: DuckDBValue) => unknown {
  const T = duck.DuckDBTypeId
  const js = duck.JSDuckDBValueConverter
  switch (type.typeId) {
    case T.TINYINT:
    case T.SMALLINT:
    case T.INTEGER:
    case T.UTINYINT:
    case T.USMALLINT:
    case T.UINTEGER:
      return (value) => (value === null ? null : BigInt(value as number))
    case T.DECIMAL:
    case T.DATE:
      return (value) => (value === null ? null : String(value))
    case T.VARCHAR:
      return type.alias?.toUpperCase() === 'JSON'
        ? (value) => (value === null ? null : JSON.parse(value as string))
        : (value) => value
    case T.TIMESTAMP:
    case T.TIMESTAMP_TZ:
      return (value) =>
        value === null ? null : new Date(Number((value as { micros: bigint }).micros / 1000n))
    case T.TIME:
      return (value) => (value === null ? null : timeText(String(value)))
    default:
      return (value) => (value === null ? null : js(value, type, js))
  }
}

/** A JS parameter as DuckDB binds it: dates as ISO text, bytes as a blob, objects as JSON text. */
function bindValue(value: unknown, duck: Api): DuckDBValue {
  if (value === undefined || value === null) return null
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return duck.blobValue(value)
  if (typeof value === 'object') return JSON.stringify(value)
  return value as DuckDBValue
}

/** Whether DuckDB's parser takes `sql` for SELECT statements (`json_serialize_sql` serializes only those). */
async function isSelect(connection: DuckDBConnection, sql: string): Promise<boolean> {
  try {
    const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${duckdbString(sql)})`)
    const answer = JSON.parse(String(reader.getRows()[0]?.[0])) as { error?: boolean; error_type?: string }
    return !(answer.error && answer.error_type === 'not implemented')
  } catch {
    return true
  }
}

function checkAbort(signal: AbortSignal | undefined, name: string): void {
  if (signal?.aborted) throw abortedError(name)
}

/**
 * A {@link SqlReader} on DuckDB sessions: each query runs on a session of its own, as one statement (DuckDB's
 * parser counts them: several fail with `READ_ONLY`), in `BEGIN TRANSACTION READ ONLY`, and only when DuckDB
 * prepares it as a `SELECT` (its own answer, before anything runs: `READ_ONLY` otherwise). Results stream
 * chunk by chunk from DuckDB's streaming result.
 */
export function duckdbReader(options: DuckDBReaderOptions): SqlReader {
  const { name } = options
  let closed = false
  const open = new Set<DuckDBReaderSession>()
  async function* query(
    sql: string,
    params: readonly unknown[] = [],
    queryOptions: ReaderQueryOptions = {},
  ): AsyncGenerator<ReaderChunk> {
    const { signal } = queryOptions
    const chunkSize = queryOptions.chunkSize ?? 1000
    if (!Number.isInteger(chunkSize) || chunkSize < 1)
      throw new SluiceError(
        'CONFIG_INVALID',
        `[${name}] chunkSize must be a positive integer, got ${chunkSize}`,
      )
    if (closed)
      throw new SluiceError('QUERY_FAILED', `[${name}] the reader is closed`, { hint: 'open a new one' })
    checkAbort(signal, name)
    const duck = await duckdbApi()
    const session = await options.session(sql)
    open.add(session)
    const { connection } = session
    const onAbort = (): void => connection.interrupt()
    signal?.addEventListener('abort', onAbort, { once: true })
    let prepared: DuckDBPreparedStatement | undefined
    let began = false
    const fail = (cause: unknown): SluiceError =>
      signal?.aborted ? abortedError(name) : readerQueryError(name, cause)
    try {
      const statements = await connection.extractStatements(sql).catch((cause: unknown) => {
        throw fail(cause)
      })
      if (statements.count > 1) throw readOnlyError(name, `${statements.count} statements`)
      if (statements.count === 0)
        throw new SluiceError('QUERY_FAILED', `[${name}] the query holds no statement`)
      await connection.run('BEGIN TRANSACTION READ ONLY')
      began = true
      prepared = await statements.prepare(0).catch(async (cause: unknown) => {
        // nothing ran; a statement DuckDB could not bind may still be a write (an INSERT into a view): DuckDB's
        // parser says whether it is a SELECT at all
        await connection.run('ROLLBACK').catch(() => {})
        began = false
        if (!signal?.aborted && !(await isSelect(connection, sql))) throw readOnlyError(name, 'not a SELECT')
        throw fail(cause)
      })
      const type = prepared.statementType
      if (type !== duck.StatementType.SELECT)
        throw readOnlyError(name, `a statement of type ${duck.StatementType[type] ?? type}`)
      if (prepared.parameterCount !== params.length) {
        throw new SluiceError(
          'QUERY_FAILED',
          `[${name}] the query has ${prepared.parameterCount} parameters, and ${params.length} values were given`,
          { hint: 'pass one value per $1, $2 ...' },
        )
      }
      if (params.length > 0) prepared.bind(params.map((p) => bindValue(p, duck)))
      const result = await prepared.stream().catch((cause: unknown) => {
        throw fail(cause)
      })
      const types = result.columnTypes()
      const columns: ReaderColumn[] = result.columnNames().map((column, i) => ({
        name: column,
        dataType: duckdbReaderType(types[i]!, duck),
        nativeType: String(types[i]),
      }))
      const converters = types.map((t) => columnConverter(t, duck))
      let rows: unknown[][] = []
      let yielded = false
      for (;;) {
        checkAbort(signal, name)
        const chunk = await result.fetchChunk().catch((cause: unknown) => {
          throw fail(cause)
        })
        if (!chunk || chunk.rowCount === 0) break
        const values = converters.map((convert, c) => chunk.getColumnValues(c).map(convert))
        for (let r = 0; r < chunk.rowCount; r++) {
          rows.push(values.map((column) => column[r]))
          if (rows.length < chunkSize) continue
          yield { columns, rows }
          checkAbort(signal, name)
          yielded = true
          rows = []
        }
      }
      if (rows.length > 0 || !yielded) yield { columns, rows }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      prepared?.destroySync()
      if (began) await connection.run('ROLLBACK').catch(() => {})
      open.delete(session)
      await session.release()
    }
  }
  return {
    dialect: options.dialect,
    query,
    async close() {
      closed = true
      const sessions = [...open]
      open.clear()
      await Promise.all(sessions.map((session) => session.release()))
    },
  }
}

/** The reader's dialect for tables in `catalog`.`dataset` (three parts, so no dataset is taken for a catalog). */
export function duckdbReaderDialect(catalog: string, dataset: string): ReaderDialect {
  return {
    name: 'duckdb',
    quoteIdentifier: duckdbQuote,
    table: (table) => `${duckdbQuote(catalog)}.${duckdbQuote(dataset)}.${duckdbQuote(table)}`,
    param: (i) => `$${i}`,
  }
}
