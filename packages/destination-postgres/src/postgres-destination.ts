import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
  PackageLoad,
  ReplaceStrategy,
  Schema,
  SchemaChange,
  SqlExecutor,
  Table,
  TableLoad,
} from '@sluice/core/destination'
import { SqlClientDestination, tableFamily } from '@sluice/core/destination'
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
   * transaction; but when the target tables have no index, constraint, trigger, grant, comment or view, their
   * staging tables are renamed into place instead, which gives the same result without copying). `staging-optimized`
   * always drops the target tables and moves the staging tables into the dataset in the publish transaction:
   * views, grants and indexes on the target tables are lost. `truncate-and-insert` behaves as
   * `insert-from-staging` here (the publish is one transaction anyway). A first load into an empty table is
   * renamed into place too, under the same conditions.
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
      renamePublish: { loses: postgresTablesHaveExtras },
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
    const swaps = family.map((t) => n.stagedInDataset(t.name))
    if (swaps.every((swap) => swap !== undefined)) {
      // staged in the dataset for a rename publish that found something it would lose: rename anyway, as asked
      family.forEach((t, i) => {
        out.push({ sql: `ALTER TABLE ${n.table(swaps[i]!)} RENAME TO ${n.q(t.name)}` })
      })
      return out
    }
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
 * True when one of these dataset tables has something a rename publish would drop with it: an index, a
 * constraint or foreign key, a trigger, a rule, row security, grants, a comment, a view on it, or a publication.
 * Its family is then copied as usual.
 */
export async function postgresTablesHaveExtras(
  db: SqlExecutor,
  dataset: string,
  tables: readonly string[],
): Promise<boolean> {
  const found = await db.query(
    `SELECT 1 AS found FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname = $1 AND c.relname = ANY($2::text[]) AND (
       c.relhasindex OR c.relhastriggers OR c.relhasrules OR c.relrowsecurity OR c.relacl IS NOT NULL
       OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid OR k.confrelid = c.oid)
       OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.refobjid = c.oid AND d.classid = 'pg_rewrite'::regclass)
       OR EXISTS (SELECT 1 FROM pg_description p WHERE p.objoid = c.oid AND p.classoid = 'pg_class'::regclass)
       OR EXISTS (SELECT 1 FROM pg_publication_rel r WHERE r.prrelid = c.oid)
     ) LIMIT 1`,
    [dataset, [...tables]],
  )
  return found.length > 0
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
