import { decodeLenient } from '../http/http-body.ts'
import {
  EncoderCache,
  encodeFlatRows,
  encodeRows,
  rootIndexes,
  TableCleaning,
} from '../job-files/encoded-rows.ts'
import { type IdWriter, NOT_THIS_SHAPE } from '../job-files/flat-csv-encoder.ts'
import type { NormalizedRow, Normalizer, ValueNote } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { ValueNotes } from '../normalize/value-notes.ts'
import { type BodyText, valueOfBytes } from './page-bytes.ts'
import { PageOutput } from './page-output.ts'
import { type PageBody, readPageBody } from './page-parse.ts'
import type {
  EncodedReply,
  EncodedTable,
  FetchedReply,
  FetchMessage,
  NormalizeMessage,
  PageDestiny,
  PageReply,
  PageRequest,
  PageSummary,
  SchemaMessage,
} from './page-protocol.ts'
import { decodeFailure, fetchFailure, fetchSend, type PageSend } from './page-send.ts'
import { Transcoding } from './page-transcode.ts'
import type { PageParseOptions } from './page-types.ts'

/** A page whose rows would have changed the schema when it came, held until the pool asks for them. */
interface HeldPage {
  destiny: PageDestiny
  rows: readonly object[]
  /** The rows' strings are strings of bytes (see `BodyText`). */
  bytes: boolean
}

/** Rows encoded by a page worker, the buffers to transfer and the page's notes. */
interface Encoded {
  tables: EncodedTable[]
  transfer: ArrayBuffer[]
  notes: ValueNote[] | undefined
}

/** What `encode` says of rows of strings of bytes that are not all of compiled flat shapes. */
const AS_TEXT = 'as-text'

/**
 * The message handler of a page worker (Web APIs only: the Node.js and Web Worker entries wire it to their
 * ports). Parses each page (fetching it first when asked), normalizes and encodes its rows at once with a copy of
 * the pipeline's schema that never evolves, and sends the encoded rows with the page's summary: the rows'
 * objects die young, which keeps garbage collection cheap, and a page takes one message each way. A page that
 * would change the schema is kept as rows until the pool asks for it: encoded then if a newer schema fits it,
 * else sent back. With `text` (the runtime's fast body text, see {@link BodyText}) bodies are read as strings of
 * bytes where they can be, and pages of the compiled flat shapes are written byte by byte; any other page's rows
 * are read back to text first.
 */
export function createPageWorker(
  post: (reply: PageReply, transfer: ArrayBuffer[]) => void,
  send: PageSend = fetchSend,
  text?: BodyText,
): {
  handle(message: PageRequest): void
} {
  const pages = new Map<number, HeldPage>()
  const fetching = new Map<number, AbortController>()
  let setup: SchemaMessage | undefined
  let normalizer: Normalizer | undefined
  /** U+0000 removed per table when the destination cannot store it (counted per page). */
  let cleaning: TableCleaning | undefined
  let encoders = new EncoderCache()
  const output = new PageOutput()
  /** What the page being encoded changed or moved. */
  const notes = new ValueNotes()

  const current = (): Normalizer | undefined => {
    if (normalizer || !setup) return normalizer
    normalizer = createNormalizer(setup.schema, setup.options)
    for (const spec of setup.specs) normalizer.registerResource(spec)
    return normalizer
  }

  /** The notes of the page just encoded (with U+0000 removed per table), or none after a failed try. */
  const takeNotes = (keep: boolean): ValueNote[] | undefined => {
    for (const [table, count] of cleaning?.take() ?? []) notes.add(table, '', 'nul-removed', count)
    const out = notes.take()
    return keep && out.length > 0 ? out : undefined
  }

  /**
   * The page's rows as csv for a root table without child rows: rows of the table's compiled flat shapes are
   * written without normalized rows (the same bytes), any other row is normalized alone. Undefined when some
   * row has child rows (the page is normalized as a whole), `'changed'` when one changed this copy's schema.
   * Ordered ids whose position is not known yet (`order` undefined) are written with position 0 and their places
   * kept (`orderedIdsAt`), for rows of the flat shapes only: any other row makes it undefined.
   */
  const encodeFlat = (
    n: Normalizer,
    rows: readonly object[],
    o: PageDestiny,
    order: number | undefined,
    asBytes: boolean,
  ): EncodedTable | 'changed' | undefined => {
    const shapes = o.format === 'csv' ? n.flatShapes?.(o.resource) : undefined
    const columns = shapes && n.schema.tables[shapes.table]?.columns
    if (!shapes || !columns) return undefined
    const later = shapes.orderedIds && order === undefined
    const table = shapes.table
    const fns = []
    for (const keys of shapes.keys) {
      const fn = encoders.flatShape(table, keys, columns, shapes.maxTextChars, asBytes)
      if (!fn) return undefined
      fns.push(fn)
    }
    const encodeRow = encoders.get(table, columns)
    let changed = false
    let last: { row: object; normalized: NormalizedRow } | undefined
    const other = (row: object, out: Uint8Array, p: number, i: number): number => {
      if (later) return NOT_THIS_SHAPE
      if (last?.row !== row) {
        let page: ReturnType<Normalizer['normalizePage']>
        try {
          const one = asBytes ? valueOfBytes(row) : row
          page = n.normalizePage(o.resource, [one], o.loadId, order === undefined ? undefined : order + i)
        } catch {
          changed = true
          return NOT_THIS_SHAPE
        }
        notes.addAll(page.notes)
        if (page.changes.length > 0 || page.discardedRows > 0) changed = true
        const normalized = page.tables.get(table)?.[0]
        const children = [...page.tables].some(([t, r]) => t !== table && r.length > 0)
        if (changed || children || !normalized) return NOT_THIS_SHAPE
        last = { row, normalized }
      }
      return encodeRow(last.normalized, out, p)
    }
    const ends = new Uint32Array(rows.length)
    const start = output.take()
    const idsAt = later ? new Uint32Array(rows.length) : undefined
    const ids: IdWriter = idsAt
      ? (out, p, i) => {
          idsAt[i] = p
          return output.laterId(out, p, i)
        }
      : order !== undefined && shapes.orderedIds
        ? (out, p, i) => output.putOrderedId(out, p, order + i)
        : output.putId
    const bytes = encodeFlatRows(fns, rows, o.loadId, ids, start, ends, other)
    if (changed || !bytes) {
      output.give([start.buffer as ArrayBuffer])
      return changed ? 'changed' : undefined
    }
    output.wrote(bytes.length)
    const encoded = output.entry(table, columns, bytes, ends)
    if (idsAt) encoded.orderedIdsAt = idsAt
    return encoded
  }

  /**
   * Normalizes and encodes `rows` (with where each row ends and its root row, and the page's notes), or undefined
   * when they would change the schema (this copy is then reset) or their ids need the page's `order`, which the
   * pool gives once the resource yields the page (see `Normalizer.orderedIds`). Rows of the compiled flat shapes
   * do not wait for it: their ids are written with position 0, and the pipeline writes the positions in
   * (`orderedIdsAt`), so the page's rows die young instead of waiting here (1M Clockodo entries: each page worker
   * promoted about 110 MB of them to its old generation). Rows of strings of bytes (`bytes`) are encoded only as
   * flat shapes: else {@link AS_TEXT} (read them back to text and encode again).
   */
  const encode = (
    rows: readonly object[],
    o: PageDestiny,
    order?: number,
    bytes = false,
  ): Encoded | typeof AS_TEXT | undefined => {
    const n = current()
    if (!n) return undefined
    const flat = encodeFlat(n, rows, o, order, bytes)
    if (flat === 'changed') {
      normalizer = undefined
      takeNotes(false)
      return undefined
    }
    if (flat) {
      const pageNotes = takeNotes(true)
      const transfer = [flat.bytes.buffer as ArrayBuffer]
      if (flat.orderedIdsAt) {
        // notes count every row, and the pipeline may leave some rows of the page out: such a page waits as rows
        if (pageNotes) {
          output.give(transfer)
          output.forget(flat.table) // the columns may have gone with this entry: send them again
          return undefined
        }
        transfer.push(flat.orderedIdsAt.buffer as ArrayBuffer)
      }
      return { tables: [flat], transfer, notes: pageNotes }
    }
    takeNotes(false)
    if (order === undefined && n.orderedIds?.(o.resource)) return undefined
    if (bytes) return AS_TEXT
    let page: ReturnType<Normalizer['normalizePage']> | undefined
    try {
      page = n.normalizePage(o.resource, rows, o.loadId, order)
    } catch {
      // e.g. a contract violation: the pipeline's thread raises it with its own schema
    }
    if (!page || page.changes.length > 0 || page.discardedRows > 0) {
      normalizer = undefined
      return undefined
    }
    notes.addAll(page.notes)
    const schema = n.schema
    const present = [...page.tables].filter(([, r]) => r.length > 0)
    const roots = rootIndexes(present.map(([, r]) => r))
    const tables: EncodedTable[] = []
    const transfer: ArrayBuffer[] = []
    for (const [t, [table, tableRows]] of present.entries()) {
      const columns = schema.tables[table]?.columns ?? []
      const ends = new Uint32Array(tableRows.length)
      const encoder = o.format === 'csv' ? encoders.get(table, columns) : undefined
      const start = t === 0 ? output.sizeHint : 64 * 1024
      const taken = encoder ? output.buffers.take(start) : start
      const bytes = encodeRows(o.format, tableRows, encoder, taken, ends, cleaning?.of(table))
      if (t === 0) output.wrote(bytes.length)
      const encoded = output.entry(table, columns, bytes, ends)
      if (roots[t]) encoded.roots = roots[t]
      tables.push(encoded)
      transfer.push(bytes.buffer as ArrayBuffer)
    }
    return { tables, transfer, notes: takeNotes(true) }
  }

  /**
   * {@link encode}, with rows of strings of bytes read back to text when they are not all of flat shapes; undefined
   * when they must wait (kept as they are) or go back (see `normalize`).
   */
  const encodeAny = (
    rows: readonly object[],
    o: PageDestiny,
    order: number | undefined,
    bytes: boolean,
  ): Encoded | undefined => {
    const done = encode(rows, o, order, bytes)
    if (done !== AS_TEXT) return done
    const again = encode(valueOfBytes(rows), o, order)
    return again === AS_TEXT ? undefined : again
  }

  const transcoding = new Transcoding(output)
  /** A page written straight from its body (see `Transcoding`), or undefined: it is parsed. */
  const transcoded = (body: Uint8Array, options: PageParseOptions, o: PageDestiny) => {
    const n = text && o.format === 'csv' ? current() : undefined
    return n && text ? transcoding.summary(body, options, o, n, text) : undefined
  }

  /**
   * What the pool is told about a parsed page: its rows encoded, or (when they would change the schema) kept
   * here until the pool asks for them. Returns the buffers to transfer with it.
   */
  const summarize = (
    id: number,
    body: PageBody,
    destiny: PageDestiny,
  ): { page: PageSummary; transfer: ArrayBuffer[] } => {
    const keys = body.keys?.every((k) => typeof k === 'number')
      ? Float64Array.from(body.keys as number[])
      : body.keys
    const page: PageSummary = {
      found: body.found,
      bodyKeys: body.bodyKeys,
      count: body.rows.length,
      keys,
      meta: body.meta,
    }
    if (body.invalidUtf8 > 0) page.invalidUtf8 = body.invalidUtf8
    if (!body.found || body.rows.length === 0) return { page, transfer: [] }
    const done = encodeAny(body.rows, destiny, undefined, body.bytes)
    if (!done) {
      pages.set(id, { destiny, rows: body.rows, bytes: body.bytes })
      return { page, transfer: [] }
    }
    page.encoded = done.tables
    if (done.notes) page.notes = done.notes
    return { page, transfer: done.transfer }
  }

  const fetchPage = async (m: FetchMessage): Promise<void> => {
    const ctrl = new AbortController()
    fetching.set(m.id, ctrl)
    let done: (() => void) | undefined
    try {
      const res = await send(m.request, ctrl.signal)
      done = res.done
      const reply: FetchedReply = { t: 'fetched', id: m.id, status: res.status, headers: res.headers }
      if (res.status < 200 || res.status >= 300) reply.text = decodeLenient(res.body)
      else {
        try {
          const fast = transcoded(res.body, m.options, m.destiny)
          if (ctrl.signal.aborted) return
          const { page, transfer } =
            fast ?? summarize(m.id, readPageBody(res.body, m.options, text), m.destiny)
          reply.page = page
          post(reply, transfer)
          return
        } catch (error) {
          reply.decodeError = decodeFailure(error)
        }
      }
      if (!ctrl.signal.aborted) post(reply, [])
    } catch (error) {
      if (!ctrl.signal.aborted) post(fetchFailure(m.id, error), [])
    } finally {
      fetching.delete(m.id)
      // the page is read (its rows hold copies of the body's text): its buffer may be reused
      done?.()
    }
  }

  /** The rows of a page that did not fit the schema when it came: encoded if the schema now fits, else back. */
  const normalize = (m: NormalizeMessage): void => {
    const held = pages.get(m.id)
    pages.delete(m.id)
    if (!held) throw new Error(`page ${m.id} is not here`)
    const keep = m.keep
    const rows = keep ? held.rows.filter((_, i) => keep[i] === 1) : held.rows
    const done =
      rows.length > 0
        ? encodeAny(rows, held.destiny, m.order, held.bytes)
        : { tables: [], transfer: [], notes: undefined }
    if (done) {
      const reply: EncodedReply = { t: 'encoded', id: m.id, rows: rows.length, tables: done.tables }
      if (done.notes) reply.notes = done.notes
      post(reply, done.transfer)
    } else post({ t: 'back', id: m.id, rows: (held.bytes ? valueOfBytes(rows) : rows) as object[] }, [])
  }

  return {
    handle(message) {
      if ('buffers' in message && message.buffers) output.give(message.buffers)
      switch (message.t) {
        case 'schema': {
          setup = message
          normalizer = undefined
          const tables = message.options.values?.textNul === false ? new TableCleaning() : undefined
          cleaning = tables
          encoders = new EncoderCache(tables ? (table) => tables.of(table) : undefined)
          return
        }
        case 'parse':
          try {
            const { page, transfer } =
              transcoded(message.bytes, message.options, message.destiny) ??
              summarize(message.id, readPageBody(message.bytes, message.options, text), message.destiny)
            post({ t: 'parsed', id: message.id, ...page }, transfer)
          } catch (error) {
            post({ t: 'parse-failed', id: message.id, ...decodeFailure(error) }, [])
          }
          return
        case 'fetch':
          void fetchPage(message)
          return
        case 'abort':
          fetching.get(message.id)?.abort()
          pages.delete(message.id)
          return
        case 'normalize':
          try {
            normalize(message)
          } catch (error) {
            post(
              {
                t: 'failed',
                id: message.id,
                message: error instanceof Error ? error.message : String(error),
              },
              [],
            )
          }
          return
      }
    },
  }
}
