// @sluice/core/destination: for destination authors: the destination contract, the SQL kit every SQL
// destination is made of, the job files a destination reads, and the schema types it maps. Every name is listed
// on purpose (see test/public-api.test.ts).

// the contract, the config entry point, the stage and the SQL kit
export type {
  AzureBlobLocation,
  BulkLoad,
  ConfigKey,
  ConfigSection,
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationConfigContext,
  DestinationContext,
  DestinationPackage,
  FileFormat,
  LoadJob,
  LoadJobResult,
  PackageLoad,
  PublishByRename,
  ReaderChunk,
  ReaderColumn,
  ReaderContext,
  ReaderDialect,
  ReaderQueryOptions,
  SqlClient,
  SqlColumnRef,
  SqlDestinationOptions,
  SqlDialect,
  SqlExecutor,
  SqlReader,
  Stage,
  StageCredentials,
  StagedFile,
  StagedLoad,
  StoredSchema,
  StoredState,
  TableLoad,
} from './destination/index.ts'
export {
  azureBlobLocation,
  sqlDestination,
} from './destination/index.ts'
export {
  LIBPQ_SSL_MODES,
  LIBPQ_TRANSIENT_ERRNO,
  LIBPQ_TRANSIENT_STATES,
  type LibpqDriverError,
  type LibpqFields,
  type LibpqProfile,
  type LibpqSettings,
  libpqErrno,
  libpqInvalid,
  libpqLocation,
  libpqSqlState,
  parseLibpqCredentials,
} from './destination/sql/sql-libpq.ts'
// errors and events
export { ERROR_CODES, type SluiceErrorCode } from './error-codes.ts'
export { isSluiceError, redact, SluiceError } from './errors.ts'
export type { PipelineEvent } from './events.ts'
// job files and their rows
export type { CsvColumn, TextCleaning } from './job-files/csv-encoder.ts'
export type { JobFileFormat } from './job-files/encoded-rows.ts'
export type { NormalizedRow, ValueLimits } from './normalize/normalize-types.ts'
// schema
export {
  type Column,
  type ColumnHint,
  DATA_TYPES,
  type DataType,
  type MergeStrategy,
  type ReplaceRange,
  type ReplaceStrategy,
  type Scd2Options,
  type Schema,
  type SchemaChange,
  type Table,
  type WriteDisposition,
} from './schema/schema-types.ts'
export { createJobWriter, type JobFile, type JobWriter, type JobWriterOptions } from './storage/job-writer.ts'
