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
import type * as Sdk from 'snowflake-sdk'
import { openSnowflakeConnection, type SnowflakeClientOptions } from './snowflake-client.ts'
import { quoteSnowflakeIdentifier } from './snowflake-dialect.ts'
import { mapSnowflakeError, type SnowflakeErrorContext } from './snowflake-errors.ts'

type Bind = string | number | boolean | null

/** Snowflake's answer when a request holds another number of statements than MULTI_STATEMENT_COUNT allows. */
const STATEMENT_COUNT = '000008'
/** A statement cancelled (by the reader, on abort). */
const CANCELLED = '000604'
/** Every statement of the reader runs alone: Snowflake refuses a request with several. */
const ONE_STATEMENT = { MULTI_STATEMENT_COUNT: 1 }

/** The sluice type of a result column by snowflake-sdk's column type (and scale: NUMBER(p,0) is an integer). */
function dataTypeOf(type: string, scale: number): DataType | undefined {
  switch (type) {
    case 'fixed':
      return scale > 0 ? 'decimal' : 'bigint'
    case 'real':
      return 'double'
    case 'text':
      return 'text'
    case 'boolean':
      return 'bool'
    case 'date':
      return 'date'
    case 'time':
      return 'time'
    case 'timestamp_tz':
    case 'timestamp_ltz':
    case 'timestamp_ntz':
      return 'timestamp'
    case 'variant':
    case 'object':
    case 'array':
      return 'json'
    case 'binary':
      return 'binary'
    default:
      return undefined
  }
}

/** A number fetched as text is null, or the text `NULL` (snowflake-sdk's default for NULL as a string). */
const isNull = (v: unknown): boolean => v === null || v === undefined || v === 'NULL'

/** How a column's values (numbers fetched as text, the rest as snowflake-sdk converts them) become JS values. */
function converter(dataType: DataType | undefined): (value: unknown) => unknown {
  switch (dataType) {
    case 'bigint':
      return (v) => (isNull(v) ? null : BigInt(String(v)))
    case 'double':
      return (v) => {
        if (isNull(v)) return null
        const text = String(v).toLowerCase()
        return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text)
      }
    case 'decimal':
      return (v) => (isNull(v) ? null : String(v))
    case 'timestamp':
      return (v) => (v === null ? null : new Date((v as Date).getTime()))
    case 'date':
      return (v) => (v === null ? null : (v as Date).toISOString().slice(0, 10))
    case 'time':
      // snowflake-sdk gives a time as text (TIME_OUTPUT_FORMAT), and NULL as the text `NULL`
      return (v) =>
        isNull(v)
          ? null
          : String(v)
              .replace(/(\.\d*?)0+$/, '$1')
              .replace(/\.$/, '')
    case 'binary':
      return (v) => (v === null ? null : new Uint8Array(v as Uint8Array))
    default:
      return (v) => (v === undefined ? null : v)
  }
}

/** A JS parameter as snowflake-sdk binds it. */
function bind(value: unknown): Bind {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return JSON.stringify(value)
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return code === undefined ? '' : String(code).padStart(6, '0')
}

function readOnly(what: string, cause?: unknown): SluiceError {
  return new SluiceError('READ_ONLY', `[snowflake] the reader runs one query at a time, and ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'nothing ran; write one query (SELECT, WITH ... SELECT, VALUES); data is changed by loading it with a pipeline',
  })
}

function aborted(): SluiceError {
  return new SluiceError('RUN_ABORTED', '[snowflake] the query was stopped', {
    hint: 'its signal was aborted (the statement was cancelled); run it again to get its rows',
  })
}

/** The reader's dialect: names upper-cased as sluice creates them, `"DATASET"."TABLE"`, `:n` binds. */
export function snowflakeReaderDialect(dataset: string): ReaderDialect {
  const q = (name: string): string => quoteSnowflakeIdentifier(name.toUpperCase())
  return {
    name: 'snowflake',
    quoteIdentifier: q,
    table: (t) => `${q(dataset)}.${q(t)}`,
    param: (i) => `:${i}`,
  }
}

/**
 * Opens the Snowflake reader: a session of its own, with `reader_role` when set (a role with SELECT grants
 * only: Snowflake then refuses every write itself), its schema set to the dataset. Snowflake has no read-only
 * session or transaction, so before a query runs, Snowflake compiles it without running it (`describeOnly`)
 * inside `SELECT * FROM (<query>)`, which its grammar accepts for a query only; every request allows one
 * statement (`MULTI_STATEMENT_COUNT = 1`), so the query cannot close the parenthesis and start another. A
 * statement that fails that check but compiles alone is not a query: `READ_ONLY`, and nothing ran. The query
 * itself then runs as written (so its ORDER BY holds), and its rows are streamed.
 */
export async function openSnowflakeReader(
  options: SnowflakeClientOptions,
  ctx: ReaderContext,
): Promise<SqlReader> {
  const params = { ...options.params, role: options.params.readerRole ?? options.params.role }
  const errorContext = (action: string): SnowflakeErrorContext => ({
    account: params.account,
    user: params.user,
    database: params.database,
    warehouse: params.warehouse,
    role: params.role,
    action,
  })
  ctx.signal?.throwIfAborted()
  const conn = await openSnowflakeConnection({ ...options, params })
  const dataset = ctx.datasetName.toUpperCase()

  /** Runs one statement; resolves with the statement once Snowflake answered (rows are streamed later). */
  const execute = (
    options: Partial<Sdk.StatementOption>,
  ): { statement: Sdk.RowStatement; done: Promise<Sdk.RowStatement> } => {
    let statement!: Sdk.RowStatement
    const done = new Promise<Sdk.RowStatement>((resolve, reject) => {
      statement = conn.execute({
        sqlText: '',
        ...options,
        parameters: ONE_STATEMENT,
        streamResult: true,
        complete: (err, stmt) => (err ? reject(err) : resolve(stmt)),
      } as Sdk.StatementOption) as Sdk.RowStatement
    })
    return { statement, done }
  }
  const run = (sqlText: string) => execute({ sqlText }).done

  try {
    await run(
      "ALTER SESSION SET TIMEZONE = 'UTC', QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE, TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF6'",
    )
    await run(`USE SCHEMA ${quoteSnowflakeIdentifier(dataset)}`).catch((error: unknown) => {
      throw new SluiceError(
        'DESTINATION_DATABASE_MISSING',
        `[snowflake] there is no dataset (schema) ${dataset} in database ${params.database} that role ${params.role ?? '<default role>'} may use`,
        {
          cause: error,
          hint: "check the dataset name (the pipeline's datasetName) and the reader role's USAGE grants; a pipeline creates its dataset on its first run",
        },
      )
    })
  } catch (error) {
    await new Promise<void>((resolve) => conn.destroy(() => resolve()))
    throw error instanceof SluiceError ? error : mapSnowflakeError(error, errorContext('opening the reader'))
  }

  const failure = (error: unknown): SluiceError => {
    if (error instanceof SluiceError) return error
    const code = codeOf(error)
    if (code === STATEMENT_COUNT) return readOnly('Snowflake found more than one statement', error)
    const mapped = mapSnowflakeError(error, errorContext('a reader query'))
    if (mapped.code !== 'DESTINATION_QUERY' && code !== '002003') return mapped
    return new SluiceError(
      'QUERY_FAILED',
      `[snowflake] the query failed: ${String((error as Error).message ?? error).replace(/\s*\n\s*/g, ' ')}`,
      {
        cause: error,
        hint: 'fix the query; unqualified table names resolve to the dataset (upper-case, as sluice creates them)',
      },
    )
  }

  /** Refuses what is not one query, from Snowflake's compiler, before anything runs. */
  async function check(sql: string, binds: Bind[]): Promise<void> {
    try {
      await execute({ sqlText: `SELECT * FROM (\n${sql}\n)`, binds, describeOnly: true }).done
      return
    } catch (error) {
      if (codeOf(error) === STATEMENT_COUNT) throw readOnly('Snowflake found more than one statement', error)
    }
    try {
      await execute({ sqlText: sql, binds, describeOnly: true }).done
    } catch (error) {
      throw failure(error)
    }
    throw readOnly('Snowflake does not take this statement for a query')
  }

  let closed = false
  async function* query(
    text: string,
    values: readonly unknown[] = [],
    queryOptions: ReaderQueryOptions = {},
  ): AsyncGenerator<ReaderChunk> {
    const { signal } = queryOptions
    const chunkSize = queryOptions.chunkSize ?? 1000
    if (!Number.isInteger(chunkSize) || chunkSize < 1)
      throw new SluiceError(
        'CONFIG_INVALID',
        `[snowflake] chunkSize must be a positive integer, got ${chunkSize}`,
      )
    if (closed)
      throw new SluiceError('QUERY_FAILED', '[snowflake] the reader is closed', { hint: 'open a new one' })
    if (signal?.aborted) throw aborted()
    const sql = text.replace(/[\s;]+$/, '')
    const binds = values.map(bind)
    /** The statement while it runs (Snowflake answers when it is done; cancelling it then has no point). */
    let statement: Sdk.RowStatement | undefined
    const onAbort = () => statement?.cancel(() => {})
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await check(sql, binds)
      if (signal?.aborted) throw aborted()
      const running = execute({ sqlText: sql, binds, rowMode: 'array', fetchAsString: ['Number'] })
      statement = running.statement
      const done = await running.done
      statement = undefined
      const columns: ReaderColumn[] = (done.getColumns() ?? []).map((c) => ({
        name: c.getName(),
        dataType: dataTypeOf(c.getType(), c.getScale()),
        nativeType:
          c.getType() === 'fixed' ? `NUMBER(${c.getPrecision()},${c.getScale()})` : c.getType().toUpperCase(),
      }))
      const convert = columns.map((c) => converter(c.dataType))
      let rows: unknown[][] = []
      let yielded = false
      for await (const row of done.streamRows() as AsyncIterable<unknown[]>) {
        if (signal?.aborted) throw aborted()
        rows.push(convert.map((f, i) => f(row[i] ?? null)))
        if (rows.length < chunkSize) continue
        yield { columns, rows }
        yielded = true
        rows = []
      }
      if (signal?.aborted) throw aborted()
      if (rows.length > 0 || !yielded) yield { columns, rows }
    } catch (error) {
      if (signal?.aborted || codeOf(error) === CANCELLED) throw aborted()
      throw failure(error)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  return {
    dialect: snowflakeReaderDialect(dataset),
    query,
    async close() {
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => conn.destroy(() => resolve()))
    },
  }
}
