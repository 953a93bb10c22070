import type { DataType } from '../schema/schema-types.ts'

/** What {@link Destination.openReader} reads: one dataset of the destination. */
export interface ReaderContext {
  /** The dataset (schema, folder) to read, already normalized. Unqualified table names in SQL resolve to it. */
  datasetName: string
  /**
   * The pipeline whose data is read, when known. A destination whose location depends on it uses it (DuckDB's
   * default file is `<pipelineName>.duckdb`); without it, such a destination needs its location as an option.
   */
  pipelineName?: string
  /** Aborts opening the reader. */
  signal?: AbortSignal
}

/** How the reader's engine spells SQL: what core's query builder needs to write a query for it. */
export interface ReaderDialect {
  /** Engine name, e.g. `duckdb`, `postgres`. */
  readonly name: string
  /** Quotes an identifier, applying the engine's case rule. MUST escape embedded quotes. */
  quoteIdentifier(name: string): string
  /** The quoted, qualified name of a table of the reader's dataset (e.g. `"clockodo_data"."entries"`). */
  table(name: string): string
  /** Placeholder of the 1-based positional parameter `i` (e.g. `$1`, `?`, `@p1`). */
  param(i: number): string
}

/** A column of a query result. */
export interface ReaderColumn {
  /** The column's name as the engine returns it. */
  name: string
  /** The sluice type the engine's type maps to; undefined where none fits (e.g. an array or struct result). */
  dataType: DataType | undefined
  /** The engine's own type name, e.g. `BIGINT`, `timestamp with time zone`. */
  nativeType: string
}

/**
 * A chunk of a query result: the columns (the same on every chunk) and up to `chunkSize` rows as tuples in column
 * order. Values are JS values by sluice type: `text` string; `bigint` bigint (exact, also for `count(*)`);
 * `double` number; `bool` boolean; `timestamp` Date; `date` string `YYYY-MM-DD`; `time` string `HH:MM:SS[.ffffff]`;
 * `decimal` string (exact); `json` the parsed JSON value; `binary` Uint8Array; SQL NULL null. Values of columns
 * without a sluice type come as the driver gives them.
 */
export interface ReaderChunk {
  readonly columns: readonly ReaderColumn[]
  readonly rows: readonly (readonly unknown[])[]
}

/** Options of {@link SqlReader.query}. */
export interface ReaderQueryOptions {
  /** Rows per chunk. Default 1000. */
  chunkSize?: number
  /** Stops the query (the iterator then throws `RUN_ABORTED`). */
  signal?: AbortSignal
}

/**
 * A read-only connection to one dataset of a destination, for `pipeline.dataset()`, `sluice pipeline NAME query`,
 * the dashboard and the MCP server. Implementations MUST:
 * - enforce read-only in the engine (a read-only connection, attachment or transaction, or the engine's own
 *   statement-type answer before results are read), never by parsing SQL; a statement that would write, and a
 *   string of several statements, fail with `SluiceError('READ_ONLY')` and change nothing;
 * - resolve unqualified table names to the dataset;
 * - stream: hold at most about one chunk of rows in memory per query, whatever the result's size;
 * - never put secrets in errors.
 */
export interface SqlReader {
  readonly dialect: ReaderDialect
  /**
   * Runs one statement with positional parameters (see {@link ReaderDialect.param}) and yields its result in
   * chunks. The first chunk carries the columns even when the result has no rows. Errors are `SluiceError`s:
   * `READ_ONLY` for a write, `QUERY_FAILED` for anything the engine refuses (its message included).
   */
  query(sql: string, params?: readonly unknown[], options?: ReaderQueryOptions): AsyncIterable<ReaderChunk>
  /** Closes the connection. Idempotent. */
  close(): Promise<void>
}
