export { DuckDBClient, type DuckDBSettings, type LoadThreads } from './duckdb-client.ts'
export {
  DEFAULT_ALLOCATOR_SETTINGS,
  DEFAULT_MEMORY_LIMIT,
  type DuckDBDestinationOptions,
  duckdb,
  duckdbCapabilities,
  duckdbSettings,
  duckdbTablesHaveExtras,
  loadThreads,
} from './duckdb-destination.ts'
export {
  duckdbColumnType,
  duckdbDialect,
  duckdbQuote,
  duckdbString,
  readJsonColumn,
} from './duckdb-type-mapper.ts'
