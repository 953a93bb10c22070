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
}
