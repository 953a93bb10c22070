export { DuckDBClient, type DuckDBSettings, type LoadSettings } from './duckdb-client.ts'
export { destination } from './duckdb-config.ts'
export { duckdb, duckdbCapabilities, duckdbTablesHaveExtras } from './duckdb-destination.ts'
export {
  DEFAULT_ALLOCATOR_SETTINGS,
  DEFAULT_FINAL_LOAD_MEMORY_LIMIT,
  DEFAULT_LOAD_MEMORY_LIMIT,
  DEFAULT_MEMORY_LIMIT,
  type DuckDBDestinationOptions,
  duckdbSettings,
  loadSettings,
} from './duckdb-options.ts'
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
