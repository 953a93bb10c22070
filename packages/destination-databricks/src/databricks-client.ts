import { readFile } from 'node:fs/promises'
import type { BulkLoad, SqlClient, SqlDialect, SqlExecutor, StagedLoad } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { DatabricksApi, type StatementColumn, type StatementResult } from './databricks-api.ts'
import type { TokenSource } from './databricks-auth.ts'
import type { DatabricksConnectionParams } from './databricks-credentials.ts'
import { databricksDialect, quoteDatabricksIdentifier } from './databricks-dialect.ts'
import { bucketCredential, copyIntoSql, databricksUrl, parquetTable, toParquet } from './databricks-stage.ts'

/** The volume created in each dataset's staging schema when `staging_volume_name` is not set. */
export const DEFAULT_STAGING_VOLUME = '_sluice_staging'

/** Delta table properties of every table sluice creates: column mapping allows any character in column names. */
export const TABLE_PROPERTIES =
  "USING DELTA TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')"

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS [\s\S]*\)$/

/** Splits `` `a`.`b` `` (as the dialect quotes) into the unquoted schema and table. */
export function splitQualified(qualified: string): [string, string] {
  const m = /^`((?:[^`]|``)*)`\.`((?:[^`]|``)*)`$/.exec(qualified)
  if (!m) throw new Error(`not a qualified Databricks table name: ${qualified}`)
  return [(m[1] as string).replaceAll('``', '`'), (m[2] as string).replaceAll('``', '`')]
}

/** A `JSON_ARRAY` value as core expects it: booleans and doubles as JS values, binary as bytes, the rest as text. */
export function cellValue(value: string | null | undefined, column: StatementColumn | undefined): unknown {
  if (value === null || value === undefined) return null
  switch (column?.type_name) {
    case 'BOOLEAN':
      return value === 'true'
    case 'DOUBLE':
    case 'FLOAT':
      return Number(value)
    case 'BINARY':
      return Uint8Array.from(atob(value), (c) => c.charCodeAt(0))
    default:
      return value
  }
}

/** Options of {@link connectDatabricks}. */
export interface DatabricksClientOptions {
  params: DatabricksConnectionParams
  /** Where the bearer tokens come from (shared by the destination's clients and readers). */
  tokens: TokenSource
}

/**
 * Databricks as a {@link SqlClient}: every statement is one request to the SQL Statement Execution API on the
 * configured warehouse and catalog (named `:pN` parameters; no multi-statement requests and no transactions:
 * `capabilities.transactions` is false and core makes a repeated publish safe). Tables are Delta tables with
 * column mapping. The bulk path converts a job file to parquet, uploads it to a Unity Catalog volume (Files API)
 * and runs `COPY INTO` on it; `loadStaged` runs `COPY INTO` on a file in a staging bucket.
 */
export class DatabricksSqlClient implements SqlClient {
  readonly dialect: SqlDialect = databricksDialect
  readonly api: DatabricksApi
  readonly params: DatabricksConnectionParams
  /** Volumes known to exist, by staging schema: their `/Volumes/...` path. */
  readonly #volumes = new Map<string, Promise<string>>()

  constructor(api: DatabricksApi, params: DatabricksConnectionParams) {
    this.api = api
    this.params = params
  }

  /** Core's SQL with Databricks' rules applied: tables are created as Delta tables with column mapping. */
  adapt(sql: string): string {
    return CREATE_TABLE.test(sql) ? `${sql} ${TABLE_PROPERTIES}` : sql
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<void> {
    const statement = this.adapt(sql)
    await this.api.execute({ statement, params, action: summarize(statement) })
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<T[]> {
    const result = await this.api.execute({ statement: sql, params, action: summarize(sql) })
    const rows: T[] = []
    for await (const data of this.chunks(result, summarize(sql))) {
      for (const values of data) {
        const row: Record<string, unknown> = {}
        result.columns.forEach((c, i) => {
          row[c.name] = cellValue(values[i], c)
        })
        rows.push(row as T)
      }
    }
    return rows
  }

  /** The rows of a result, a chunk at a time (the first came with the statement; the rest are fetched). */
  async *chunks(
    result: StatementResult,
    action: string,
    signal?: AbortSignal,
  ): AsyncGenerator<(string | null)[][]> {
    let chunk = result.first
    while (chunk) {
      yield chunk.data_array ?? []
      const next = chunk.next_chunk_index
      if (next === undefined) return
      chunk = await this.api.chunk(result.statementId, next, { host: this.api.host, action }, signal)
    }
  }

  /** Databricks runs one statement per request and has no multi-statement transactions here. */
  transaction<T>(_fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return Promise.reject(
      new SluiceError('DESTINATION_UNSUPPORTED', '[databricks] has no multi-statement transactions', {
        hint: 'this is a bug: core publishes without a transaction where capabilities.transactions is false',
      }),
    )
  }

  /** The `/Volumes/...` folder job files for tables of `schema` (a staging schema) are uploaded to. */
  #volume(schema: string): Promise<string> {
    const configured = this.params.stagingVolume
    if (configured) {
      const { catalog, schema: s, volume } = configured
      return Promise.resolve(volumePath(catalog, s, volume))
    }
    let known = this.#volumes.get(schema)
    if (!known) {
      const name = `${quoteDatabricksIdentifier(schema)}.${quoteDatabricksIdentifier(DEFAULT_STAGING_VOLUME)}`
      known = this.api
        .execute({
          statement: `CREATE VOLUME IF NOT EXISTS ${name}`,
          action: `create volume ${schema}.${DEFAULT_STAGING_VOLUME}`,
        })
        .then(() => volumePath(this.params.catalog, schema, DEFAULT_STAGING_VOLUME))
      known.catch(() => this.#volumes.delete(schema))
      this.#volumes.set(schema, known)
    }
    return known
  }

  /**
   * The bulk path: the jsonl job file is converted to parquet, uploaded to the staging volume (Files API) and
   * loaded with `COPY INTO`; the uploaded file is deleted afterwards unless `keep_staged_files`. Returns the rows
   * COPY INTO inserted (core compares them with the job's).
   */
  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted()
    if (load.format !== 'jsonl') {
      throw new SluiceError('DESTINATION_FORMAT', `[databricks] cannot load ${load.format} job files`, {
        hint: 'the Databricks destination loads jsonl job files (converted to parquet before upload)',
      })
    }
    const [schema, table] = splitQualified(load.qualifiedTable)
    const converted = await toParquet(load.file, parquetTable(table, load.columns))
    try {
      if (converted.rows === 0) return 0
      const folder = await this.#volume(schema)
      const name = (load.file.split(/[\\/]/).pop() ?? 'job').replace(/[^A-Za-z0-9._-]/g, '_')
      const path = `${folder}/${name}.${crypto.randomUUID().slice(0, 8)}.parquet`
      await this.api.putFile(path, await readFile(converted.file), signal)
      try {
        return await this.#copyInto(load.qualifiedTable, path, undefined, [], signal)
      } finally {
        if (!this.params.keepStagedFiles) await this.api.deleteFile(path).catch(() => {})
      }
    } finally {
      await converted.remove()
    }
  }

  /** The staged bulk path: `COPY INTO` from a parquet file in the staging bucket (core uploads and removes it). */
  loadStaged(load: StagedLoad, signal: AbortSignal): Promise<number> {
    const keys = load.credentials
    const credential = bucketCredential(load.file.url, this.params, keys)
    const secrets = [
      keys?.awsAccessKeyId,
      keys?.awsSecretAccessKey,
      keys?.sessionToken,
      keys?.azureStorageSasToken,
    ]
    return this.#copyInto(
      load.qualifiedTable,
      databricksUrl(load.file.url, keys),
      credential,
      secrets,
      signal,
    )
  }

  async #copyInto(
    table: string,
    source: string,
    credential: string | undefined,
    secrets: readonly (string | undefined)[],
    signal: AbortSignal,
  ): Promise<number> {
    const result = await this.api.execute({
      statement: copyIntoSql(table, source, credential),
      action: `COPY INTO ${table} from ${source}`,
      secrets,
      // a COPY INTO whose answer was lost may have loaded: the package then resumes from the start
      repeatable: false,
      signal,
    })
    const at = result.columns.findIndex((c) => c.name === 'num_inserted_rows')
    const value = result.first?.data_array?.[0]?.[at === -1 ? 0 : at]
    return Number(value ?? 0)
  }

  async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.query(
      'SELECT schema_name FROM information_schema.schemata WHERE lower(schema_name) = lower(:p1)',
      [schema],
    )
    return rows.length > 0
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}

/** The Files API path of a volume; Unity Catalog stores the names in lower case. */
function volumePath(catalog: string, schema: string, volume: string): string {
  return `/Volumes/${catalog.toLowerCase()}/${schema.toLowerCase()}/${volume.toLowerCase()}`
}

function summarize(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim()
  return s.length > 100 ? `${s.slice(0, 97)}...` : s
}

/**
 * Creates the client. Nothing is sent except, with OAuth, the token request (so that a wrong client id or secret
 * fails here); the warehouse starts with the first statement. The caller MUST dispose the client.
 */
export async function connectDatabricks(options: DatabricksClientOptions): Promise<DatabricksSqlClient> {
  const { params, tokens } = options
  const api = new DatabricksApi({
    baseUrl: params.baseUrl,
    warehouseId: params.warehouseId,
    catalog: params.catalog,
    tokens,
    http: params.http,
  })
  if (params.auth.kind === 'oauth') await tokens.token()
  return new DatabricksSqlClient(api, params)
}
