import type { Normalizer } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { EncoderCache, encodeRows, keepRows, type RowIndex, rootIndexes } from './page-encode.ts'
import { BodyDecodeError, type PageBody, readPageBody } from './page-parse.ts'
import type {
  EncodedReply,
  FetchedReply,
  FetchMessage,
  NormalizeMessage,
  PageDestiny,
  PageReply,
  PageRequest,
  PageSummary,
  SchemaMessage,
} from './page-protocol.ts'

/** A page held by a worker: its rows normalized and encoded as soon as it was parsed. */
interface HeldPage {
  destiny: PageDestiny
  /** The encoded rows, with where each row is (to drop rows the source does not select). */
  encoded: Encoded | undefined
  /** The rows themselves, only while they would change the schema (rare: kept until a newer schema comes). */
  rows: readonly object[] | undefined
}

interface Encoded {
  reply: EncodedReply
  index: RowIndex[]
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
 * the pipeline's schema that never evolves, and keeps the encoded rows until the pool asks for them: the rows'
 * objects die young, which keeps garbage collection cheap. Rows the source drops with `select` are cut out of
 * the encoded bytes (with their child rows); a page that would change the schema is kept as rows, encoded later
 * if a newer schema fits it, else sent back.
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

  /** Normalizes and encodes `rows`, or undefined when they would change the schema (this copy is then reset). */
  const encode = (id: number, rows: readonly object[], o: PageDestiny): Encoded | undefined => {
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
    const reply: EncodedReply = { t: 'encoded', id, rows: rows.length, tables: [] }
    const index: RowIndex[] = []
    const schema = n.schema
    const tables = [...page.tables].filter(([, r]) => r.length > 0)
    const roots = rootIndexes(tables.map(([, r]) => r))
    for (const [t, [table, tableRows]] of tables.entries()) {
      const columns = schema.tables[table]?.columns ?? []
      const ends = new Uint32Array(tableRows.length)
      const encoder = o.format === 'csv' ? encoders.get(table, columns) : undefined
      const bytes = encodeRows(o.format, tableRows, encoder, t === 0 ? sizeHint : undefined, ends)
      if (t === 0) sizeHint = Math.ceil(bytes.length * 1.1)
      reply.tables.push({
        table,
        columns: columns.map((c) => ({ name: c.name, dataType: c.dataType })),
        bytes,
        rows: tableRows.length,
      })
      index.push({ ends, roots: roots[t] })
    }
    return { reply, index }
  }

  /** Posts encoded rows, keeping only the rows (and their child rows) of the root rows `keep` keeps. */
  const send = ({ reply, index }: Encoded, keep: Uint8Array | undefined): void => {
    if (keep && !keep.every((k) => k === 1)) {
      const tables = reply.tables.map((t, i) => ({ ...t, ...keepRows(t.bytes, index[i]!, keep) }))
      reply = { ...reply, rows: keep.reduce((n, k) => n + k, 0), tables: tables.filter((t) => t.rows > 0) }
    }
    post(
      reply,
      reply.tables.map((t) => t.bytes.buffer as ArrayBuffer),
    )
  }

  /** Keeps a parsed page with its rows encoded, and returns what the pool is told about it. */
  const hold = (id: number, body: PageBody, destiny: PageDestiny): PageSummary => {
    if (body.found) {
      const encoded = body.rows.length > 0 ? encode(id, body.rows, destiny) : undefined
      pages.set(id, { destiny, encoded, rows: encoded || body.rows.length === 0 ? undefined : body.rows })
    }
    return {
      found: body.found,
      bodyKeys: body.bodyKeys,
      count: body.rows.length,
      keys: body.keys,
      meta: body.meta,
    }
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
          const page = readPageBody(await res.text(), m.options)
          if (ctrl.signal.aborted) return
          reply.page = hold(m.id, page, m.destiny)
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

  const normalize = (m: NormalizeMessage): void => {
    const held = pages.get(m.id)
    pages.delete(m.id)
    if (!held) throw new Error(`page ${m.id} is not here`)
    const keep = m.keep
    if (held.encoded) {
      send(held.encoded, keep)
      return
    }
    const rows = keep ? (held.rows ?? []).filter((_, i) => keep[i] === 1) : (held.rows ?? [])
    if (rows.length === 0) {
      post({ t: 'encoded', id: m.id, rows: 0, tables: [] }, [])
      return
    }
    // it did not fit the schema when it came: try the schema as it is now, else it goes back
    const encoded = encode(m.id, rows, held.destiny)
    if (encoded) send(encoded, undefined)
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
            post({ t: 'parsed', id: message.id, ...hold(message.id, body, message.destiny) }, [])
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
        case 'release':
          pages.delete(message.id)
          return
      }
    },
  }
}
