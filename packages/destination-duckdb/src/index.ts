export { DuckDBClient, type DuckDBSettings, type LoadSettings } from './duckdb-client.ts'
export { destination } from './duckdb-config.ts'
export {
  DEFAULT_ALLOCATOR_SETTINGS,
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
  duckdbColumnType,
  duckdbDialect,
  duckdbQuote,
  duckdbString,
  readJsonColumn,
} from './duckdb-type-mapper.ts'
