export {
  type BigQueryClientOptions,
  BigQuerySqlClient,
  connectBigQuery,
} from './bigquery-client.ts'
export { destination } from './bigquery-config.ts'
export {
  BIGQUERY_CREDENTIALS_SETTING,
  type BigQueryConnectionParams,
  type BigQueryOptions,
  bigqueryLocation,
  parseBigQueryOptions,
  type ServiceAccountKey,
} from './bigquery-credentials.ts'
export { BIGQUERY_CAPABILITIES, bigquery } from './bigquery-destination.ts'
export {
  BIGQUERY_MAX_COLUMN_LENGTH,
  BIGQUERY_MAX_IDENTIFIER_LENGTH,
  bigqueryColumnType,
  bigqueryDialect,
  bigqueryLoadType,
  quoteBigQueryIdentifier,
} from './bigquery-dialect.ts'
export { type BigQueryErrorContext, mapBigQueryError } from './bigquery-errors.ts'
export { bigqueryReaderDialect, openBigQueryReader } from './bigquery-reader.ts'
export { splitQualified, transactionScript } from './bigquery-sql.ts'
