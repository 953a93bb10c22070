import type { PipelineEvent } from '../events.ts'
import type { JsonObject } from '../json.ts'
import type { PageReader, ParsedPage } from '../page-workers/page-types.ts'
import type {
  ColumnHints,
  MergeStrategy,
  ReplaceRange,
  ReplaceStrategy,
  Scd2Options,
  SchemaContract,
  WriteDisposition,
} from '../schema/schema-types.ts'
import type { ResourceState } from '../storage/package-types.ts'

/** What a resource gets when it runs. */
export interface ResourceContext {
  /** This resource's state from the last committed load (empty object on the first run); mutate it in place. */
  readonly state: ResourceState
  /** Aborted when the run is cancelled; pass it to fetch. */
  readonly signal: AbortSignal
  /** Reports progress (requests, pages, retries, waits) to the runner and the CLI. */
  emit(event: PipelineEvent): void
  /**
   * Declares that the destination rows of this resource whose `column` lies in the range are replaced by
   * this run's rows: rows in the range that this run did not yield are deleted (merge tables only). This is
   * how re-read windows propagate deletions from APIs without a change feed.
   */
  replaceRange(range: ReplaceRange): void
  /** A warning for the run summary (e.g. a resource skipped for lack of rights). */
  warn(message: string): void
  /**
   * True when the run is strict (`RunOptions.strict`, the CLI's `--strict`): a source fails where it would
   * otherwise warn and go on (e.g. a response body that is not valid UTF-8). Default false.
   */
  readonly strict?: boolean
  /**
   * Reads response bodies as {@link ParsedPage}s, on page workers when the pipeline has them (rows then never come
   * to this thread unless the schema must change; the workers may also send the requests), else here. Pass
   * `reader: ctx.pageReader(options)` to the HTTP client and yield the response's body. Absent in contexts made
   * by hand: use `pageReaderHere` then.
   */
  readonly pageReader?: PageReader
  /**
   * The group this resource runs in when it has a {@link Resource.group}: the same object for every resource of the
   * group in one run. Absent for resources without a group and in contexts made by hand.
   */
  readonly group?: ResourceGroup
}

/** The resources of one {@link Resource.group} that a run extracts together. */
export interface ResourceGroup {
  /** The group's name ({@link Resource.group}). */
  readonly name: string
  /**
   * The contexts of the group's resources in this run, by resource name, in the run's order (this resource's
   * included). All are there before the first of them reads, so the first can plan the reads of all (e.g. read a
   * parent once for its children, with their states).
   */
  readonly contexts: ReadonlyMap<string, ResourceContext>
}

/**
 * Write disposition with its strategy. A plain string uses the default strategy. A merge with `strategy: 'scd2'`
 * takes the {@link Scd2Options} (dlt's snake_case spellings, e.g. `validity_column_names`, are read as well).
 */
export type WriteDispositionConfig =
  | WriteDisposition
  | ({ disposition: 'merge'; strategy?: MergeStrategy } & Scd2Options)
  | { disposition: 'replace'; strategy?: ReplaceStrategy }

/**
 * A resource: a named stream of pages of rows that becomes one table (plus child tables for nested lists).
 * MUST yield pages (arrays of rows, or {@link ParsedPage}s from `ctx.pageReader`), not single rows. MUST honour
 * `ctx.signal`.
 */
export interface Resource<Row extends object = JsonObject> {
  readonly name: string
  /** Table name; default: `name`. */
  readonly tableName?: string
  readonly primaryKey?: string | readonly string[]
  readonly mergeKey?: string | readonly string[]
  /** Default `append`. */
  readonly writeDisposition?: WriteDispositionConfig
  readonly columns?: ColumnHints
  readonly contract?: SchemaContract
  /** Maximum nesting depth for child tables; deeper values are stored as json. Default 1000. */
  readonly maxTableNesting?: number
  /**
   * Resources of one source with the same group are extracted at the same time (they take one of the run's
   * resource slots together) and see each other's contexts (`ctx.group`), so that one read can feed several of
   * them: e.g. a parent read once for its own table and for its children's requests (see `teePages`). A resource
   * that reads for the others MUST keep going while any of them reads. Default: none (scheduled alone).
   */
  readonly group?: string
  read(ctx: ResourceContext): AsyncIterable<readonly Row[] | ParsedPage>
}

/** A source: a named set of resources; its name is the schema name. */
export interface Source {
  readonly name: string
  readonly resources: readonly Resource<object>[]
  readonly contract?: SchemaContract
}
