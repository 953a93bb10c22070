// What destination authors need: the contract, the config entry point, the stage, and the SQL kit. Every name is
// listed on purpose; the SQL kit's internals (names, publish SQL, the generic client) stay inside core.
export type {
  ConfigKey,
  ConfigSection,
  DestinationConfigContext,
  DestinationPackage,
} from './destination-config.ts'
export type {
  ReaderChunk,
  ReaderColumn,
  ReaderContext,
  ReaderDialect,
  ReaderQueryOptions,
  SqlReader,
} from './destination-reader.ts'
export {
  type AzureBlobLocation,
  azureBlobLocation,
  type Stage,
  type StageCredentials,
  type StagedFile,
} from './destination-stage.ts'
export type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
  FileFormat,
  LoadJob,
  LoadJobResult,
  PackageLoad,
  StoredSchema,
  StoredState,
  TableLoad,
} from './destination-types.ts'
export { sqlDestination } from './sql/sql-destination.ts'
export type {
  BulkLoad,
  PublishByRename,
  SqlClient,
  SqlColumnRef,
  SqlDestinationOptions,
  SqlDialect,
  SqlExecutor,
  StagedLoad,
} from './sql/sql-types.ts'
