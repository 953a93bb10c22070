export { DuckDBClient } from './duckdb-client.ts'
export { type DuckDBDestinationOptions, duckdb, duckdbCapabilities } from './duckdb-destination.ts'
export {
  duckdbColumnType,
  duckdbDialect,
  duckdbQuote,
  duckdbString,
  readJsonColumn,
} from './duckdb-type-mapper.ts'
