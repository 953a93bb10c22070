import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
  PackageLoad,
  ReplaceStrategy,
  Schema,
  SchemaChange,
  Table,
  TableLoad,
} from '@sluice/core'
import { SqlClientDestination } from '@sluice/core'
import { connectPostgres, type PostgresSqlClient } from './postgres-client.ts'
import {
  type PostgresCredentialFields,
  type PostgresSslOptions,
  parsePostgresCredentials,
  postgresLocation,
} from './postgres-credentials.ts'
import { POSTGRES_MAX_IDENTIFIER_LENGTH } from './postgres-dialect.ts'

/** Options of {@link postgres}. */
export interface PostgresOptions {
  /** `postgresql://user:password@host:5432/database?sslmode=require`, or the fields. Secret: never logged. */
  credentials: string | PostgresCredentialFields
  /** TLS: `true` verifies the server certificate; an object sets details. Overrides the credentials' TLS settings. */
  ssl?: boolean | PostgresSslOptions
  /** Connections per pipeline run. Default 5 (one holds the dataset lock, the rest load jobs in parallel). */
  poolSize?: number
  /**
   * Replace strategy for tables that do not set one. Default `insert-from-staging` (empty + insert in one
   * transaction). `staging-optimized` drops the target tables and moves the staging tables into the dataset in
   * the publish transaction: fastest, but views, grants and indexes on the target tables are lost.
   * `truncate-and-insert` behaves as `insert-from-staging` here (the publish is one transaction anyway).
   */
  replaceStrategy?: ReplaceStrategy
  /** How long to wait for a connection. Default the URL's `connect_timeout`, else 15000 ms. */
  connectTimeoutMs?: number
}

/** A statement of a publish (what `SqlClientDestination.publishSql` returns). */
export interface PostgresStatement {
  sql: string
  params?: unknown[]
}

/** A root table and its descendants (child tables from lists), parents first. */
function tableFamily(schema: Schema, root: Table): Table[] {
  const out: Table[] = [root]
  for (let i = 0; i < out.length; i++) {
    const parent = out[i] as Table
    for (const t of Object.values(schema.tables)) if (t.parent === parent.name) out.push(t)
  }
  return out
}

/**
 * What PostgreSQL offers: COPY from csv (streamed to the server as it is; core's job writer writes
 * COPY-compatible csv with `json` columns as JSON text) or jsonl (converted to COPY text by column type, for
 * packages written before csv came first), all dispositions, transactional DDL, 63-byte names.
 */
export const POSTGRES_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['csv', 'jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: true,
  maxIdentifierLength: POSTGRES_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'lower',
}

/**
 * The generic SQL destination client plus PostgreSQL specifics: a per-dataset advisory lock held from the
 * first `dropTables`/`migrate`/`startLoad`/`prepareTables` of a package until its `complete` succeeds or the client is disposed
 * (so two pipelines loading into the same dataset take turns instead of sharing staging tables), and
 * `staging-optimized` replace.
 */
export class PostgresDestinationClient extends SqlClientDestination {
  readonly #pg: PostgresSqlClient
  readonly #replaceStrategy: ReplaceStrategy
  readonly #ctx: DestinationContext
  #unlock: (() => Promise<void>) | undefined

  constructor(
    client: PostgresSqlClient,
    ctx: DestinationContext,
    location: string,
    maxParallelJobs: number,
    replaceStrategy: ReplaceStrategy,
  ) {
    super({
      client,
      datasetName: ctx.datasetName,
      capabilities: POSTGRES_CAPABILITIES,
      location,
      maxParallelJobs,
    })
    this.#pg = client
    this.#ctx = ctx
    this.#replaceStrategy = replaceStrategy
  }

  async #lock(): Promise<void> {
    if (this.#unlock) return
    this.#unlock = await this.#pg.lockDataset(
      this.names.dataset,
      () =>
        this.#ctx.emit({
          type: 'warning',
          message: `another load into dataset "${this.names.dataset}" is running; waiting for it to finish`,
        }),
      this.#ctx.signal,
    )
  }

  async #release(): Promise<void> {
    const unlock = this.#unlock
    this.#unlock = undefined
    if (unlock) await unlock()
  }

  override async migrate(schema: Schema, changes: readonly SchemaChange[]): Promise<void> {
    await this.#lock()
    await super.migrate(schema, changes)
  }

  override async startLoad(load: PackageLoad): Promise<void> {
    await this.#lock()
    await super.startLoad(load)
  }

  override async prepareTables(loadId: string, tables: readonly Table[]): Promise<void> {
    await this.#lock()
    await super.prepareTables(loadId, tables)
  }

  /** Publishes, then releases the dataset. A failed publish keeps the lock so a retry still owns the staging tables. */
  override async complete(load: PackageLoad): Promise<void> {
    await this.#lock()
    await super.complete(load)
    await this.#release()
  }

  override async dropTables(tables: readonly string[]): Promise<void> {
    await this.#lock()
    await super.dropTables(tables)
  }

  override publishSql(schema: Schema, root: Table, tl: TableLoad, now: string): PostgresStatement[] {
    const disposition = tl.disposition ?? root.writeDisposition
    const strategy = tl.replaceStrategy ?? root.replaceStrategy ?? this.#replaceStrategy
    if (disposition !== 'replace' || strategy !== 'staging-optimized')
      return super.publishSql(schema, root, tl, now)
    // Swap: drop the targets (children first), move the staging tables in, recreate empty staging tables.
    const n = this.names
    const family = tableFamily(schema, root)
    const out: PostgresStatement[] = []
    for (const t of family.slice().reverse()) out.push({ sql: `DROP TABLE IF EXISTS ${n.table(t.name)}` })
    for (const t of family) {
      out.push({ sql: `ALTER TABLE ${n.table(t.name, true)} SET SCHEMA ${n.q(n.dataset)}` })
      out.push({ sql: `CREATE TABLE ${n.table(t.name, true)} (LIKE ${n.table(t.name)})` })
    }
    return out
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#release()
    } finally {
      await super[Symbol.asyncDispose]()
    }
  }
}

/**
 * The PostgreSQL destination: dataset = schema (plus `<dataset>_staging`), loads through `COPY ... FROM STDIN`,
 * publishes data, schema version, state and `_sluice_loads` in one transaction. Credentials are validated
 * here (throws `SluiceError('CONFIG_INVALID')`); connecting happens in `createClient`.
 *
 * @example postgres({ credentials: 'postgresql://loader:secret@localhost:5432/analytics' })
 */
export function postgres(options: PostgresOptions): Destination {
  const params = parsePostgresCredentials(options.credentials, options.ssl)
  const poolSize = Math.max(2, options.poolSize ?? 5)
  const location = postgresLocation(params)
  const replaceStrategy = options.replaceStrategy ?? 'insert-from-staging'
  return {
    name: 'postgres',
    capabilities: POSTGRES_CAPABILITIES,
    async createClient(ctx: DestinationContext): Promise<DestinationClient> {
      const client = await connectPostgres({
        params,
        poolSize,
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      })
      return new PostgresDestinationClient(client, ctx, location, Math.max(1, poolSize - 2), replaceStrategy)
    },
  }
}
