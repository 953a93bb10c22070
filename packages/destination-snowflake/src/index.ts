export {
  connectSnowflake,
  openSnowflakeConnection,
  type SnowflakeClientOptions,
  SnowflakeSqlClient,
  splitQualified,
} from './snowflake-client.ts'
export { destination } from './snowflake-config.ts'
export {
  parseSnowflakeOptions,
  SNOWFLAKE_CREDENTIALS_SETTING,
  type SnowflakeConnectionParams,
  type SnowflakeOptions,
  snowflakeLocation,
} from './snowflake-credentials.ts'
export { SNOWFLAKE_CAPABILITIES, snowflake } from './snowflake-destination.ts'
export {
  quoteSnowflakeIdentifier,
  SNOWFLAKE_MAX_IDENTIFIER_LENGTH,
  snowflakeColumnType,
  snowflakeDialect,
} from './snowflake-dialect.ts'
export { mapSnowflakeError, type SnowflakeErrorContext } from './snowflake-errors.ts'
export { openSnowflakeReader, snowflakeReaderDialect } from './snowflake-reader.ts'
export { redactCredentials, snowflakeUrl, stagedSource } from './snowflake-staging.ts'
