import type { BodyReader } from '../http/http-types.ts'
import type { JsonValue } from '../json.ts'

/** What {@link ParsedPage} a response body becomes: where its rows are and what the source wants to see of it. */
export interface PageParseOptions {
  /**
   * Keys of the body's top-level object tried in order for the row list; the body itself when it is an array.
   * Default `[]` (only a body that is an array has rows).
   */
  dataKeys?: readonly string[]
  /** A field read from every row into {@link ParsedPage.keys} (e.g. `id`, for a dedupe). Default none. */
  key?: string
  /** Top-level fields of the body copied into {@link ParsedPage.meta} (e.g. `paging`). Default none. */
  meta?: readonly string[]
}

/**
 * A page of a response body, parsed where the pipeline chose: on this thread or on a page worker, whose rows
 * then stay there until they are normalized and written. A resource reads what it needs ({@link count},
 * {@link keys}, {@link meta}), may {@link select} rows, and yields the page like an array of rows.
 */
export interface ParsedPage {
  /** True when the body held a row list (under one of `dataKeys`, or as the body itself). */
  readonly found: boolean
  /** The body's top-level keys when it is an object without a row list (for error messages). */
  readonly bodyKeys: readonly string[] | undefined
  /** Rows in the list (0 when none was found), before {@link select}. */
  readonly count: number
  /** The `key` field of every row (undefined where missing), when `key` was asked for. */
  readonly keys: readonly unknown[] | undefined
  /** The top-level fields named in `meta` (undefined where missing). */
  readonly meta: Readonly<Record<string, JsonValue | undefined>>
  /** Rows left after {@link select}. */
  readonly size: number
  /** Keeps only the rows for which `keep(index)` is true (indexes into the whole list). Call before yielding. */
  select(keep: (index: number) => boolean): void
}

/**
 * The HTTP client's body reader for pages (see {@link ResourceContext.pageReader}): pass
 * `reader: pageReader(options)` to `client.request`; the response's body is then a {@link ParsedPage}.
 */
export type PageReader<P extends ParsedPage = ParsedPage> = (options: PageParseOptions) => BodyReader<P>

/** One page worker, as the pool sees it: messages in and out, and an end. */
export interface PageWorkerPort {
  post(message: unknown, transfer: ArrayBuffer[]): void
  /** Called with every message the worker sends. */
  onMessage(listener: (message: unknown) => void): void
  /** Called once when the worker fails or exits before it was terminated. */
  onError(listener: (error: Error) => void): void
  terminate(): Promise<unknown>
}

/**
 * Page workers for a pipeline (option `pageWorkers`): threads that parse response bodies, normalize their rows
 * against a frozen copy of the schema and encode them for the job files, so that the thread running the pipeline
 * only fetches and writes. `nodePageWorkers()` from `@sluice/core/node` makes them on Node.js.
 */
export interface PageWorkers {
  /** Workers started for a run (on its first page parsed). At least 1. */
  readonly size: number
  /**
   * Workers also send the requests of the pages they parse, with their own global `fetch` (the pipeline's thread
   * keeps auth, rate limits, retries and timeouts), so that response bodies never reach the pipeline's thread.
   * False: the pipeline's thread fetches and hands the bytes over. Default true. (A `fetch` patched on the
   * pipeline's thread, such as a proxy dispatcher or a test's mock, does not reach the workers: set false then.)
   */
  readonly fetch?: boolean
  /**
   * Starts one worker running core's page worker (the entry module `nodePageWorkers` and `webPageWorkers` start;
   * a wrapper around their `spawn` may watch its messages).
   */
  spawn(): PageWorkerPort
}

/**
 * Page workers per run by default on `cores` cores: one per core but one, at least 1, at most 4. The core left
 * over runs the pipeline's thread and the destination's own threads (DuckDB's loads in the process). A page
 * written straight from its body takes about 2 ms of a worker (fix 44 in apps/bench/README.md), so one worker
 * reads pages faster than the fetch + parse floor: on 2 cores, 1M Clockodo entries into DuckDB took 10.6-12.6
 * CPU s with one worker against 11.1-13.4 s with two, 240k entries as a whole `sluice run` 3.9 CPU s against
 * 4.6-5.6 s (fix 46). Before, one per core.
 */
export function defaultPageWorkerCount(cores: number): number {
  return Math.min(4, Math.max(1, Math.floor(cores) - 1))
}
