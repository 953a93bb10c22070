import type { NormalizedPage, Normalizer } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { EncoderCache, encodeRows } from './page-encode.ts'
import { BodyDecodeError, readPageBody } from './page-parse.ts'
import type {
  EncodedReply,
  NormalizeMessage,
  PageReply,
  PageRequest,
  SchemaMessage,
} from './page-protocol.ts'

/**
 * The message handler of a page worker (Web APIs only: the Node.js and Web Worker entries wire it to their
 * ports). Keeps the rows of parsed pages until the pool asks to normalize or release them, and normalizes with a
 * copy of the pipeline's schema that never evolves: a page that would change it goes back whole.
 */
export function createPageWorker(post: (reply: PageReply, transfer: ArrayBuffer[]) => void): {
  handle(message: PageRequest): void
} {
  const pages = new Map<number, readonly object[]>()
  let setup: SchemaMessage | undefined
  let normalizer: Normalizer | undefined
  let encoders = new EncoderCache()
  let sizeHint = 64 * 1024

  const fresh = (): Normalizer => {
    if (!setup) throw new Error('page worker: no schema received')
    const n = createNormalizer(setup.schema, setup.options)
    for (const spec of setup.specs) n.registerResource(spec)
    return n
  }

  const normalize = (m: NormalizeMessage): void => {
    const all = pages.get(m.id) ?? []
    pages.delete(m.id)
    const keep = m.keep
    const rows = keep ? all.filter((_, i) => keep[i] === 1) : all
    normalizer ??= fresh()
    let page: NormalizedPage | undefined
    try {
      page = normalizer.normalizePage(m.resource, rows, m.loadId)
    } catch {
      // e.g. a contract violation: the pipeline's thread raises it with its own schema
    }
    if (!page || page.changes.length > 0 || page.discardedRows > 0) {
      // this copy has evolved on its own: start again from the pipeline's schema
      normalizer = undefined
      post({ t: 'back', id: m.id, rows: rows as object[] }, [])
      return
    }
    const reply: EncodedReply = { t: 'encoded', id: m.id, rows: rows.length, tables: [] }
    const transfer: ArrayBuffer[] = []
    const schema = normalizer.schema
    let root = true
    for (const [table, tableRows] of page.tables) {
      const first = root
      root = false
      if (tableRows.length === 0) continue
      const columns = schema.tables[table]?.columns ?? []
      const encode = m.format === 'csv' ? encoders.get(table, columns) : undefined
      const bytes = encodeRows(m.format, tableRows, encode, sizeHint)
      if (first) sizeHint = Math.ceil(bytes.length * 1.1)
      reply.tables.push({
        table,
        columns: columns.map((c) => ({ name: c.name, dataType: c.dataType })),
        bytes,
        rows: tableRows.length,
      })
      transfer.push(bytes.buffer as ArrayBuffer)
    }
    post(reply, transfer)
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
            pages.set(message.id, body.rows)
            post(
              {
                t: 'parsed',
                id: message.id,
                found: body.found,
                bodyKeys: body.bodyKeys,
                count: body.rows.length,
                keys: body.keys,
                meta: body.meta,
              },
              [],
            )
          } catch (error) {
            const bad = error instanceof BodyDecodeError ? error : undefined
            post(
              {
                t: 'parse-failed',
                id: message.id,
                message: error instanceof Error ? error.message : String(error),
                snippet: bad?.snippet ?? '',
                looksJson: bad?.looksJson ?? false,
              },
              [],
            )
          }
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
