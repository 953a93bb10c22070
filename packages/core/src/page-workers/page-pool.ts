import { SluiceError } from '../errors.ts'
import { BodyTooLargeError } from '../http/http-body.ts'
import { BodyDecodeError } from '../http/http-error.ts'
import type { BodyReader, RemoteRequest, RemoteResponse } from '../http/http-types.ts'
import type { EncodedRows } from '../job-files/encoded-rows.ts'
import type { NormalizerOptions, ResourceTableSpec, ValueNote } from '../normalize/normalize-types.ts'
import type { Schema } from '../schema/schema-types.ts'
import { PageFacts, parsePageHere } from './page-parse.ts'
import type {
  BackReply,
  EncodedReply,
  EncodedTable,
  FetchedReply,
  PageDestiny,
  PageReply,
  PageRequest,
  PageSummary,
  ParsedReply,
  SchemaMessage,
} from './page-protocol.ts'
import type { PageParseOptions, PageWorkerPort, PageWorkers, ParsedPage } from './page-types.ts'

interface Slot {
  port: PageWorkerPort
  /** The columns this worker last sent per table (it leaves out columns it sent before). */
  columns: Map<string, EncodedRows['columns']>
  /** Requests sent and not answered. */
  busy: number
  /** The schema version this worker last got. */
  schemaVersion: number
  /** Buffers of this worker's encoded rows, written: they go back with its next request. */
  spare: ArrayBuffer[]
  failure?: SluiceError
}

interface Waiting {
  slot: Slot
  resolve(reply: PageReply): void
  reject(error: unknown): void
}

/** Bodies fetched here and smaller than this are parsed here: 64 KiB. */
export const SMALL_BODY_BYTES: number = 64 * 1024

/** A page parsed on a page worker: its rows stay there until {@link PagePool.normalize}. */
export class RemotePage extends PageFacts implements ParsedPage {
  /** 1 per row kept, once {@link select} was called. */
  keep: Uint8Array | undefined
  size: number
  /** The rows, encoded by the worker (unless they would have changed the schema then). */
  readonly encoded: EncodedTable[] | undefined
  /** What encoding them changed or moved (with `encoded`). */
  readonly notes: ValueNote[] | undefined

  constructor(
    readonly pool: PagePool,
    readonly slot: Slot,
    readonly id: number,
    /** The resource the page belongs to (for error messages). */
    readonly resource: string,
    reply: PageSummary,
  ) {
    super({ ...reply, keys: reply.keys instanceof Float64Array ? Array.from(reply.keys) : reply.keys })
    this.size = reply.count
    this.encoded = reply.encoded
    this.notes = reply.notes
  }

  select(keep: (index: number) => boolean): void {
    if (this.keep) throw new Error('select() may be called once per page')
    const mask = new Uint8Array(this.count)
    let size = 0
    for (let i = 0; i < this.count; i++) {
      if (keep(i)) {
        mask[i] = 1
        size++
      }
    }
    this.keep = mask
    this.size = size
  }
}

/** True for a page whose rows are on a page worker. */
export function isRemotePage(page: unknown): page is RemotePage {
  return page instanceof RemotePage
}

/**
 * The pipeline's side of its page workers for one run: sends bodies to be parsed (to the least busy worker),
 * keeps every worker's copy of the schema current, and asks the worker holding a page to normalize and encode it.
 * Workers start on the first page and stop with {@link close}.
 */
export class PagePool {
  private slots: Slot[] | undefined
  private readonly waiting = new Map<number, Waiting>()
  private nextId = 1
  private schema: SchemaMessage | undefined
  private schemaVersion = 0
  private closed = false

  constructor(
    private readonly workers: PageWorkers,
    private readonly options: NormalizerOptions,
  ) {}

  /** Workers of the run. */
  get size(): number {
    return Math.max(1, this.workers.size)
  }

  /** The schema workers normalize against from their next page on (call after every change). */
  setSchema(schema: Schema, specs: readonly ResourceTableSpec[]): void {
    this.schema = { t: 'schema', options: this.options, schema, specs: [...specs] }
    this.schemaVersion++
  }

  /**
   * The HTTP client's reader for pages with `options` whose rows go to `destiny`: parsing on a worker, and
   * fetching there unless turned off.
   */
  reader(options: PageParseOptions, destiny: PageDestiny): BodyReader<ParsedPage> {
    return {
      // a small body costs less to parse here than to send (and no worker starts for a run of small pages)
      parse: (bytes) =>
        bytes.length < SMALL_BODY_BYTES ? parsePageHere(bytes, options) : this.parse(bytes, options, destiny),
      invalidUtf8: (page) => (page instanceof PageFacts ? page.invalidUtf8 : 0),
      ...(this.workers.fetch !== false
        ? {
            fetch: (request: RemoteRequest, signal: AbortSignal) =>
              this.fetch(request, options, destiny, signal),
          }
        : {}),
    }
  }

  /**
   * Sends a request from a worker, which keeps the page's rows; rejects like `fetch` (a `TypeError` whose cause
   * says why) for network errors, and with the signal's reason once it aborts.
   */
  async fetch(
    request: RemoteRequest,
    options: PageParseOptions,
    destiny: PageDestiny,
    signal: AbortSignal,
  ): Promise<RemoteResponse<RemotePage>> {
    if (signal.aborted) throw signal.reason
    const slot = this.pick()
    const id = this.nextId++
    const reply = await this.send(slot, id, { t: 'fetch', id, request, options, destiny }, [], signal)
    if (reply.t === 'fetch-failed') {
      if (reply.tooLarge) throw new BodyTooLargeError(reply.tooLarge.limit, reply.tooLarge.compressed)
      throw new TypeError('fetch failed', { cause: new Error(reply.message) })
    }
    const r = reply as FetchedReply
    return {
      status: r.status,
      headers: r.headers,
      ...(r.page ? { body: new RemotePage(this, slot, id, destiny.resource, r.page) } : {}),
      ...(r.decodeError ? { decodeError: r.decodeError } : {}),
      ...(r.text !== undefined ? { text: r.text } : {}),
    }
  }

  /** Parses a body on a worker; rejects with {@link BodyDecodeError} for invalid JSON. */
  async parse(bytes: Uint8Array, options: PageParseOptions, destiny: PageDestiny): Promise<RemotePage> {
    const slot = this.pick()
    const id = this.nextId++
    const reply = await this.send(slot, id, { t: 'parse', id, bytes, options, destiny }, [
      bytes.buffer as ArrayBuffer,
    ])
    if (reply.t === 'parse-failed') throw new BodyDecodeError(reply.message, reply.snippet, reply.looksJson)
    return new RemotePage(this, slot, id, destiny.resource, reply as ParsedReply)
  }

  /**
   * The rows of a page its worker did not encode when it came (they would have changed the schema, or their ids
   * need the page's `order`, the position of its first kept row in extraction order): encoded now if the worker's
   * newer schema fits them, else the rows.
   */
  async normalize(page: RemotePage, order?: number): Promise<EncodedReply | BackReply> {
    const slot = page.slot
    this.syncSchema(slot)
    const id = page.id
    const reply = await this.send(
      slot,
      id,
      {
        t: 'normalize',
        id,
        ...(page.keep ? { keep: page.keep } : {}),
        ...(order !== undefined ? { order } : {}),
      },
      [],
    )
    if (reply.t === 'failed') {
      throw new SluiceError(
        'PAGE_WORKER_FAILED',
        `a page worker failed to encode a page of ${page.resource}: ${reply.message}`,
        {
          hint: 'run again; if it happens again, run without page workers (--page-workers 0) and report it',
        },
      )
    }
    return reply as EncodedReply | BackReply
  }

  /**
   * Gives the buffers of a page's encoded rows back to the worker that encoded them (with its next request), once
   * they are written: it encodes into them again. The caller must not use them afterwards.
   */
  recycle(page: RemotePage, tables: readonly EncodedTable[]): void {
    for (const t of tables) {
      const buffer = t.bytes.buffer
      if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) page.slot.spare.push(buffer)
    }
  }

  /** Sends `slot` the schema if it has an older one (messages arrive in order: before the next request). */
  private syncSchema(slot: Slot): void {
    if (this.schema && slot.schemaVersion !== this.schemaVersion && !slot.failure) {
      slot.port.post(this.schema, [])
      slot.schemaVersion = this.schemaVersion
    }
  }

  /** Stops every worker; requests still open fail. */
  async close(): Promise<void> {
    this.closed = true
    const slots = this.slots ?? []
    this.slots = []
    this.failAll(new SluiceError('RUN_ABORTED', 'the page workers were stopped'))
    await Promise.all(slots.map((s) => s.port.terminate()))
  }

  /** The least busy worker that works, with the current schema (so that it can encode pages as they come). */
  private pick(): Slot {
    if (this.closed) throw new SluiceError('RUN_ABORTED', 'the page workers were stopped')
    this.slots ??= Array.from({ length: this.size }, () => this.start())
    let best: Slot | undefined
    for (const s of this.slots) if (!s.failure && (!best || s.busy < best.busy)) best = s
    if (!best) throw this.slots[0]!.failure!
    this.syncSchema(best)
    return best
  }

  private start(): Slot {
    const port = this.workers.spawn()
    const slot: Slot = { port, busy: 0, schemaVersion: 0, columns: new Map(), spare: [] }
    port.onMessage((m) => {
      const reply = m as PageReply
      // in message order: a table's columns are left out when the worker sent them before
      const tables =
        reply.t === 'encoded'
          ? reply.tables
          : reply.t === 'parsed'
            ? reply.encoded
            : reply.t === 'fetched'
              ? reply.page?.encoded
              : undefined
      for (const t of tables ?? []) {
        if (t.columns) slot.columns.set(t.table, t.columns)
        else t.columns = slot.columns.get(t.table) ?? []
      }
      const w = this.waiting.get(reply.id)
      if (!w) return
      this.waiting.delete(reply.id)
      w.slot.busy--
      w.resolve(reply)
    })
    port.onError((error) => {
      if (this.closed || slot.failure) return
      slot.failure = new SluiceError('PAGE_WORKER_FAILED', `a page worker stopped: ${error.message}`, {
        cause: error,
        hint: 'run again; if it happens again, run without page workers (--page-workers 0) and report it',
      })
      for (const [id, w] of this.waiting) {
        if (w.slot !== slot) continue
        this.waiting.delete(id)
        w.reject(slot.failure)
      }
    })
    return slot
  }

  private send(
    slot: Slot,
    id: number,
    message: PageRequest,
    transfer: ArrayBuffer[],
    signal?: AbortSignal,
  ): Promise<PageReply> {
    if (slot.failure) return Promise.reject(slot.failure)
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.waiting.delete(id)) return
        slot.busy--
        slot.port.post({ t: 'abort', id }, [])
        reject(signal!.reason)
      }
      const done = (): void => signal?.removeEventListener('abort', onAbort)
      this.waiting.set(id, {
        slot,
        resolve: (reply) => {
          done()
          resolve(reply)
        },
        reject: (error) => {
          done()
          reject(error)
        },
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      slot.busy++
      if (slot.spare.length > 0 && message.t !== 'schema' && message.t !== 'abort') {
        message.buffers = slot.spare
        transfer = [...transfer, ...slot.spare]
        slot.spare = []
      }
      slot.port.post(message, transfer)
    })
  }

  private failAll(error: unknown): void {
    for (const w of this.waiting.values()) w.reject(error)
    this.waiting.clear()
  }
}
