export { connectRedshift, type RedshiftClientOptions, RedshiftSqlClient } from './redshift-client.ts'
export { destination } from './redshift-config.ts'
export { type CopyAuthorization, type CopyStatement, copySql, redactCopy } from './redshift-copy.ts'
export {
  CREDENTIALS_SETTING,
  parseRedshiftCredentials,
  type RedshiftConnectionParams,
  type RedshiftCredentialFields,
  type RedshiftSslOptions,
  redshiftLocation,
} from './redshift-credentials.ts'
export { REDSHIFT_CAPABILITIES, type RedshiftOptions, redshift } from './redshift-destination.ts'
export {
  quoteRedshiftIdentifier,
  REDSHIFT_MAX_IDENTIFIER_LENGTH,
  REDSHIFT_MAX_VARCHAR,
  redshiftColumnType,
  redshiftDialect,
} from './redshift-dialect.ts'
export { isRedshiftDriverError, mapRedshiftError, type RedshiftErrorContext } from './redshift-errors.ts'
export { DEFAULT_INSERT_LIMITS, type InsertLimits } from './redshift-insert.ts'
export { openRedshiftReader, type RedshiftReaderOptions } from './redshift-reader.ts'
