import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
  LoadJob,
  LoadJobResult,
  ReplaceStrategy,
  Schema,
  Table,
  TableLoad,
} from '@sluice/core/destination'
import { SCD2_COLUMNS, SqlClientDestination } from '@sluice/core/destination'
import { type BigQuerySqlClient, connectBigQuery } from './bigquery-client.ts'
import { type BigQueryOptions, bigqueryLocation, parseBigQueryOptions } from './bigquery-credentials.ts'
import { BIGQUERY_MAX_COLUMN_LENGTH } from './bigquery-dialect.ts'
import { type BigQueryStaging, resolveStaging } from './bigquery-staging.ts'

/**
 * What BigQuery offers here: jsonl job files through load jobs, all dispositions and merge strategies (MERGE
 * for upserts), the publish as one multi-statement transaction, no DDL in transactions, names up to 300
 * characters (BigQuery's column limit; tables allow 1024), case kept (column names compare case-insensitively).
 */
export const BIGQUERY_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: false,
  maxIdentifierLength: BIGQUERY_MAX_COLUMN_LENGTH,
  identifierCase: 'lower',
}

/** A statement of a publish (what `SqlClientDestination.publishSql` returns). */
export interface BigQueryStatement {
  sql: string
  params?: unknown[]
}

/**
 * The generic SQL destination client plus loading through a GCS staging bucket: with one, each job file is
 * uploaded there (the filesystem destination's layout, gzip jsonl) and a load job reads it from its `gs://` URI.
 */
export class BigQueryDestinationClient extends SqlClientDestination {
  readonly #bq: BigQuerySqlClient
  readonly #staging: BigQueryStaging | undefined
  readonly #replaceStrategy: ReplaceStrategy

  constructor(
    client: BigQuerySqlClient,
    ctx: DestinationContext,
    location: string,
    staging: BigQueryStaging | undefined,
    replaceStrategy: ReplaceStrategy = 'insert-from-staging',
  ) {
    super({
      client,
      datasetName: ctx.datasetName,
      capabilities: BIGQUERY_CAPABILITIES,
      location,
      maxParallelJobs: client.params.parallelJobs,
    })
    this.#bq = client
    this.#staging = staging
    this.#replaceStrategy = replaceStrategy
  }

  /**
   * `staging-optimized` replace: each table of the family becomes a `CLONE` of its staging table. BigQuery runs
   * the clones before the publish transaction (DDL is not allowed inside one), so that replace is not atomic
   * with the rest of the publish (as in dlt); a retried publish clones the same staging tables again.
   */
  override publishSql(schema: Schema, root: Table, tl: TableLoad, now: string): BigQueryStatement[] {
    const disposition = tl.disposition ?? root.writeDisposition
    const strategy = tl.replaceStrategy ?? root.replaceStrategy ?? this.#replaceStrategy
    if (disposition !== 'replace' || strategy !== 'staging-optimized')
      return super.publishSql(schema, root, tl, now)
    const n = this.names
    const family: Table[] = [root]
    for (let i = 0; i < family.length; i++) {
      const parent = family[i] as Table
      for (const t of Object.values(schema.tables)) if (t.parent === parent.name) family.push(t)
    }
    return family.map((t) => ({
      sql: `CREATE OR REPLACE TABLE ${n.table(t.name)} CLONE ${n.table(t.name, true)}`,
    }))
  }

  override async load(job: LoadJob, signal: AbortSignal): Promise<LoadJobResult> {
    const s = this.#staging
    if (!s) return super.load(job, signal)
    const staged = await s.staging.stageJob(job, { dataset: this.names.dataset, format: 'jsonl' })
    const rows = await this.#bq.loadFromUris(
      this.names.table(job.table.name, true),
      job.table.columns.filter((c) => c.name !== SCD2_COLUMNS.validFrom && c.name !== SCD2_COLUMNS.validTo),
      [staged.url],
      signal,
    )
    if (!s.keep) await s.staging.remove([staged])
    return { rows, location: staged.url }
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#staging?.staging.close()
    } finally {
      await super[Symbol.asyncDispose]()
    }
  }
}

/**
 * The BigQuery destination: dataset = BigQuery dataset (plus `<dataset>_staging`) in the configured location,
 * job files loaded by load jobs, data, schema version, state and `_sluice_loads` published in one transaction
 * script. Options are validated here (`SluiceError('CONFIG_INVALID')`); nothing is sent before the first job.
 * Accepts camelCase options or dlt's `[destination.bigquery]` section.
 *
 * @example bigquery({ credentials: './service-account.json', location: 'EU' })
 */
export function bigquery(options: BigQueryOptions): Destination {
  const params = parseBigQueryOptions(options)
  const location = bigqueryLocation(params)
  return {
    name: 'bigquery',
    capabilities: BIGQUERY_CAPABILITIES,
    async createClient(ctx: DestinationContext): Promise<DestinationClient> {
      const staging = await resolveStaging(params.staging, params.keepStagedFiles)
      const client = await connectBigQuery({ params })
      return new BigQueryDestinationClient(client, ctx, location, staging, params.replaceStrategy)
    },
  }
}
