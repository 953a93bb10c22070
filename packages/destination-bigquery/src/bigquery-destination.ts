import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
} from '@sluice/core'
import { SqlClientDestination } from '@sluice/core'
import { connectBigQuery } from './bigquery-client.ts'
import { type BigQueryOptions, bigqueryLocation, parseBigQueryOptions } from './bigquery-credentials.ts'
import { BIGQUERY_MAX_IDENTIFIER_LENGTH } from './bigquery-dialect.ts'

/**
 * What BigQuery offers here: jsonl job files through load jobs, all dispositions and merge strategies (MERGE
 * for upserts), the publish as one multi-statement transaction, no DDL in transactions, 1024-character table
 * names (300 for columns), case kept (column names compare case-insensitively).
 */
export const BIGQUERY_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: false,
  maxIdentifierLength: BIGQUERY_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'lower',
}

/**
 * The BigQuery destination: dataset = BigQuery dataset (plus `<dataset>_staging`) in the configured location,
 * job files loaded by load jobs, data, schema version, state and `_sluice_loads` published in one transaction
 * script. Options are validated here (`SluiceError('CONFIG_INVALID')`); nothing is sent before the first job.
 * Accepts camelCase options or dlt's `[destination.bigquery]` section. All replace strategies publish as
 * `insert-from-staging` (BigQuery cannot CLONE inside a transaction).
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
      const client = await connectBigQuery({ params })
      return new SqlClientDestination({
        client,
        datasetName: ctx.datasetName,
        capabilities: BIGQUERY_CAPABILITIES,
        location,
        maxParallelJobs: params.parallelJobs,
      })
    },
  }
}
