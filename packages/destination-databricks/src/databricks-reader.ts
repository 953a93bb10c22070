import type {
  DataType,
  ReaderChunk,
  ReaderColumn,
  ReaderContext,
  ReaderDialect,
  ReaderQueryOptions,
  SqlReader,
} from '@sluice/core/destination'
import { isSluiceError, SluiceError } from '@sluice/core/destination'
import { DatabricksApi, type StatementColumn, type StatementResult } from './databricks-api.ts'
import type { TokenSource } from './databricks-auth.ts'
import type { DatabricksConnectionParams } from './databricks-credentials.ts'
import { quoteDatabricksIdentifier, quoteDatabricksObjectName } from './databricks-dialect.ts'

/** The sluice type of a Databricks result type (`type_name`); undefined for arrays, maps, structs, intervals. */
export function readerDataType(typeName: string): DataType | undefined {
  switch (typeName) {
    case 'BYTE':
    case 'SHORT':
    case 'INT':
    case 'LONG':
      return 'bigint'
    case 'FLOAT':
    case 'DOUBLE':
      return 'double'
    case 'BOOLEAN':
      return 'bool'
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return 'timestamp'
    case 'DATE':
      return 'date'
    case 'DECIMAL':
      return 'decimal'
    case 'STRING':
    case 'CHAR':
      return 'text'
    case 'BINARY':
      return 'binary'
    default:
      return undefined
  }
}

/** A `JSON_ARRAY` value as the reader contract wants it for the column's sluice type. */
export function readerValue(value: string | null | undefined, dataType: DataType | undefined): unknown {
  if (value === null || value === undefined) return null
  switch (dataType) {
    case 'bigint':
      return BigInt(value)
    case 'double':
      return Number(value)
    case 'bool':
      return value === 'true'
    case 'timestamp':
      return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`)
    case 'binary':
      return Uint8Array.from(atob(value), (c) => c.charCodeAt(0))
    default:
      return value
  }
}

/** How the reader spells SQL for one dataset: backticks, `:pN` markers, `` `dataset`.`table` ``. */
export function databricksReaderDialect(datasetName: string): ReaderDialect {
  return {
    name: 'databricks',
    quoteIdentifier: quoteDatabricksIdentifier,
    table: (name: string) =>
      `${quoteDatabricksObjectName(datasetName, 'schema')}.${quoteDatabricksObjectName(name, 'table')}`,
    param: (i: number) => `:p${i}`,
  }
}

/** A query stopped by its signal; `cause` is what the stopped request failed with, else the abort reason. */
function aborted(signal: AbortSignal, cause: unknown = signal.reason): SluiceError {
  return new SluiceError('RUN_ABORTED', '[databricks] the query was cancelled', {
    cause,
    hint: 'its signal was aborted (a running statement is cancelled on the warehouse); run it again to get its rows',
  })
}

/** A syntax error: what Databricks answers for anything that is not one query inside a subquery. */
const SYNTAX_ERROR = /PARSE_SYNTAX_ERROR|ParseException/
/** Failures that are not the query's: passed on as they are (credentials, network, a busy warehouse). */
const PASS_ON = new Set(['DESTINATION_AUTH', 'DESTINATION_CONNECT', 'DESTINATION_TRANSIENT'])

/**
 * Read-only queries over one dataset through the SQL Statement Execution API. Read-only is enforced by the
 * engine, at parse time: the statement is sent as the subquery of `SELECT * FROM (...)`, which Databricks' parser
 * accepts only when it is one query (SELECT, WITH, VALUES, TABLE); a write, a DDL statement, a command or several
 * statements fail there with a syntax error (reported as `READ_ONLY`), before anything runs. Unqualified names
 * resolve to the dataset (the request's `schema`). Results come as `INLINE` `JSON_ARRAY` chunks, fetched as the
 * iterator asks for them, with `row_limit` = `readerRowLimit`; a larger result fails with `QUERY_FAILED` before a
 * row is yielded. An aborted signal fails the query with `RUN_ABORTED`: before it starts, while it runs (the
 * statement is cancelled on the warehouse), while a chunk is fetched, and before each chunk is yielded.
 */
export class DatabricksReader implements SqlReader {
  readonly dialect: ReaderDialect
  readonly #api: DatabricksApi
  readonly #dataset: string
  readonly #rowLimit: number
  #closed = false

  constructor(api: DatabricksApi, datasetName: string, rowLimit: number) {
    this.#api = api
    this.#dataset = datasetName
    this.#rowLimit = rowLimit
    this.dialect = databricksReaderDialect(datasetName)
  }

  async *query(
    sql: string,
    params: readonly unknown[] = [],
    options: ReaderQueryOptions = {},
  ): AsyncIterable<ReaderChunk> {
    if (this.#closed) throw new SluiceError('QUERY_FAILED', '[databricks] the reader is closed')
    const size = Math.max(1, options.chunkSize ?? 1000)
    const signal = options.signal
    const action = 'read-only query'
    if (signal?.aborted) throw aborted(signal)
    // a trailing semicolon is harmless in a query but would end the subquery early
    const body = sql.trim().replace(/;\s*$/, '')
    let result: StatementResult
    try {
      result = await this.#api.execute({
        statement: `SELECT * FROM (\n${body}\n) AS ${quoteDatabricksIdentifier('_sluice_query')}`,
        params,
        schema: this.#dataset,
        rowLimit: this.#rowLimit,
        action,
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      throw this.#failure(error, signal)
    }
    if (result.truncated) {
      throw new SluiceError(
        'QUERY_FAILED',
        `[databricks] the query returns more than ${this.#rowLimit} rows (the reader's row limit)`,
        { hint: 'add a LIMIT or a narrower WHERE, or raise reader_row_limit' },
      )
    }
    const columns: ReaderColumn[] = result.columns.map((c: StatementColumn) => ({
      name: c.name,
      dataType: readerDataType(c.type_name),
      nativeType: c.type_text ?? c.type_name,
    }))
    let rows: unknown[][] = []
    let yielded = false
    let chunk = result.first
    while (chunk) {
      for (const values of chunk.data_array ?? []) {
        rows.push(columns.map((c, i) => readerValue(values[i], c.dataType)))
        if (rows.length === size) {
          // the statement has finished (its result is on the warehouse): nothing runs there to cancel
          if (signal?.aborted) throw aborted(signal)
          yield { columns, rows }
          yielded = true
          rows = []
        }
      }
      const next = chunk.next_chunk_index
      if (next === undefined) break
      try {
        chunk = await this.#api.chunk(result.statementId, next, { host: this.#api.host, action }, signal)
      } catch (error) {
        throw this.#failure(error, signal)
      }
    }
    if (signal?.aborted) throw aborted(signal)
    if (rows.length > 0 || !yielded) yield { columns, rows }
  }

  #failure(error: unknown, signal: AbortSignal | undefined): SluiceError {
    if (signal?.aborted) return aborted(signal, error)
    if (isSluiceError(error) && PASS_ON.has(error.code)) return error
    const cause = isSluiceError(error) ? error.cause : error
    const detail = cause instanceof Error ? cause.message : String(cause)
    if (SYNTAX_ERROR.test(detail) || (cause as { sqlState?: unknown } | undefined)?.sqlState === '42601') {
      return new SluiceError(
        'READ_ONLY',
        `[databricks] the reader runs one query (SELECT, WITH, VALUES, TABLE); Databricks did not accept the statement as one (${detail})`,
        {
          cause: error,
          hint: 'writes, DDL, commands and several statements are refused before they run; if this is one query, fix the syntax error the message names',
        },
      )
    }
    return new SluiceError('QUERY_FAILED', `[databricks] the query failed: ${detail}`, { cause: error })
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}

/** Options of {@link openDatabricksReader}. */
export interface DatabricksReaderOptions {
  params: DatabricksConnectionParams
  tokens: TokenSource
  ctx: ReaderContext
}

/** Opens a reader on a dataset (see {@link DatabricksReader}); nothing is sent until the first query. */
export async function openDatabricksReader(options: DatabricksReaderOptions): Promise<DatabricksReader> {
  const { params, tokens, ctx } = options
  ctx.signal?.throwIfAborted()
  const api = new DatabricksApi({
    baseUrl: params.baseUrl,
    warehouseId: params.warehouseId,
    catalog: params.catalog,
    tokens,
    http: params.http,
  })
  return new DatabricksReader(api, ctx.datasetName, params.readerRowLimit)
}
