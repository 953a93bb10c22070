import type { Destination, DestinationCapabilities, Stage } from '@sluice/core/destination'
import { SluiceError, sqlDestination } from '@sluice/core/destination'
import { connectBigQuery } from './bigquery-client.ts'
import { type BigQueryOptions, bigqueryLocation, parseBigQueryOptions } from './bigquery-credentials.ts'
import { BIGQUERY_MAX_COLUMN_LENGTH } from './bigquery-dialect.ts'
import { openBigQueryReader } from './bigquery-reader.ts'

/**
 * What BigQuery offers here: jsonl job files through load jobs (optionally from a GCS staging bucket), all
 * dispositions and merge strategies (MERGE for upserts), the publish as one multi-statement transaction, no DDL in
 * transactions, names up to 300 characters (BigQuery's column limit; tables allow 1024), case kept (column names
 * compare case-insensitively).
 */
export const BIGQUERY_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: false,
  maxIdentifierLength: BIGQUERY_MAX_COLUMN_LENGTH,
  identifierCase: 'lower',
  loadsFromStage: 'optional',
}

/** Load jobs read only `gs://` URIs: any other staging bucket is refused with what to do. */
function checkStage(stage: Stage): void {
  if (stage.rootUrl.startsWith('gs://')) return
  throw new SluiceError(
    'CONFIG_INVALID',
    `[bigquery] load jobs cannot read ${stage.rootUrl.split(':')[0]}:// staging files`,
    {
      hint: 'use a gs://bucket/prefix staging bucket (or no staging: job files are uploaded with the load job)',
    },
  )
}

/**
 * The BigQuery destination: dataset = BigQuery dataset (plus `<dataset>_staging`) in the configured location,
 * job files loaded by load jobs (from a GCS staging bucket when `staging` is set), data, schema version, state
 * and `_sluice_loads` published in one transaction script. Options are validated here
 * (`SluiceError('CONFIG_INVALID')`); nothing is sent before the first job. Accepts camelCase options or dlt's
 * `[destination.bigquery]` section. `openReader` runs queries that a dry run shows to be SELECTs (see
 * `openBigQueryReader`).
 *
 * @example bigquery({ credentials: './service-account.json', location: 'EU' })
 */
export function bigquery(options: BigQueryOptions): Destination {
  const params = parseBigQueryOptions(options)
  const destination = sqlDestination({
    name: 'bigquery',
    capabilities: BIGQUERY_CAPABILITIES,
    location: bigqueryLocation(params),
    publicConfig: () => ({
      project_id: params.projectId,
      location: params.location,
      ...(params.apiEndpoint ? { api_endpoint: params.apiEndpoint } : {}),
      parallel_jobs: params.parallelJobs,
      replace_strategy: params.replaceStrategy,
      keep_staged_files: params.keepStagedFiles,
    }),
    connect: () => connectBigQuery({ params }),
    maxParallelJobs: params.parallelJobs,
    replaceStrategy: params.replaceStrategy,
    ...(params.staging ? { staging: params.staging, keepStagedFiles: params.keepStagedFiles } : {}),
    checkStage,
  })
  return { ...destination, openReader: (ctx) => openBigQueryReader({ params }, ctx) }
}
