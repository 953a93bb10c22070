import type { Normalizer } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { EncoderCache, encodeRows, rootIndexes } from './page-encode.ts'
import { BodyDecodeError, type PageBody, readPageBody } from './page-parse.ts'
import type {
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

/** A page whose rows would have changed the schema when it came, held until the pool asks for them. */
interface HeldPage {
  destiny: PageDestiny
  rows: readonly object[]
}

/** Why a body could not be parsed, as the replies carry it. */
function decodeFailure(error: unknown): { message: string; snippet: string; looksJson: boolean } {
  const bad = error instanceof BodyDecodeError ? error : undefined
  return {
    message: error instanceof Error ? error.message : String(error),
    snippet: bad?.snippet ?? '',
    looksJson: bad?.looksJson ?? false,
  }
}

/**
 * The message handler of a page worker (Web APIs only: the Node.js and Web Worker entries wire it to their
 * ports). Parses each page (fetching it first when asked), normalizes and encodes its rows at once with a copy of
 * the pipeline's schema that never evolves, and sends the encoded rows with the page's summary: the rows'
 * objects die young, which keeps garbage collection cheap, and a page takes one message each way. A page that
 * would change the schema is kept as rows until the pool asks for it: encoded then if a newer schema fits it,
 * else sent back.
 */
export function createPageWorker(post: (reply: PageReply, transfer: ArrayBuffer[]) => void): {
  handle(message: PageRequest): void
} {
  const pages = new Map<number, HeldPage>()
  const fetching = new Map<number, AbortController>()
  let setup: SchemaMessage | undefined
  let normalizer: Normalizer | undefined
  let encoders = new EncoderCache()
  let sizeHint = 64 * 1024

  const current = (): Normalizer | undefined => {
    if (normalizer || !setup) return normalizer
    normalizer = createNormalizer(setup.schema, setup.options)
    for (const spec of setup.specs) normalizer.registerResource(spec)
    return normalizer
  }

  /** Columns sent per table (by count: columns only grow), so that a table's columns go to the pool once. */
  const sentColumns = new Map<string, number>()

  /**
   * Normalizes and encodes `rows` (with where each row ends and its root row), or undefined when they would
   * change the schema (this copy is then reset).
   */
  const encode = (
    rows: readonly object[],
    o: PageDestiny,
  ): { tables: EncodedTable[]; transfer: ArrayBuffer[] } | undefined => {
    const n = current()
    if (!n) return undefined
    let page: ReturnType<Normalizer['normalizePage']> | undefined
    try {
      page = n.normalizePage(o.resource, rows, o.loadId)
    } catch {
      // e.g. a contract violation: the pipeline's thread raises it with its own schema
    }
    if (!page || page.changes.length > 0 || page.discardedRows > 0) {
      normalizer = undefined
      return undefined
    }
    const schema = n.schema
    const present = [...page.tables].filter(([, r]) => r.length > 0)
    const roots = rootIndexes(present.map(([, r]) => r))
    const tables: EncodedTable[] = []
    const transfer: ArrayBuffer[] = []
    for (const [t, [table, tableRows]] of present.entries()) {
      const columns = schema.tables[table]?.columns ?? []
      const ends = new Uint32Array(tableRows.length)
      const encoder = o.format === 'csv' ? encoders.get(table, columns) : undefined
      const bytes = encodeRows(o.format, tableRows, encoder, t === 0 ? sizeHint : undefined, ends)
      if (t === 0) sizeHint = Math.ceil(bytes.length * 1.1)
      const entry: EncodedTable = { table, bytes, rows: tableRows.length, ends }
      if (roots[t]) entry.roots = roots[t]
      if (sentColumns.get(table) !== columns.length) {
        entry.columns = columns.map((c) => ({ name: c.name, dataType: c.dataType }))
        sentColumns.set(table, columns.length)
      }
      tables.push(entry)
      transfer.push(bytes.buffer as ArrayBuffer)
    }
    return { tables, transfer }
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
    if (!body.found || body.rows.length === 0) return { page, transfer: [] }
    const done = encode(body.rows, destiny)
    if (!done) {
      pages.set(id, { destiny, rows: body.rows })
      return { page, transfer: [] }
    }
    page.encoded = done.tables
    return { page, transfer: done.transfer }
  }

  const fetchPage = async (m: FetchMessage): Promise<void> => {
    const ctrl = new AbortController()
    fetching.set(m.id, ctrl)
    try {
      const { url, method, headers, body } = m.request
      const res = await fetch(url, {
        method,
        headers,
        signal: ctrl.signal,
        ...(body !== undefined ? { body } : {}),
      })
      const reply: FetchedReply = { t: 'fetched', id: m.id, status: res.status, headers: [...res.headers] }
      if (res.status < 200 || res.status >= 300) reply.text = await res.text()
      else {
        // text(): undici decodes its chunks at once (arrayBuffer() copies them into one more buffer, and every
        // buffer made here counts towards the external memory that starts V8's full garbage collections)
        try {
          const body = readPageBody(await res.text(), m.options)
          if (ctrl.signal.aborted) return
          const { page, transfer } = summarize(m.id, body, m.destiny)
          reply.page = page
          post(reply, transfer)
          return
        } catch (error) {
          reply.decodeError = decodeFailure(error)
        }
      }
      if (!ctrl.signal.aborted) post(reply, [])
    } catch (error) {
      // fetch's network errors carry the reason in `cause` (e.g. connect ECONNREFUSED)
      const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause?.message
      const message =
        typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error)
      if (!ctrl.signal.aborted) post({ t: 'fetch-failed', id: m.id, message }, [])
    } finally {
      fetching.delete(m.id)
    }
  }

  /** The rows of a page that did not fit the schema when it came: encoded if the schema now fits, else back. */
  const normalize = (m: NormalizeMessage): void => {
    const held = pages.get(m.id)
    pages.delete(m.id)
    if (!held) throw new Error(`page ${m.id} is not here`)
    const keep = m.keep
    const rows = keep ? held.rows.filter((_, i) => keep[i] === 1) : held.rows
    const done = rows.length > 0 ? encode(rows, held.destiny) : { tables: [], transfer: [] }
    if (done) post({ t: 'encoded', id: m.id, rows: rows.length, tables: done.tables }, done.transfer)
    else post({ t: 'back', id: m.id, rows: rows as object[] }, [])
  }

  return {
    handle(message) {
      switch (message.t) {
        case 'schema':
          setup = message
          normalizer = undefined
          encoders = new EncoderCache()
          return
        case 'parse':
          try {
            const body = readPageBody(message.bytes, message.options)
            const { page, transfer } = summarize(message.id, body, message.destiny)
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
