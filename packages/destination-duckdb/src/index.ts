export { DuckDBClient, type DuckDBSettings, type LoadSettings } from './duckdb-client.ts'
export { destination } from './duckdb-config.ts'
export {
  DEFAULT_ALLOCATOR_SETTINGS,
  DEFAULT_EXTRACTION_LOAD_MEMORY_LIMIT,
  DEFAULT_LOAD_MEMORY_LIMIT,
  DEFAULT_MEMORY_LIMIT,
  type DuckDBDestinationOptions,
  duckdb,
  duckdbCapabilities,
  duckdbSettings,
  duckdbTablesHaveExtras,
  loadSettings,
} from './duckdb-destination.ts'
export {
  type DuckDBReaderOptions,
  type DuckDBReaderSession,
  duckdbReader,
  duckdbReaderDialect,
} from './duckdb-reader.ts'
export { type LockedSessionOptions, lockedDuckDBSession } from './duckdb-session.ts'
export {
  duckdbColumnType,
  duckdbDialect,
  duckdbQuote,
  duckdbString,
  readJsonColumn,
} from './duckdb-type-mapper.ts'
