export {
  bytesFromHex,
  connectRedshift,
  isoTimestamptz,
  REDSHIFT_SUPER_OID,
  REDSHIFT_VARBYTE_OID,
  type RedshiftClientOptions,
  RedshiftSqlClient,
} from './redshift-client.ts'
export { destination } from './redshift-config.ts'
export {
  type CopyAuthorization,
  type CopyStatement,
  copySql,
  redactCopy,
  redshiftLiteral,
} from './redshift-copy.ts'
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
export {
  driverMissing,
  isRedshiftDriverError,
  mapRedshiftError,
  type RedshiftErrorContext,
} from './redshift-errors.ts'
export {
  DEFAULT_INSERT_LIMITS,
  type InsertBatch,
  type InsertLimits,
  insertBatches,
  insertParam,
  insertPlaceholder,
} from './redshift-insert.ts'
export { openRedshiftReader, type RedshiftReaderOptions } from './redshift-reader.ts'
