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
import { SqlClientDestination, tableFamily } from '@sluice/core/destination'
import { connectSnowflake, type SnowflakeSqlClient } from './snowflake-client.ts'
import { parseSnowflakeOptions, type SnowflakeOptions, snowflakeLocation } from './snowflake-credentials.ts'
import { SNOWFLAKE_MAX_IDENTIFIER_LENGTH } from './snowflake-dialect.ts'
import { resolveStaging, type SnowflakeStaging, stagedSource } from './snowflake-staging.ts'

/**
 * What Snowflake offers here: jsonl job files (PUT + COPY INTO), all dispositions and merge strategies
 * (MERGE INTO for upserts), transactions for the publish (DDL is not transactional in Snowflake: it commits),
 * 255-character identifiers, upper-cased.
 */
export const SNOWFLAKE_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: false,
  maxIdentifierLength: SNOWFLAKE_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'upper',
}

/** A statement of a publish (what `SqlClientDestination.publishSql` returns). */
export interface SnowflakeStatement {
  sql: string
  params?: unknown[]
}

/**
 * The generic SQL destination client plus Snowflake's `staging-optimized` replace: each table of the family is
 * replaced by a zero-copy `CLONE` of its staging table. CLONE is DDL, which Snowflake commits on its own, so
 * that replace is not atomic with the rest of the publish (as in dlt); the other strategies are.
 */
export class SnowflakeDestinationClient extends SqlClientDestination {
  readonly #replaceStrategy: ReplaceStrategy
  readonly #sf: SnowflakeSqlClient
  readonly #staging: SnowflakeStaging | undefined

  constructor(
    client: SnowflakeSqlClient,
    ctx: DestinationContext,
    location: string,
    replaceStrategy: ReplaceStrategy,
    staging?: SnowflakeStaging,
  ) {
    super({
      client,
      datasetName: ctx.datasetName,
      capabilities: SNOWFLAKE_CAPABILITIES,
      location,
      maxParallelJobs: client.params.parallelJobs,
    })
    this.#replaceStrategy = replaceStrategy
    this.#sf = client
    this.#staging = staging
  }

  /**
   * With a staging bucket: uploads the job file there (filesystem destination's layout, gzip jsonl) and COPYs it
   * from the bucket; without one, PUT + COPY through the SQL client's bulk path.
   */
  override async load(job: LoadJob, signal: AbortSignal): Promise<LoadJobResult> {
    const s = this.#staging
    if (!s) return super.load(job, signal)
    const staged = await s.staging.stageJob(job, { dataset: this.names.dataset, format: 'jsonl' })
    const source = stagedSource(staged.key, staged.url, this.#sf.params.stage, s.credentials)
    const rows = await this.#sf.copyInto(this.names.table(job.table.name, true), source, signal)
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

  override publishSql(schema: Schema, root: Table, tl: TableLoad, now: string): SnowflakeStatement[] {
    const disposition = tl.disposition ?? root.writeDisposition
    const strategy = tl.replaceStrategy ?? root.replaceStrategy ?? this.#replaceStrategy
    if (disposition !== 'replace' || strategy !== 'staging-optimized')
      return super.publishSql(schema, root, tl, now)
    const n = this.names
    return tableFamily(schema, root).map((t) => ({
      sql: `CREATE OR REPLACE TABLE ${n.table(t.name)} CLONE ${n.table(t.name, true)}`,
    }))
  }
}

/**
 * The Snowflake destination: dataset = schema in `database` (plus `<dataset>_staging`), job files PUT into the
 * staging table's stage and loaded with COPY INTO, data, schema version, state and `_sluice_loads` published
 * in one transaction. Options are validated here (`SluiceError('CONFIG_INVALID')`); the login happens in
 * `createClient`. Accepts camelCase options or dlt's `[destination.snowflake]` section.
 *
 * @example snowflake({ account: 'myorg-myaccount', user: 'LOADER', password: '...', database: 'ANALYTICS', warehouse: 'LOAD_WH' })
 */
export function snowflake(options: SnowflakeOptions): Destination {
  const params = parseSnowflakeOptions(options)
  const location = snowflakeLocation(params)
  const raw = options.replaceStrategy ?? options['replace_strategy']
  const replaceStrategy: ReplaceStrategy =
    raw === 'truncate-and-insert' || raw === 'staging-optimized' || raw === 'insert-from-staging'
      ? raw
      : 'insert-from-staging'
  return {
    name: 'snowflake',
    capabilities: SNOWFLAKE_CAPABILITIES,
    async createClient(ctx: DestinationContext): Promise<DestinationClient> {
      const staging = await resolveStaging(params.staging, {
        stage: params.stage,
        keep: params.keepStagedFiles,
        credentials: params.stagingCredentials,
      })
      const client = await connectSnowflake({ params })
      return new SnowflakeDestinationClient(client, ctx, location, replaceStrategy, staging)
    },
  }
}
