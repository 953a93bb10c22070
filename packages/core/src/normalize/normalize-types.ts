import type {
  ColumnHints,
  MergeStrategy,
  ReplaceStrategy,
  Schema,
  SchemaChange,
  SchemaContract,
  WriteDisposition,
} from '../schema/schema-types.ts'

/**
 * A normalized row: keys are normalized column names, values are in job-file form:
 * text string; bigint number (string when outside the safe integer range); double number; bool boolean;
 * timestamp ISO 8601 UTC string with `Z`; date `YYYY-MM-DD`; time `HH:MM:SS[.fff]`; decimal string;
 * json any JSON value; binary base64 string; null or absent for missing.
 */
export type NormalizedRow = Record<string, unknown>

/** The output of normalizing one page of one resource: rows per table (root and children). */
export interface NormalizedPage {
  /** Rows per normalized table name, root table first. */
  tables: Map<string, NormalizedRow[]>
  /** Schema changes this page caused (already applied to the normalizer's schema), in order. */
  changes: SchemaChange[]
  /** Rows dropped by a `discard_row` contract. */
  discardedRows: number
}

/** One top-level key of a row shape and what the compiled path does with it. */
export interface FlatKey {
  /** The source key. */
  key: string
  /** The column it goes to, or undefined when the key has no column yet (its value MUST be null to stay fast). */
  column: string | undefined
  /** The column's type: only these types are handled by compiled rows. */
  type: 'text' | 'bigint' | 'double' | 'bool' | 'timestamp' | undefined
}

/**
 * A compiled row function: returns the normalized row (system columns `_sluice_load_id` set and `_sluice_id`
 * empty, null values as `null`) or undefined when the row does not have exactly the compiled keys or a value does not
 * fit its column without coercion, in which case the caller takes the generic path.
 */
export type FlatRowFn = (row: Record<string, unknown>, loadId: string) => NormalizedRow | undefined

/** See {@link Normalizer.flatShapes}. */
export interface FlatShapes {
  /** The root table. */
  table: string
  keys: readonly (readonly FlatKey[])[]
}

/** How a resource's root table is declared to the normalizer (names in source naming). */
export interface ResourceTableSpec {
  resource: string
  /** Table name before naming; default the resource name. */
  table?: string
  primaryKey?: readonly string[]
  mergeKey?: readonly string[]
  writeDisposition: WriteDisposition
  mergeStrategy?: MergeStrategy
  replaceStrategy?: ReplaceStrategy
  columns?: ColumnHints
  contract?: SchemaContract
  /** Default 1000. */
  maxTableNesting?: number
}

/** Options for {@link Normalizer}s. */
export interface NormalizerOptions {
  /** Schema name (the source's name). */
  schemaName: string
  /** Destination identifier limit; names longer are shortened with a hash. Default 65536. */
  maxIdentifierLength?: number
  /** Schema-wide contract. Default `evolve`. */
  contract?: SchemaContract
  /**
   * Tables that existed before this run, for contracts (a table created in this run evolves freely). Default:
   * the tables of the schema passed in. Page workers get the run's list with a copy of a later schema.
   */
  initialTables?: readonly string[]
}

/**
 * Turns pages of source rows into rows per table, evolving the schema as it goes.
 * MUST keep per-table column order stable and MUST NOT re-infer a known column's type per value.
 */
export interface Normalizer {
  /** The current schema (changes applied). */
  readonly schema: Schema
  /** Declares a resource's table and hints; returns the changes (new table, hinted columns). */
  registerResource(spec: ResourceTableSpec): SchemaChange[]
  /** Normalizes one page for the resource's table. Rows get `_sluice_id` and `_sluice_load_id`. */
  normalizePage(resource: string, rows: readonly object[], loadId: string): NormalizedPage
  /**
   * The flat shapes compiled for a resource's root table, most recent last: a row with exactly one of these
   * shapes' keys, each value null or of its column's type, normalizes to those values plus `_sluice_load_id` and
   * a random `_sluice_id`, and changes nothing in the schema (what `compileFlatCsvRow` relies on). Undefined
   * when none is compiled yet or its ids do not come at random (upsert, scd2).
   */
  flatShapes?(resource: string): FlatShapes | undefined
  /** The naming convention applied to one identifier (no `__` splitting). */
  normalizeIdentifier(name: string): string
  /** The normalized table name of a resource. */
  tableOf(resource: string): string
}
