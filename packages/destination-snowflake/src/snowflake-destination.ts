import { resolve } from 'node:path'
import type { Destination, DestinationCapabilities, ReplaceStrategy, Stage } from '@sluice/core/destination'
import { SluiceError, sqlDestination } from '@sluice/core/destination'
import { connectSnowflake } from './snowflake-client.ts'
import {
  parseSnowflakeOptions,
  type SnowflakeConnectionParams,
  type SnowflakeOptions,
  snowflakeLocation,
} from './snowflake-credentials.ts'
import { SNOWFLAKE_MAX_IDENTIFIER_LENGTH } from './snowflake-dialect.ts'
import { openSnowflakeReader } from './snowflake-reader.ts'
import { snowflakeUrl } from './snowflake-staging.ts'

/**
 * What Snowflake offers here: jsonl job files (PUT + COPY INTO, or COPY INTO from a staging bucket), all
 * dispositions and merge strategies (MERGE INTO for upserts), transactions for the publish (DDL is not
 * transactional in Snowflake: it commits), 255-character identifiers, upper-cased, text up to 16 MiB (a
 * `VARCHAR`'s default limit; core cuts longer values and counts them in the run's warnings).
 */
export const SNOWFLAKE_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: false,
  maxIdentifierLength: SNOWFLAKE_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'upper',
  loadsFromStage: 'optional',
  values: { maxTextBytes: 16 * 1024 * 1024 },
}

/**
 * COPY INTO reads `s3://` by URL, and Azure containers by URL with a SAS token (the account from an `abfss://` URL
 * or `azure_storage_account_name`); any other bucket (`gs://`) only through a named external stage (`stage_name`).
 */
function stageCheck(params: SnowflakeConnectionParams): (stage: Stage) => void {
  return (stage) => {
    if (params.stage || stage.rootUrl.startsWith('s3://')) return
    const credentials = params.stagingCredentials ?? stage.credentials
    const azure = snowflakeUrl(stage.rootUrl, credentials)
    if (azure && credentials?.azureStorageSasToken) return
    throw new SluiceError(
      'CONFIG_INVALID',
      `[snowflake] COPY INTO cannot read ${stage.rootUrl.split(':')[0]}:// staging files by URL`,
      {
        hint: azure
          ? 'set azure_storage_sas_token in [destination.filesystem.credentials] (read and list permissions), or create an external stage on the container and set stage_name to it'
          : stage.rootUrl.startsWith('gs://')
            ? 'Snowflake reads GCS only through a storage integration: create an external stage on the bucket (CREATE STAGE ... URL = ... STORAGE_INTEGRATION = ...) and set stage_name to it'
            : 'create an external stage on the bucket (CREATE STAGE ... URL = ... STORAGE_INTEGRATION = ...) and set stage_name to it',
      },
    )
  }
}

/**
 * The Snowflake destination: dataset = schema in `database` (plus `<dataset>_staging`), job files PUT into the
 * staging table's stage (or uploaded to a staging bucket) and loaded with COPY INTO, data, schema version, state
 * and `_sluice_loads` published in one transaction. Options are validated here (`SluiceError('CONFIG_INVALID')`);
 * the login happens in `createClient`. Accepts camelCase options or dlt's `[destination.snowflake]` section.
 * `staging-optimized` replace makes each table a zero-copy CLONE of its staging table, before the publish
 * transaction (DDL commits in Snowflake), so that replace is not atomic with the rest of the publish (as in dlt).
 * `openReader` runs queries in a session of their own (see `openSnowflakeReader`; `readerRole` for its role).
 *
 * @example snowflake({ account: 'myorg-myaccount', user: 'LOADER', password: '...', database: 'ANALYTICS', warehouse: 'LOAD_WH' })
 */
export function snowflake(options: SnowflakeOptions): Destination {
  const params = parseSnowflakeOptions(options)
  const raw = options.replaceStrategy ?? options['replace_strategy']
  const replaceStrategy: ReplaceStrategy =
    raw === 'truncate-and-insert' || raw === 'staging-optimized' || raw === 'insert-from-staging'
      ? raw
      : 'insert-from-staging'
  const destination = sqlDestination({
    name: 'snowflake',
    capabilities: SNOWFLAKE_CAPABILITIES,
    location: snowflakeLocation(params),
    publicConfig: () => ({
      credentials: {
        host: params.account,
        username: params.user,
        database: params.database,
        ...(params.warehouse ? { warehouse: params.warehouse } : {}),
        ...(params.role ? { role: params.role } : {}),
        ...(params.privateKeyPath ? { private_key_path: resolve(params.privateKeyPath) } : {}),
      },
      ...(params.readerRole ? { reader_role: params.readerRole } : {}),
      ...(params.stage ? { stage_name: params.stage } : {}),
      ...(params.accessUrl ? { access_url: params.accessUrl } : {}),
      parallel_jobs: params.parallelJobs,
      replace_strategy: replaceStrategy,
      keep_staged_files: params.keepStagedFiles,
    }),
    connect: () => connectSnowflake({ params }),
    maxParallelJobs: params.parallelJobs,
    replaceStrategy,
    ...(params.staging ? { staging: params.staging, keepStagedFiles: params.keepStagedFiles } : {}),
    checkStage: stageCheck(params),
  })
  return { ...destination, openReader: (ctx) => openSnowflakeReader({ params }, ctx) }
}
