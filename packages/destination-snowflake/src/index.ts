export {
  connectSnowflake,
  type SnowflakeClientOptions,
  SnowflakeSqlClient,
  splitQualified,
} from './snowflake-client.ts'
export {
  parseSnowflakeOptions,
  SNOWFLAKE_CONFIG_KEYS,
  SNOWFLAKE_CREDENTIALS_SETTING,
  type SnowflakeConnectionParams,
  type SnowflakeOptions,
  snowflakeLocation,
} from './snowflake-credentials.ts'
export {
  SNOWFLAKE_CAPABILITIES,
  SnowflakeDestinationClient,
  type SnowflakeStatement,
  snowflake,
} from './snowflake-destination.ts'
export {
  quoteSnowflakeIdentifier,
  SNOWFLAKE_MAX_IDENTIFIER_LENGTH,
  snowflakeColumnType,
  snowflakeDialect,
} from './snowflake-dialect.ts'
export { mapSnowflakeError, type SnowflakeErrorContext } from './snowflake-errors.ts'
export {
  type BucketCredentials,
  redactCredentials,
  resolveStaging,
  type SnowflakeStaging,
  type SnowflakeStagingOption,
  stagedSource,
} from './snowflake-staging.ts'
