import type { RemoteRequest, RemoteResponse } from '../http/http-types.ts'
import type { EncodedRows, JobFileFormat } from '../job-files/encoded-rows.ts'
import type { JsonValue } from '../json.ts'
import type { NormalizerOptions, ResourceTableSpec, ValueNote } from '../normalize/normalize-types.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { PageParseOptions } from './page-types.ts'

// The messages between the page pool (the pipeline's thread) and a page worker. Every request carries an `id`;
// the worker answers each `parse` and `normalize` once, in any order.

/** The normalizer every worker builds, and the schema it normalizes against (replaced as the run evolves it). */
export interface SchemaMessage {
  t: 'schema'
  options: NormalizerOptions
  schema: Schema
  /** Every resource registered on the pipeline's normalizer so far, in order. */
  specs: ResourceTableSpec[]
}

/** Where a page's rows go, so that a worker can normalize and encode them as soon as it has parsed them. */
export interface PageDestiny {
  resource: string
  loadId: string
  format: JobFileFormat
}

export interface ParseMessage {
  t: 'parse'
  id: number
  bytes: Uint8Array
  options: PageParseOptions
  destiny: PageDestiny
  /** Encode buffers given back (see `BufferPool`). */
  buffers?: ArrayBuffer[]
}

/** Asks for a page's rows, encoded (or back, when they would change the schema). */
export interface NormalizeMessage {
  t: 'normalize'
  id: number
  /** 1 for each row kept; absent: all. */
  keep?: Uint8Array
  /** The position of the page's first (kept) row in the resource's extraction order (`Normalizer.orderedIds`). */
  order?: number
  /** Encode buffers given back (see `BufferPool`). */
  buffers?: ArrayBuffer[]
}

/** Sends a request from the worker; the page's rows stay there as after `parse`. */
export interface FetchMessage {
  t: 'fetch'
  id: number
  request: RemoteRequest
  options: PageParseOptions
  destiny: PageDestiny
  /** Encode buffers given back (see `BufferPool`). */
  buffers?: ArrayBuffer[]
}

/** Stops a `fetch` (and forgets its page). */
export interface AbortMessage {
  t: 'abort'
  id: number
}

export type PageRequest = SchemaMessage | ParseMessage | FetchMessage | AbortMessage | NormalizeMessage

/**
 * One table's rows of a page, encoded. `columns` is left out when the worker sent the same columns for this
 * table before (the pool fills them in); `ends` and `roots` say where each row ends and to which root row it
 * belongs, to drop rows the source does not select.
 */
export interface EncodedTable extends Omit<EncodedRows, 'columns'> {
  table: string
  columns?: EncodedRows['columns']
  ends?: Uint32Array
  roots?: Uint32Array
  /**
   * Rows of a table with ordered ids (`Normalizer.orderedIds`) encoded before the page's position was known:
   * where each row's `_sluice_id` starts in `bytes`, written with position 0. The pipeline writes the positions
   * in (`putOrderedPositions`) once the source yields the page, so the worker does not keep the page's rows.
   */
  orderedIdsAt?: Uint32Array
}

/** What a page holds, without its rows: its rows come encoded unless they would change the schema. */
export interface PageSummary {
  found: boolean
  bodyKeys: string[] | undefined
  count: number
  /** A `Float64Array` when every key is a number (cheaper to send). */
  keys: unknown[] | Float64Array | undefined
  meta: Record<string, JsonValue | undefined>
  encoded?: EncodedTable[]
  /** What normalizing and encoding the rows changed or moved (see `ValueNote`). */
  notes?: ValueNote[]
  /** Characters of the body that were not UTF-8 (decoded as U+FFFD); absent when none. */
  invalidUtf8?: number
}

export interface ParsedReply extends PageSummary {
  t: 'parsed'
  id: number
}

/** The answer to `fetch`: the page of a 2xx (or why its body is not JSON), the text of any other status. */
export interface FetchedReply extends Omit<RemoteResponse<never>, 'body'> {
  t: 'fetched'
  id: number
  page?: PageSummary
}

/** `fetch` failed before an answer (a network error). */
export interface FetchFailedReply {
  t: 'fetch-failed'
  id: number
  message: string
  /** Set when the body passed `request.maxBytes` (not a network error: the request is not retried). */
  tooLarge?: { limit: number; compressed: boolean }
}

export interface ParseFailedReply {
  t: 'parse-failed'
  id: number
  message: string
  snippet: string
  looksJson: boolean
}

/** The page's rows, encoded per table (tables in the order the normalizer produced them). */
export interface EncodedReply {
  t: 'encoded'
  id: number
  rows: number
  tables: EncodedTable[]
  /** What normalizing and encoding the rows changed or moved (see `ValueNote`). */
  notes?: ValueNote[]
}

/**
 * The page would change the schema (or drop rows, or failed to normalize): its kept rows come back to be
 * normalized on the pipeline's thread, where the schema is evolved in page order.
 */
export interface BackReply {
  t: 'back'
  id: number
  rows: object[]
}

export interface FailedReply {
  t: 'failed'
  id: number
  message: string
}

export type PageReply =
  | ParsedReply
  | ParseFailedReply
  | FetchedReply
  | FetchFailedReply
  | EncodedReply
  | BackReply
  | FailedReply
