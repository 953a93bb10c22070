import type {
  Destination,
  DestinationCapabilities,
  ReplaceStrategy,
  SqlExecutor,
} from '@sluice/core/destination'
import { sqlDestination } from '@sluice/core/destination'
import { connectPostgres } from './postgres-client.ts'
import {
  type PostgresCredentialFields,
  type PostgresSslOptions,
  parsePostgresCredentials,
  postgresLocation,
  postgresPublicCredentials,
} from './postgres-credentials.ts'
import { POSTGRES_MAX_IDENTIFIER_LENGTH } from './postgres-dialect.ts'
import { openPostgresReader, type PostgresReaderOptions } from './postgres-reader.ts'

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
   * always drops the target tables and moves the staging tables into the dataset (`ALTER TABLE ... SET SCHEMA`) in
   * the publish transaction: views, grants and indexes on the target tables are lost. `truncate-and-insert` behaves as
   * `insert-from-staging` here (the publish is one transaction anyway). A first load into an empty table is
   * renamed into place too, under the same conditions.
   */
  replaceStrategy?: ReplaceStrategy
  /** How long to wait for a connection. Default the URL's `connect_timeout`, else 15000 ms. */
  connectTimeoutMs?: number
  /** The reader's settings (`openReader`): its statement timeout (default 60 s) and pool size (default 3). */
  reader?: PostgresReaderOptions
}

/**
 * Job files rotate at 8 MiB (about 27,000 Clockodo entries) instead of core's 64 MiB: COPY streams a file at the
 * same cost per row whatever its size, and while files load during extraction only the last small one is left
 * after the last page. e2e PostgreSQL at 1M entries: 0.42-0.57 s from the last page to the end of the run against
 * 1.23-1.57 s with 64 MiB files (fix 37 in apps/bench/README.md).
 */
const POSTGRES_JOB_FILE_MAX_BYTES = 8 * 1024 * 1024

/**
 * What PostgreSQL offers: COPY from csv (streamed to the server as it is; core's job writer writes
 * COPY-compatible csv with `json` columns as JSON text) or jsonl (converted to COPY text by column type, for
 * packages written before csv came first), all dispositions, transactional DDL, 63-byte names. Text and jsonb
 * cannot hold U+0000 (`invalid byte sequence for encoding "UTF8": 0x00`, `unsupported Unicode escape sequence`):
 * core removes it from the job files and counts the values in the run's warnings.
 */
export const POSTGRES_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['csv', 'jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: true,
  maxIdentifierLength: POSTGRES_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'lower',
  values: { textNul: false },
  jobFileMaxBytes: POSTGRES_JOB_FILE_MAX_BYTES,
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
 * publishes data, schema version, state and `_sluice_loads` in one transaction, holding a per-dataset advisory
 * lock from the first `migrate`/`startLoad`/`prepareTables`/`dropTables` of a package until its publish (so two
 * pipelines loading into the same dataset take turns). Credentials are validated here (throws
 * `SluiceError('CONFIG_INVALID')`); connecting happens in `createClient`. `openReader` reads a dataset in
 * read-only transactions (see `openPostgresReader`).
 *
 * @example postgres({ credentials: 'postgresql://loader:secret@localhost:5432/analytics' })
 */
export function postgres(options: PostgresOptions): Destination {
  const params = parsePostgresCredentials(options.credentials, options.ssl)
  const poolSize = Math.max(2, options.poolSize ?? 5)
  const destination = sqlDestination({
    name: 'postgres',
    capabilities: POSTGRES_CAPABILITIES,
    location: postgresLocation(params),
    publicConfig: () => ({
      credentials: postgresPublicCredentials(options.credentials, params),
      ...(options.replaceStrategy ? { replace_strategy: options.replaceStrategy } : {}),
      ...(options.poolSize !== undefined ? { pool_size: poolSize } : {}),
      ...(options.reader?.statementTimeoutMs !== undefined
        ? { reader_statement_timeout_ms: options.reader.statementTimeoutMs }
        : {}),
    }),
    connect: () =>
      connectPostgres({
        params,
        poolSize,
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      }),
    maxParallelJobs: Math.max(1, poolSize - 2),
    publishByRename: { hasExtras: postgresTablesHaveExtras },
    replaceStrategy: options.replaceStrategy ?? 'insert-from-staging',
  })
  const reader = {
    ...options.reader,
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
  }
  return { ...destination, openReader: (ctx) => openPostgresReader(params, ctx, reader) }
}
