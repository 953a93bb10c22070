import type * as Bq from '@google-cloud/bigquery'
import type {
  BulkLoad,
  SqlClient,
  SqlColumnRef,
  SqlDialect,
  SqlExecutor,
  StagedLoad,
} from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import type { BigQueryConnectionParams } from './bigquery-credentials.ts'
import { bigqueryDialect, bigqueryLoadType, quoteBigQueryIdentifier } from './bigquery-dialect.ts'
import { type BigQueryErrorContext, mapBigQueryError } from './bigquery-errors.ts'
import {
  type Buffered,
  CREATE_SCHEMA,
  cell,
  DELETE_ALL,
  type FieldSchema,
  named,
  paramType,
  paramValue,
  splitQualified,
  summarize,
  transactionScript,
} from './bigquery-sql.ts'

type BqModule = typeof Bq
type BigQuery = Bq.BigQuery
type Job = Bq.Job

let bqPromise: Promise<BqModule> | undefined

/** Imports @google-cloud/bigquery once (a peer dependency). */
async function loadLibrary(): Promise<BqModule> {
  bqPromise ??= import('@google-cloud/bigquery').catch((cause: unknown) => {
    bqPromise = undefined
    throw new SluiceError(
      'DESTINATION_DRIVER_MISSING',
      '[bigquery] the @google-cloud/bigquery package is not installed',
      {
        cause,
        hint: 'npm install @google-cloud/bigquery@8.3.1 google-auth-library@10.9.1',
      },
    )
  })
  return bqPromise
}

/** Options of {@link connectBigQuery}. */
export interface BigQueryClientOptions {
  params: BigQueryConnectionParams
  /** The @google-cloud/bigquery module to use instead of importing it (tests, bundlers). */
  library?: BqModule
}

/**
 * BigQuery as a {@link SqlClient}: each statement is a query job (GoogleSQL, named `@pN` parameters, in the
 * configured location); a transaction is one multi-statement script `BEGIN TRANSACTION; ...; COMMIT
 * TRANSACTION;` with an exception handler that rolls back (reads inside it run at once, before the buffered
 * writes); bulk loads are load jobs from the local NDJSON file (`NEWLINE_DELIMITED_JSON`, explicit schema,
 * `WRITE_APPEND`, `CREATE_NEVER`); batches of DDL are one multi-statement job. Two BigQuery rules are applied to core's SQL: `DELETE` always has a WHERE,
 * and `CREATE SCHEMA` names the location.
 */
export class BigQuerySqlClient implements SqlClient {
  readonly dialect: SqlDialect = bigqueryDialect
  readonly params: BigQueryConnectionParams
  readonly bigquery: BigQuery
  /** Every job configuration sent (for diagnostics and tests). */
  readonly jobs: Record<string, unknown>[] = []

  constructor(bigquery: BigQuery, params: BigQueryConnectionParams) {
    this.bigquery = bigquery
    this.params = params
  }

  #ctx(action: string): BigQueryErrorContext {
    return {
      projectId: this.params.projectId,
      location: this.params.location,
      principal: this.params.key?.client_email,
      action,
    }
  }

  /** Core's SQL with BigQuery's rules applied. */
  adapt(sql: string): string {
    if (DELETE_ALL.test(sql)) return `${sql} WHERE TRUE`
    const schema = CREATE_SCHEMA.exec(sql)
    if (schema) return `${sql} OPTIONS (location = '${this.params.location.replaceAll("'", "\\'")}')`
    return sql
  }

  /** Runs one query job and returns its rows (all pages). */
  async run(
    sql: string,
    params: Readonly<Record<string, unknown>> = {},
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>[]> {
    signal?.throwIfAborted()
    const named: Record<string, unknown> = {}
    const types: Record<string, string> = {}
    for (const [k, v] of Object.entries(params)) {
      named[k] = paramValue(v)
      types[k] = paramType(named[k])
    }
    const options = {
      query: sql,
      useLegacySql: false,
      location: this.params.location,
      jobPrefix: 'sluice_',
      labels: { tool: 'sluice' },
      ...(Object.keys(named).length ? { params: named, types } : {}),
    }
    this.jobs.push({ kind: 'query', query: sql, params: named, location: this.params.location })
    let job: Job | undefined
    const onAbort = () => void job?.cancel().catch(() => {})
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      ;[job] = await this.bigquery.createQueryJob(options)
      const out: Record<string, unknown>[] = []
      let pageToken: string | undefined
      for (;;) {
        const [rows, , resp] = (await job.getQueryResults({
          autoPaginate: false,
          skipParsing: true,
          timeoutMs: 60_000,
          ...(pageToken ? { pageToken } : {}),
        } as Bq.QueryResultsOptions)) as unknown as [
          { f: { v: unknown }[] }[],
          unknown,
          { jobComplete?: boolean; pageToken?: string; schema?: { fields?: FieldSchema[] } } | undefined,
        ]
        if (resp?.jobComplete === false) continue
        const fields = resp?.schema?.fields ?? []
        for (const r of rows ?? []) {
          const o: Record<string, unknown> = {}
          r.f.forEach((c, i) => {
            const f = fields[i]
            if (f) o[f.name] = cell(f, c.v)
          })
          out.push(o)
        }
        pageToken = resp?.pageToken
        if (!pageToken) return out
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      throw mapBigQueryError(error, this.#ctx(summarize(sql)))
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<void> {
    await this.run(this.adapt(sql), named(params))
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<T[]> {
    return (await this.run(this.adapt(sql), named(params))) as T[]
  }

  /** Runs parameterless statements as one multi-statement query job (no transaction): one job, not one each. */
  async executeBatch(statements: readonly string[]): Promise<void> {
    if (statements.length === 0) return
    if (statements.length === 1) return this.execute(statements[0] as string)
    await this.run(statements.map((st) => `${this.adapt(st)};`).join('\n'))
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const buffered: Buffered[] = []
    const tx: SqlExecutor = {
      execute: async (sql, params) => {
        buffered.push({ sql: this.adapt(sql), params: params ?? [] })
      },
      query: (sql, params) => this.query(sql, params),
    }
    const result = await fn(tx)
    if (buffered.length > 0) {
      const { script, params } = transactionScript(buffered)
      await this.run(script, params)
    }
    return result
  }

  /** The load-job configuration for a jsonl file into a (staging) table. */
  loadMetadata(columns: BulkLoad['columns']): Record<string, unknown> {
    return {
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      schema: {
        fields: columns.map((c) => ({ name: c.name, type: bigqueryLoadType(c), mode: 'NULLABLE' })),
      },
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_NEVER',
      ignoreUnknownValues: false,
      maxBadRecords: 0,
    }
  }

  /** The staged bulk path: a load job from the file's `gs://` URI in the staging bucket. */
  loadStaged(load: StagedLoad, signal: AbortSignal): Promise<number> {
    return this.loadFromUris(load.qualifiedTable, load.columns, [load.file.url], signal)
  }

  /** Runs a load job from GCS URIs (a staging bucket) into a table; returns the rows loaded. */
  async loadFromUris(
    qualifiedTable: string,
    columns: BulkLoad['columns'],
    uris: readonly string[],
    signal: AbortSignal,
  ): Promise<number> {
    signal.throwIfAborted()
    const [datasetId, tableId] = splitQualified(qualifiedTable)
    const load = {
      ...this.loadMetadata(columns),
      sourceUris: [...uris],
      destinationTable: { projectId: this.params.projectId, datasetId, tableId },
    }
    this.jobs.push({ kind: 'load', table: `${datasetId}.${tableId}`, ...load })
    let job: Job | undefined
    const onAbort = () => void job?.cancel().catch(() => {})
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      ;[job] = await this.bigquery.createJob({
        configuration: { load },
        jobPrefix: 'sluice_load_',
        location: this.params.location,
      } as Bq.JobOptions)
      await job.promise()
      return Number((job.metadata as Bq.JobMetadata | undefined)?.statistics?.load?.outputRows ?? 0)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw mapBigQueryError(
        error,
        this.#ctx(`load job into ${datasetId}.${tableId} from ${uris.join(', ')}`),
      )
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    if (load.format !== 'jsonl') {
      throw new SluiceError('DESTINATION_FORMAT', `[bigquery] cannot load ${load.format} files`, {
        hint: 'the BigQuery destination loads jsonl job files',
      })
    }
    signal.throwIfAborted()
    const [dataset, tableId] = splitQualified(load.qualifiedTable)
    const metadata = { ...this.loadMetadata(load.columns), jobPrefix: 'sluice_load_' }
    this.jobs.push({ kind: 'load', table: `${dataset}.${tableId}`, file: load.file, ...metadata })
    let job: Job | undefined
    const onAbort = () => void job?.cancel().catch(() => {})
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const table = this.bigquery.dataset(dataset, { location: this.params.location }).table(tableId, {
        location: this.params.location,
      })
      ;[job] = await table.createLoadJob(load.file, metadata as Bq.JobLoadMetadata)
      await job.promise()
      const stats = (job.metadata as Bq.JobMetadata | undefined)?.statistics?.load
      return Number(stats?.outputRows ?? 0)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw mapBigQueryError(error, this.#ctx(`load job into ${dataset}.${tableId}`))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  async schemaExists(schema: string): Promise<boolean> {
    try {
      const [exists] = await this.bigquery.dataset(schema).exists()
      return exists
    } catch (error) {
      throw mapBigQueryError(error, this.#ctx(`look up dataset ${schema}`))
    }
  }

  /** Columns of the existing datasets among `schemas`: one query over their INFORMATION_SCHEMA views. */
  async listColumns(schemas: readonly string[]): Promise<SqlColumnRef[]> {
    const existing: string[] = []
    for (const schema of schemas) if (await this.schemaExists(schema)) existing.push(schema)
    if (existing.length === 0) return []
    const sql = existing
      .map(
        (schema, i) =>
          `SELECT @p${i + 1} AS table_schema, table_name, column_name FROM ${quoteBigQueryIdentifier(schema)}.INFORMATION_SCHEMA.COLUMNS`,
      )
      .join(' UNION ALL ')
    const rows = await this.run(sql, named(existing))
    return rows.map((r) => ({
      schema: String(r['table_schema']),
      table: String(r['table_name']),
      column: String(r['column_name']),
    }))
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}

/**
 * Creates the BigQuery client: an explicit auth client when given, else the service-account key, else a
 * ready access token, else Application Default Credentials. Nothing is sent until the first job.
 */
export async function connectBigQuery(options: BigQueryClientOptions): Promise<BigQuerySqlClient> {
  const lib = options.library ?? (await loadLibrary())
  const p = options.params
  let authClient = p.authClient
  if (!authClient && !p.key && p.accessToken) {
    const { OAuth2Client } = await import('google-auth-library')
    const client = new OAuth2Client()
    client.setCredentials({ access_token: p.accessToken })
    authClient = client
  }
  const bigquery = new lib.BigQuery({
    projectId: p.projectId,
    location: p.location,
    userAgent: 'sluice',
    ...(p.apiEndpoint ? { apiEndpoint: p.apiEndpoint } : {}),
    ...(authClient
      ? { authClient }
      : p.key
        ? { credentials: { client_email: p.key.client_email, private_key: p.key.private_key } }
        : {}),
  } as Bq.BigQueryOptions)
  return new BigQuerySqlClient(bigquery, p)
}
