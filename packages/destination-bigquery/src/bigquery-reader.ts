import type * as Bq from '@google-cloud/bigquery'
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
import { type BigQueryClientOptions, connectBigQuery } from './bigquery-client.ts'
import { quoteBigQueryIdentifier as q } from './bigquery-dialect.ts'
import { type BigQueryErrorContext, mapBigQueryError } from './bigquery-errors.ts'

/** A field of a query result's schema. */
interface Field {
  name: string
  type: string
  mode?: string
  fields?: Field[]
}

/** A cell as `getQueryResults` sends it without parsing. */
interface Cell {
  v: unknown
}

/** The results page of a query job. */
interface Page {
  jobComplete?: boolean
  pageToken?: string
  schema?: { fields?: Field[] }
}

const TYPES: Readonly<Record<string, DataType>> = {
  STRING: 'text',
  INT64: 'bigint',
  INTEGER: 'bigint',
  FLOAT64: 'double',
  FLOAT: 'double',
  BOOL: 'bool',
  BOOLEAN: 'bool',
  TIMESTAMP: 'timestamp',
  DATETIME: 'timestamp',
  DATE: 'date',
  TIME: 'time',
  NUMERIC: 'decimal',
  BIGNUMERIC: 'decimal',
  JSON: 'json',
  BYTES: 'binary',
}

/** The sluice type of a result field: none for arrays, records and types sluice has no type for. */
function dataTypeOf(field: Field): DataType | undefined {
  return field.mode === 'REPEATED' ? undefined : TYPES[field.type]
}

/** A TIMESTAMP cell: microseconds since the epoch (`useInt64Timestamp`), or seconds with a fraction. */
function timestamp(text: string): Date {
  return /^-?\d+$/.test(text) ? new Date(Number(BigInt(text) / 1000n)) : new Date(Number(text) * 1000)
}

/** A cell's JS value by its field's type (see `ReaderChunk`); arrays and records as arrays and objects. */
function value(field: Field, v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (field.mode === 'REPEATED')
    return (v as Cell[]).map((item) => value({ ...field, mode: 'NULLABLE' }, item.v))
  if (field.type === 'RECORD' || field.type === 'STRUCT') {
    const cells = (v as { f: Cell[] }).f
    return Object.fromEntries((field.fields ?? []).map((f, i) => [f.name, value(f, cells[i]?.v)]))
  }
  const text = String(v)
  switch (TYPES[field.type]) {
    case 'bigint':
      return BigInt(text)
    case 'double':
      return Number(text)
    case 'bool':
      return text === 'true'
    case 'timestamp':
      return field.type === 'DATETIME' ? new Date(`${text}Z`) : timestamp(text)
    case 'time':
      return text.includes('.') ? text.replace(/\.?0+$/, '') : text
    case 'json':
      return JSON.parse(text)
    case 'binary':
      return new Uint8Array(Buffer.from(text, 'base64'))
    default:
      return text
  }
}

/** A JS parameter as a named query parameter: its value and GoogleSQL type. */
function parameter(v: unknown): { value: unknown; type: string } {
  if (v === undefined || v === null) return { value: null, type: 'STRING' }
  if (typeof v === 'bigint') return { value: v.toString(), type: 'INT64' }
  if (typeof v === 'number') return { value: v, type: Number.isInteger(v) ? 'INT64' : 'FLOAT64' }
  if (typeof v === 'boolean') return { value: v, type: 'BOOL' }
  if (v instanceof Date) return { value: v.toISOString(), type: 'TIMESTAMP' }
  if (v instanceof Uint8Array) return { value: Buffer.from(v), type: 'BYTES' }
  if (typeof v === 'object') return { value: JSON.stringify(v), type: 'STRING' }
  return { value: String(v), type: 'STRING' }
}

function readOnly(what: string): SluiceError {
  return new SluiceError(
    'READ_ONLY',
    `[bigquery] the reader runs one SELECT query at a time, and BigQuery says this is ${what}`,
    {
      hint: 'nothing ran: the statement type comes from a dry run; data is changed by loading it with a pipeline',
    },
  )
}

function aborted(): SluiceError {
  return new SluiceError('RUN_ABORTED', '[bigquery] the query was stopped', {
    hint: 'its signal was aborted (the job was cancelled); run it again to get its rows',
  })
}

/** A reader query's error: what BigQuery refuses in the query is `QUERY_FAILED`, the rest as the loader maps it. */
function queryError(error: unknown, ctx: BigQueryErrorContext): SluiceError {
  const e = (error ?? {}) as {
    code?: number
    reason?: string
    errors?: { reason?: string }[]
    message?: string
  }
  const reason = e.reason ?? e.errors?.[0]?.reason ?? ''
  if (['invalidQuery', 'invalid', 'notFound'].includes(reason) || e.code === 400) {
    return new SluiceError(
      'QUERY_FAILED',
      `[bigquery] the query failed: ${String(e.message ?? error).split('\n')[0]}`,
      {
        cause: error,
        hint: 'fix the query; unqualified table names resolve to the dataset',
      },
    )
  }
  return mapBigQueryError(error, ctx)
}

/** The reader's dialect: `` `dataset`.`table` ``, `@pN` parameters, names as sluice creates them. */
export function bigqueryReaderDialect(dataset: string): ReaderDialect {
  return {
    name: 'bigquery',
    quoteIdentifier: q,
    table: (t) => `${q(dataset)}.${q(t)}`,
    param: (i) => `@p${i}`,
  }
}

/**
 * Opens the BigQuery reader. BigQuery has no read-only session, so each query first runs as a dry run (nothing
 * executes, nothing is billed) with the dataset as `defaultDataset`; only when BigQuery answers that its
 * `statementType` is `SELECT` (a script of several statements is `SCRIPT`) does the same query, with the same
 * configuration, run as a query job, whose results are read `chunkSize` rows per page. Anything else fails with
 * `READ_ONLY` before it runs. A query job writes nothing but its temporary result table.
 */
export async function openBigQueryReader(
  options: BigQueryClientOptions,
  ctx: ReaderContext,
): Promise<SqlReader> {
  const client = await connectBigQuery(options)
  const { params } = options
  const dataset = ctx.datasetName
  const errorContext = (action: string): BigQueryErrorContext => ({
    projectId: params.projectId,
    location: params.location,
    principal: params.key?.client_email,
    action,
  })
  ctx.signal?.throwIfAborted()
  if (!(await client.schemaExists(dataset))) {
    throw new SluiceError(
      'DESTINATION_DATABASE_MISSING',
      `[bigquery] there is no dataset ${dataset} in project ${params.projectId}`,
      {
        hint: "check the dataset name (the pipeline's datasetName), project_id and location; a pipeline creates its dataset on its first run",
      },
    )
  }
  let closed = false

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
        `[bigquery] chunkSize must be a positive integer, got ${chunkSize}`,
      )
    if (closed)
      throw new SluiceError('QUERY_FAILED', '[bigquery] the reader is closed', { hint: 'open a new one' })
    if (signal?.aborted) throw aborted()
    const named: Record<string, unknown> = {}
    const types: Record<string, string> = {}
    values.forEach((v, i) => {
      const p = parameter(v)
      named[`p${i + 1}`] = p.value
      types[`p${i + 1}`] = p.type
    })
    const config = {
      query: sql,
      useLegacySql: false,
      location: params.location,
      defaultDataset: { projectId: params.projectId, datasetId: dataset },
      labels: { tool: 'sluice' },
      ...(values.length > 0 ? { params: named, types } : {}),
    }
    let job: Bq.Job | undefined
    let done = false
    let yielded = false
    const onAbort = () => void job?.cancel().catch(() => {})
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const [dry] = await client.bigquery.createQueryJob({ ...config, dryRun: true } as Bq.Query)
      const statementType = (dry.metadata as Bq.JobMetadata | undefined)?.statistics?.query?.statementType
      if (statementType !== 'SELECT')
        throw readOnly(statementType ? `a ${statementType} statement` : 'not a query')
      if (signal?.aborted) throw aborted()
      ;[job] = await client.bigquery.createQueryJob({ ...config, jobPrefix: 'sluice_reader_' } as Bq.Query)
      let pageToken: string | undefined
      let columns: ReaderColumn[] | undefined
      let fields: Field[] = []
      for (;;) {
        if (signal?.aborted) throw aborted()
        const [rows, , page] = (await job.getQueryResults({
          autoPaginate: false,
          skipParsing: true,
          maxResults: chunkSize,
          timeoutMs: 60_000,
          ...(pageToken ? { pageToken } : {}),
        } as Bq.QueryResultsOptions)) as unknown as [{ f: Cell[] }[] | undefined, unknown, Page | undefined]
        if (page?.jobComplete === false) continue
        if (!columns) {
          fields = page?.schema?.fields ?? []
          columns = fields.map((f) => ({
            name: f.name,
            dataType: dataTypeOf(f),
            nativeType: f.mode === 'REPEATED' ? `ARRAY<${f.type}>` : f.type,
          }))
        }
        const chunk = (rows ?? []).map((r) => fields.map((f, i) => value(f, r.f[i]?.v)))
        pageToken = page?.pageToken
        if (!pageToken) done = true
        if (chunk.length > 0 || (done && !yielded)) yield { columns, rows: chunk }
        yielded = true
        if (done) return
      }
    } catch (error) {
      if (signal?.aborted) throw aborted()
      throw error instanceof SluiceError ? error : queryError(error, errorContext('a reader query'))
    } finally {
      signal?.removeEventListener('abort', onAbort)
      // a loop that stopped early: the job may still be running, and its rows are not wanted
      if (job && !done) void job.cancel().catch(() => {})
    }
  }

  return {
    dialect: bigqueryReaderDialect(dataset),
    query,
    async close() {
      closed = true
      await client[Symbol.asyncDispose]()
    },
  }
}
