import type { Destination, DestinationCapabilities, ReaderContext } from '@sluice/core/destination'
import { sqlDestination } from '@sluice/core/destination'
import { tokenSourceFor } from './databricks-auth.ts'
import { connectDatabricks } from './databricks-client.ts'
import {
  type DatabricksOptions,
  databricksLocation,
  parseDatabricksOptions,
} from './databricks-credentials.ts'
import { DATABRICKS_MAX_IDENTIFIER_LENGTH } from './databricks-dialect.ts'
import { openDatabricksReader } from './databricks-reader.ts'
import { checkBucket, databricksStaging } from './databricks-stage.ts'

/**
 * What Databricks offers here: jsonl job files (converted to parquet, loaded with COPY INTO), all dispositions and
 * merge strategies (MERGE for upserts and deletes), `staging-optimized` replace by DEEP CLONE, no transactions (one
 * statement per request; core makes a repeated publish safe instead), no DDL in transactions, names up to 255
 * characters in lower case (Unity Catalog), and an optional staging bucket.
 */
export const DATABRICKS_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: false,
  ddlInTransactions: false,
  maxIdentifierLength: DATABRICKS_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'lower',
  loadsFromStage: 'optional',
}

/**
 * The Databricks destination: dataset = schema in the Unity Catalog `catalog` (plus `<dataset>_staging`), statements
 * through the SQL Statement Execution API on one SQL warehouse, job files converted to parquet, uploaded to a volume
 * (or a staging bucket) and loaded with COPY INTO, then published statement by statement: merges delete before they
 * insert and appends skip tables that already hold the load's rows, so a publish repeated after a failure adds
 * nothing twice; `_sluice_loads` is written last. Options are validated here (`SluiceError('CONFIG_INVALID')`);
 * nothing is sent before the first load (OAuth fetches its token when a client is made). `openReader` gives
 * read-only queries (see `DatabricksReader`).
 *
 * @example databricks({ serverHostname: 'dbc-1234abcd-5678.cloud.databricks.com', httpPath: '/sql/1.0/warehouses/1234567890abcdef', catalog: 'main', accessToken: process.env.DATABRICKS_TOKEN })
 */
export function databricks(options: DatabricksOptions): Destination {
  const params = parseDatabricksOptions(options)
  const tokens = tokenSourceFor(params.auth, params.baseUrl, params.http.fetch)
  const destination = sqlDestination({
    name: 'databricks',
    capabilities: DATABRICKS_CAPABILITIES,
    location: databricksLocation(params),
    publicConfig: () => ({
      credentials: {
        server_hostname: params.baseUrl.startsWith('https://') ? params.host : params.baseUrl,
        http_path: `/sql/1.0/warehouses/${params.warehouseId}`,
        catalog: params.catalog,
        ...(params.auth.kind === 'oauth' ? { client_id: params.auth.clientId } : {}),
      },
      ...(params.stagingVolume
        ? {
            staging_volume_name: `${params.stagingVolume.catalog}.${params.stagingVolume.schema}.${params.stagingVolume.volume}`,
          }
        : {}),
      keep_staged_files: params.keepStagedFiles,
      ...(params.stagingCredentialsName ? { staging_credentials_name: params.stagingCredentialsName } : {}),
      is_staging_external_location: params.isStagingExternalLocation,
      replace_strategy: params.replaceStrategy,
      parallel_jobs: params.parallelJobs,
      reader_row_limit: params.readerRowLimit,
    }),
    connect: () => connectDatabricks({ params, tokens }),
    maxParallelJobs: params.parallelJobs,
    replaceStrategy: params.replaceStrategy,
    ...(params.staging
      ? { staging: databricksStaging(params.staging), keepStagedFiles: params.keepStagedFiles }
      : {}),
    checkStage: checkBucket(params),
  })
  return {
    ...destination,
    openReader: (ctx: ReaderContext) => openDatabricksReader({ params, tokens, ctx }),
  }
}
