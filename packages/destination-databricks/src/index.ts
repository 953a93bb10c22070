export {
  DatabricksApi,
  type ResultChunk,
  type StatementColumn,
  type StatementRequest,
  type StatementResult,
  statementParameter,
} from './databricks-api.ts'
export {
  type OAuthTokenOptions,
  oauthTokenSource,
  staticTokenSource,
  type TokenSource,
  tokenSourceFor,
} from './databricks-auth.ts'
export {
  connectDatabricks,
  type DatabricksClientOptions,
  DatabricksSqlClient,
  DEFAULT_STAGING_VOLUME,
  splitQualified,
  TABLE_PROPERTIES,
} from './databricks-client.ts'
export { destination } from './databricks-config.ts'
export {
  DATABRICKS_CREDENTIALS_SETTING,
  type DatabricksAuth,
  type DatabricksConnectionParams,
  type DatabricksHttpOptions,
  type DatabricksOptions,
  databricksLocation,
  parseDatabricksOptions,
  type VolumeName,
  warehouseIdOf,
  workspaceUrl,
} from './databricks-credentials.ts'
export { DATABRICKS_CAPABILITIES, databricks } from './databricks-destination.ts'
export {
  DATABRICKS_MAX_DECIMAL_PRECISION,
  DATABRICKS_MAX_IDENTIFIER_LENGTH,
  databricksColumnType,
  databricksDialect,
  quoteDatabricksIdentifier,
  quoteDatabricksObjectName,
} from './databricks-dialect.ts'
export { DatabricksApiError, type DatabricksErrorContext, mapDatabricksError } from './databricks-errors.ts'
export {
  DatabricksReader,
  type DatabricksReaderOptions,
  databricksReaderDialect,
  openDatabricksReader,
  readerDataType,
  readerValue,
} from './databricks-reader.ts'
export {
  type BucketAccess,
  bucketCredential,
  checkBucket,
  copyIntoSql,
  databricksStaging,
  databricksUrl,
  parquetTable,
  sqlString,
} from './databricks-stage.ts'
