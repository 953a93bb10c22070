// A page's JSON written straight as csv lines, without row objects (see transcodePage).
import { putText } from '../job-files/csv-encoder.ts'
import type { IdWriter } from '../job-files/flat-csv-encoder.ts'
import type { JsonValue } from '../json.ts'
import type { Normalizer } from '../normalize/normalize-types.ts'
import { skipValue, stringEnd, ws } from './json-bytes.ts'
import { type BodyText, valueOfBytes } from './page-bytes.ts'
import type { PageOutput } from './page-output.ts'
import { bodyMode } from './page-parse.ts'
import type { PageDestiny, PageSummary } from './page-protocol.ts'
import { type TranscodePlan, transcodePlan } from './page-transcode-plan.ts'
import { GIVE_UP, RowWriter } from './page-transcode-rows.ts'
import type { PageParseOptions } from './page-types.ts'

/** What {@link transcodePage} made of a body. */
export interface TranscodedPage {
  /** The rows' csv lines, and where each ends. */
  bytes: Uint8Array
  ends: Uint32Array
  /** Where each row's `_sluice_id` begins (with `later`, see `EncodedTable.orderedIdsAt`). */
  idsAt: Uint32Array | undefined
  /** The `key` of every row (a number each), when asked for. */
  keys: Float64Array | undefined
  meta: Record<string, JsonValue | undefined>
}

let lastLoadId: { id: string; field: Uint8Array } | undefined

/** The csv field of a load id (as the compiled rows write it; the last one kept). */
export function loadIdField(loadId: string): Uint8Array {
  if (lastLoadId?.id === loadId) return lastLoadId.field
  const out = new Uint8Array(3 * loadId.length + 2)
  const field = out.subarray(0, putText(out, 0, out.length, loadId))
  lastLoadId = { id: loadId, field }
  return field
}

/**
 * Writes the rows of a page body as the csv lines a page worker writes for rows of its compiled flat shapes
 * (`compileFlatCsvRow`: the same bytes), straight from the body's bytes, without parsing it into strings and
 * row objects first; or undefined when any part of it is not certain to come out the same: the caller then
 * parses the page as before. Given up on: a row of none of the shapes, a value that does not fit its column as
 * it is, nested values in a row, `\u` escapes in a row, keys with escapes or repeated, a body that is not a JSON
 * object or array, a row list under none of `options.dataKeys`, and any JSON `JSON.parse` would reject.
 * `body` must be ASCII or valid UTF-8 without `\u` escapes (see `bodyBytes`); `bytes` says which (meta values
 * are then read back to text). `loadId` is the load id's csv field, `putId` writes each row's id (`later`: their
 * places are kept). Writes into `out` (a larger buffer replaces it when full).
 */
export function transcodePage(
  body: Uint8Array,
  bytes: boolean,
  text: BodyText,
  options: PageParseOptions,
  plan: TranscodePlan,
  loadId: Uint8Array,
  putId: IdWriter,
  later: boolean,
  out: Uint8Array,
): TranscodedPage | undefined {
  try {
    return new Transcoder(
      body,
      bytes,
      text,
      options,
      new RowWriter(body, text, plan, options.key, loadId, putId, later, out),
    ).page()
  } catch (error) {
    if (error === GIVE_UP) return undefined
    throw error
  }
}

/** Pages of a resource whose pages give up that are parsed without a try, at most (see `Transcoding.summary`). */
const MAX_SKIP = 32

/**
 * A page worker's transcoding: pages whose rows are all of a resource's compiled flat shapes (csv files only)
 * written straight from their bodies with {@link transcodePage}, into the worker's {@link PageOutput}.
 */
export class Transcoding {
  /** Per resource: the plan of its shapes, and how often in a row its pages gave up and how many to pass by. */
  private readonly resources = new Map<string, { plan?: TranscodePlan; failures: number; skip: number }>()

  constructor(private readonly output: PageOutput) {}

  /**
   * What the pool is told about the page in `body` (its rows encoded), with the buffers to transfer; undefined
   * when it must be parsed: the resource has no compiled shapes in `n` yet, the body is not UTF-8 that bytes can
   * be read from, or {@link transcodePage} gave up. A resource whose pages give up (rows that never take the
   * compiled path, such as nested rows) is tried again after 1, 2, 4 ... and then every {@link MAX_SKIP} pages,
   * so that such pages cost little more than parsing.
   */
  summary(
    body: Uint8Array,
    options: PageParseOptions,
    o: PageDestiny,
    n: Normalizer,
    text: BodyText,
  ): { page: PageSummary; transfer: ArrayBuffer[] } | undefined {
    const shapes = n.flatShapes?.(o.resource)
    const columns = shapes && n.schema.tables[shapes.table]?.columns
    const mode = columns ? bodyMode(body, options, text) : undefined
    if (!shapes || !columns || mode === undefined) return undefined
    let state = this.resources.get(o.resource)
    if (!state) {
      state = { failures: 0, skip: 0 }
      this.resources.set(o.resource, state)
    }
    if (state.skip > 0) {
      state.skip--
      return undefined
    }
    const plan = transcodePlan(shapes.keys, columns, shapes.maxTextChars, state.plan)
    state.plan = plan
    if (!plan) return undefined
    const output = this.output
    const start = output.take()
    const id = shapes.orderedIds ? output.laterId : output.putId
    const loadId = loadIdField(o.loadId)
    const done = transcodePage(body, mode, text, options, plan, loadId, id, shapes.orderedIds, start)
    if (!done || done.ends.length === 0) output.give([start.buffer as ArrayBuffer])
    if (!done) {
      state.failures++
      state.skip = Math.min(2 ** (state.failures - 1), MAX_SKIP)
      return undefined
    }
    state.failures = 0
    const { bytes, ends, idsAt, keys, meta } = done
    const page: PageSummary = { found: true, bodyKeys: undefined, count: ends.length, keys, meta }
    if (ends.length === 0) return { page, transfer: [] }
    output.wrote(bytes.length)
    const encoded = output.entry(shapes.table, columns, bytes, ends)
    const transfer = [bytes.buffer as ArrayBuffer]
    if (idsAt) {
      encoded.orderedIdsAt = idsAt
      transfer.push(idsAt.buffer as ArrayBuffer)
    }
    page.encoded = [encoded]
    return { page, transfer }
  }
}

/** The body around the row list: the list found, other values checked, `meta` read. */
class Transcoder {
  constructor(
    private readonly b: Uint8Array,
    private readonly bytes: boolean,
    private readonly text: BodyText,
    private readonly options: PageParseOptions,
    private readonly rows: RowWriter,
  ) {}

  page(): TranscodedPage {
    const b = this.b
    let i = ws(b, 0)
    let found = false
    const meta: Record<string, JsonValue | undefined> = {}
    if (b[i] === 0x5b) {
      i = this.list(i)
      found = true
    } else if (b[i] === 0x7b) {
      const dataKeys = this.options.dataKeys ?? []
      // `meta` as `readPageBody` reads it: every key asked for, undefined where missing
      for (const key of this.options.meta ?? []) {
        if (dataKeys.includes(key)) throw GIVE_UP
        meta[key] = undefined
      }
      const seen = new Set<string>()
      i = ws(b, i + 1)
      if (b[i] === 0x7d) i++
      else
        for (;;) {
          const keyEnd = stringEnd(b, i)
          if (keyEnd < 0 || this.text.indexOf(b.subarray(i, keyEnd), '\\', 0) >= 0) throw GIVE_UP
          const key = this.text.latin1(b.subarray(i + 1, keyEnd - 1))
          if (seen.has(key)) throw GIVE_UP
          seen.add(key)
          i = ws(b, keyEnd)
          if (b[i] !== 0x3a) throw GIVE_UP
          i = ws(b, i + 1)
          const rank = dataKeys.indexOf(key)
          if (rank >= 0 && b[i] === 0x5b) {
            // one list per page: a second one under `dataKeys` is read as before
            if (found) throw GIVE_UP
            found = true
            i = this.list(i)
          } else {
            const end = skipValue(b, i, 0)
            if (end < 0) throw GIVE_UP
            if (Object.hasOwn(meta, key)) {
              const value = JSON.parse(this.text.latin1(b.subarray(i, end))) as JsonValue
              meta[key] = this.bytes ? valueOfBytes(value) : value
            }
            i = end
          }
          i = ws(b, i)
          if (b[i] === 0x2c) {
            i = ws(b, i + 1)
            continue
          }
          if (b[i] !== 0x7d) throw GIVE_UP
          i++
          break
        }
      if (!found) throw GIVE_UP
    } else throw GIVE_UP
    if (ws(b, i) !== b.length) throw GIVE_UP
    const rows = this.rows
    return {
      bytes: rows.out.subarray(0, rows.p),
      ends: Uint32Array.from(rows.ends),
      idsAt: rows.later ? Uint32Array.from(rows.ids) : undefined,
      keys: rows.hasKeys ? Float64Array.from(rows.keys) : undefined,
      meta,
    }
  }

  /** Reads the row list opening at `i` (a `[`) and writes its rows; returns the end of the list. */
  private list(i: number): number {
    const b = this.b
    i = ws(b, i + 1)
    if (b[i] === 0x5d) return i + 1
    for (;;) {
      if (b[i] !== 0x7b) throw GIVE_UP
      i = this.rows.next(i)
      i = ws(b, i)
      if (b[i] === 0x2c) {
        i = ws(b, i + 1)
        continue
      }
      if (b[i] === 0x5d) return i + 1
      throw GIVE_UP
    }
  }
}
