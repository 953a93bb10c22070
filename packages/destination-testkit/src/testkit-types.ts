import type { Destination } from '@sluice/core/destination'

/** A destination as the conformance suites see it. */
export interface DestinationUnderTest {
  /** Shown in the suite names, e.g. `duckdb`. */
  name: string
  /**
   * Creates the destination for one test. Every test uses its own fresh `datasetName`, so a destination MAY be
   * shared between tests as long as datasets stay apart.
   */
  create(ctx: { datasetName: string; pipelineName: string }): Destination | Promise<Destination>
  /**
   * All rows of a table of the dataset, values as JS: numbers (or bigint / numeric strings for big integers and
   * decimals), strings, booleans, `Date` or ISO strings for timestamps, `Uint8Array`/base64 for binary, parsed
   * or text JSON. The suites canonicalize each value by the column's data type before comparing.
   */
  readTable(datasetName: string, table: string): Promise<Record<string, unknown>[]>
  /** Drops the dataset after a test. Optional. */
  cleanup?(datasetName: string): Promise<void>
}

/** Options of {@link testDestination}. */
export interface TestDestinationOptions {
  /** Suite names to skip (see `SUITE_NAMES`); each skip is printed with this reason. */
  skip?: string[]
  /** Why the listed suites are skipped. Default `skipped by the destination's test file`. */
  skipReason?: string
  /**
   * The sluice types the destination has no native type for and stores as text, e.g. `{ time: 'text', json:
   * 'text' }` for a warehouse that keeps both in a string column. The reader suite then expects `text` on such a
   * column, and text that still holds the loaded value: a time as `HH:MM:SS[.ffffff]`, JSON text that parses to
   * the loaded JSON. Named in the title of the reader suite's type test. Default none: every type comes back as
   * itself, and a declared type that comes back as itself fails too.
   */
  storedAs?: StoredAs
}

/** Sluice types a destination stores as text (see {@link TestDestinationOptions.storedAs}). */
export interface StoredAs {
  /** `time` kept as `HH:MM:SS[.ffffff]` text. */
  time?: 'text'
  /** `json` kept as JSON text. */
  json?: 'text'
}
