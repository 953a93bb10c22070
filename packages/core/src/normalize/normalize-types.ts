import type {
  ColumnHints,
  MergeStrategy,
  ReplaceStrategy,
  Scd2Options,
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
  /** Values this page changed or moved so that they load, and source keys renamed (see {@link ValueNote}). */
  notes?: ValueNote[]
}

/**
 * Values a destination cannot store (its `capabilities.values`). Core reads them while it normalizes and encodes
 * job files: such values are cleaned or moved to a variant column, and counted in the run's warnings, so that no
 * single value fails a load. Every destination gets the limits core applies anyway: integers within int64 in
 * `bigint` columns, finite numbers, timestamps and dates in the years 1 to 9999, decimals within their precision.
 */
export interface ValueLimits {
  /**
   * Whether text (and strings inside JSON) may hold U+0000. Default true. When false (PostgreSQL), the character
   * is removed from every text and JSON value while the job file is encoded, and the values are counted.
   */
  textNul?: boolean
  /**
   * The longest text value in UTF-8 bytes. Default unlimited. Longer values are cut at a character boundary to fit
   * (counted); JSON values are not cut.
   */
  maxTextBytes?: number
}

/** Why a {@link ValueNote} was written. */
export type ValueNoteKind =
  /** Text values that lost U+0000 characters (the destination cannot store them). */
  | 'nul-removed'
  /** Text values cut to the destination's `maxTextBytes`. */
  | 'text-cut'
  /** Integers beyond ±2^53: a JSON number cannot hold them exactly, so their last digits may be wrong. */
  | 'imprecise-integer'
  /** NaN or ±Infinity (e.g. `1e400` read from JSON), left out as JSON leaves them out. */
  | 'not-finite'
  /** Values of the column's kind that it cannot hold (beyond int64, year 0 ...), moved to `detail` (a variant). */
  | 'out-of-range'
  /** A source key whose name another source key of the same object had: its values go to column `detail`. */
  | 'renamed-key'

/** A count of values of one column that the normalizer (or the job-file encoder) changed, with why. */
export interface ValueNote {
  table: string
  /** The column (for `renamed-key`: the source key); empty when the count is per table. */
  column: string
  kind: ValueNoteKind
  count: number
  /** The column the values went to (`out-of-range`, `renamed-key`). */
  detail?: string
}

/** One top-level key of a row shape and what the compiled path does with it. */
export interface FlatKey {
  /** The source key. */
  key: string
  /** The column it goes to, or undefined when the key has no column yet (its value MUST be null to stay fast). */
  column: string | undefined
  /** The column's type: only these types are handled by compiled rows. */
  type: 'text' | 'bigint' | 'double' | 'bool' | 'timestamp' | undefined
  /** A primary key column of a merge table: its value MUST NOT be null to stay fast. */
  required?: boolean
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
  /** Rows get ordered ids (`createOrderedIds`: merge with a primary key), not random ones. */
  orderedIds: boolean
  /** Text values longer than this (UTF-16 units) MUST leave the compiled path (`ValueLimits.maxTextBytes`). */
  maxTextChars?: number
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
  /** Options of an scd2 merge (column names in source naming). Default none. */
  scd2?: Scd2Options
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
  /** What the destination cannot store (its `capabilities.values`). Default: only the limits core always applies. */
  values?: ValueLimits
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
  /**
   * Normalizes one page for the resource's table. Rows get `_sluice_id` and `_sluice_load_id`. `order` is the
   * position of the page's first row among the resource's rows of this package, in extraction order: root rows
   * of merge tables with a primary key get ids that sort by it (see {@link orderedIds}). Default: right after the
   * previous page normalized here. Throws `PRIMARY_KEY_MISSING` for such a row without its key.
   */
  normalizePage(resource: string, rows: readonly object[], loadId: string, order?: number): NormalizedPage
  /**
   * True when the resource's root rows get ids in extraction order (merge with a primary key, where the last row
   * of a key wins): a page normalized elsewhere (a page worker) MUST be given its `order`.
   */
  orderedIds?(resource: string): boolean
  /**
   * The flat shapes compiled for a resource's root table, most recent last: a row with exactly one of these
   * shapes' keys, each value null (a required key: not null) or of its column's type, normalizes to those values
   * plus `_sluice_load_id` and a random (or, with `orderedIds`, an ordered) `_sluice_id`, and changes nothing in
   * the schema (what `compileFlatCsvRow` relies on). Undefined when none is compiled yet or its ids are hashes
   * (scd2).
   */
  flatShapes?(resource: string): FlatShapes | undefined
  /** The naming convention applied to one identifier (no `__` splitting). */
  normalizeIdentifier(name: string): string
  /** The normalized table name of a resource. */
  tableOf(resource: string): string
}
