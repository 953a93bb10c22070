import type { JsonValue } from '../json.ts'
import type { NormalizerOptions, ResourceTableSpec } from '../normalize/normalize-types.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { JobFileFormat } from '../storage/job-writer.ts'
import type { EncodedRows } from './page-encode.ts'
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

export interface ParseMessage {
  t: 'parse'
  id: number
  bytes: Uint8Array
  options: PageParseOptions
}

export interface NormalizeMessage {
  t: 'normalize'
  id: number
  resource: string
  loadId: string
  format: JobFileFormat
  /** 1 for each row kept; absent: all. */
  keep?: Uint8Array
}

export interface ReleaseMessage {
  t: 'release'
  id: number
}

export type PageRequest = SchemaMessage | ParseMessage | NormalizeMessage | ReleaseMessage

export interface ParsedReply {
  t: 'parsed'
  id: number
  found: boolean
  bodyKeys: string[] | undefined
  count: number
  keys: unknown[] | undefined
  meta: Record<string, JsonValue | undefined>
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
  tables: ({ table: string } & EncodedRows)[]
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

export type PageReply = ParsedReply | ParseFailedReply | EncodedReply | BackReply | FailedReply
