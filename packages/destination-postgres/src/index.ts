export {
  connectPostgres,
  type PostgresClientOptions,
  PostgresSqlClient,
  SLUICE_ADVISORY_LOCK_CLASS,
} from './postgres-client.ts'
export { destination } from './postgres-config.ts'
export { escapeCopyText, jsonlToCopyText } from './postgres-copy.ts'
export {
  CREDENTIALS_SETTING,
  type PostgresConnectionParams,
  type PostgresCredentialFields,
  type PostgresSslOptions,
  parsePostgresCredentials,
  postgresLocation,
} from './postgres-credentials.ts'
export {
  POSTGRES_CAPABILITIES,
  type PostgresOptions,
  postgres,
  postgresTablesHaveExtras,
} from './postgres-destination.ts'
export {
  POSTGRES_MAX_IDENTIFIER_LENGTH,
  postgresColumnType,
  postgresDialect,
  quotePostgresIdentifier,
} from './postgres-dialect.ts'
export {
  isPostgresDriverError,
  mapPostgresError,
  type PostgresErrorCode,
  type PostgresErrorContext,
} from './postgres-errors.ts'
export {
  openPostgresReader,
  type PostgresReaderOptions,
  postgresReaderDialect,
  READER_STATEMENT_TIMEOUT_MS,
} from './postgres-reader.ts'
