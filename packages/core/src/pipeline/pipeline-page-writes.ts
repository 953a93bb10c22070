import {
  BufferPool,
  EncoderCache,
  encodeFlatRows,
  type JobFileFormat,
  keepRows,
  TableCleaning,
} from '../job-files/encoded-rows.ts'
import { type IdWriter, NOT_THIS_SHAPE } from '../job-files/flat-csv-encoder.ts'
import type { NormalizedRow, Normalizer, ValueLimits, ValueNote } from '../normalize/normalize-types.ts'
import { createOrderedIdWriter, createRandomIdWriter, putOrderedPositions } from '../normalize/row-ids.ts'
import { ValueNotes } from '../normalize/value-notes.ts'
import { pageRows } from '../page-workers/page-parse.ts'
import { isRemotePage, type PagePool } from '../page-workers/page-pool.ts'
import type { EncodedTable } from '../page-workers/page-protocol.ts'
import type { ParsedPage } from '../page-workers/page-types.ts'
import type { SchemaChange } from '../schema/schema-types.ts'
import type { FileSystem } from '../storage/file-system.ts'
import { createJobWriter, type JobFile, type JobWriter } from '../storage/job-writer.ts'

/** What {@link PageWrites} needs from the extract pass. */
export interface PageWritesOptions {
  resource: string
  loadId: string
  fs: FileSystem
  dir: string
  format: JobFileFormat
  fileMaxBytes?: number
  /** The first job file's rotation size of each table (see `JobWriterOptions`). */
  firstFileMaxBytes?: number
  normalizer: Normalizer
  /** The next file id of a table (unique within the package). */
  nextFileId(table: string): () => number
  onFileClosed(file: JobFile): void
  /** Collects the schema changes of pages normalized here (and tells page workers). */
  onChanges(changes: readonly SchemaChange[]): void
  pool?: PagePool
  /** What the destination cannot store (job files lose U+0000 where `textNul` is false). */
  values?: ValueLimits
}

/**
 * Turns one resource's pages into job files, in page order: pages parsed here are normalized here; pages on
 * page workers are normalized there while the next pages arrive, and their encoded rows are written in turn
 * (or, when they would change the schema, normalized here after all). Every page gets the position of its first
 * row in the resource's extraction order (for the ordered ids of merge tables, see `Normalizer.orderedIds`).
 */
export class PageWrites {
  private readonly writers = new Map<string, JobWriter>()
  /** Rows written per table. */
  readonly tableRows: Map<string, number> = new Map()
  /** Rows of the resource's pages (after a source's selection). */
  rows: number = 0
  /** Milliseconds spent normalizing and writing on this thread. */
  ms: number = 0
  private queue: Promise<void>[] = []
  /** U+0000 removed per table, when the destination cannot store it. */
  private readonly cleaning: TableCleaning | undefined
  /** For pages of flat rows written here (see {@link hereFlat}). */
  private readonly encoders: EncoderCache
  private readonly buffers = new BufferPool()
  private readonly putId = createRandomIdWriter()
  private readonly putOrderedId = createOrderedIdWriter()
  private readonly valueNotes = new ValueNotes()
  /** The extraction position of the next page's first row. */
  private order = 0
  private sizeHint = 64 * 1024
  private tail: Promise<void> = Promise.resolve()
  private readonly ahead: number

  constructor(private readonly o: PageWritesOptions) {
    this.ahead = 4 * (o.pool?.size ?? 1)
    const cleaning = o.values?.textNul === false ? new TableCleaning() : undefined
    this.cleaning = cleaning
    this.encoders = new EncoderCache(cleaning ? (table) => cleaning.of(table) : undefined)
  }

  /** What the resource's pages changed or moved so that they load (and U+0000 removed); once, after `close`. */
  notes(): ValueNote[] {
    for (const [table, count] of this.cleaning?.take() ?? [])
      this.valueNotes.add(table, '', 'nul-removed', count)
    return this.valueNotes.take()
  }

  /** Takes the next page; resolves once few enough pages wait to be written (backpressure: await it). */
  async add(page: readonly object[] | ParsedPage): Promise<void> {
    const order = this.order
    if (!isRemotePage(page)) {
      const rows = pageRows(page)
      this.order += rows.length
      await this.drain()
      await this.here(rows, order)
      return
    }
    this.order += page.size
    const encoded = page.encoded
    const reply = encoded ? undefined : page.pool.normalize(page, order)
    reply?.catch(() => undefined)
    const p = this.tail.then(async () => {
      const t0 = performance.now()
      if (encoded) {
        this.valueNotes.addAll(page.notes)
        for (const t of encoded)
          if (t.orderedIdsAt) putOrderedPositions(t.bytes, t.orderedIdsAt, page.keep, order)
        await this.writeEncoded(encoded, page.keep)
        page.pool.recycle(page, encoded)
      } else {
        const r = (await reply)!
        if (r.t === 'back') return this.here(r.rows, order)
        this.valueNotes.addAll(r.notes)
        await this.writeEncoded(r.tables, undefined)
        page.pool.recycle(page, r.tables)
      }
      this.ms += performance.now() - t0
    })
    p.catch(() => undefined)
    this.tail = p
    this.queue.push(p)
    while (this.queue.length > this.ahead) await this.queue.shift()
  }

  /** Writes a page's encoded tables, without the rows (and child rows) of root rows `keep` drops. */
  private async writeEncoded(tables: readonly EncodedTable[], keep: Uint8Array | undefined): Promise<void> {
    const narrow = keep !== undefined && !keep.every((k) => k === 1)
    let rows = 0
    for (const [i, t] of tables.entries()) {
      const chunk =
        narrow && t.ends ? { ...t, ...keepRows(t.bytes, { ends: t.ends, roots: t.roots }, keep) } : t
      if (i === 0) rows = chunk.rows
      if (chunk.rows === 0) continue
      await this.writer(t.table).writeEncoded({
        columns: t.columns ?? [],
        bytes: chunk.bytes,
        rows: chunk.rows,
      })
      this.tableRows.set(t.table, (this.tableRows.get(t.table) ?? 0) + chunk.rows)
    }
    this.rows += rows
  }

  /** Waits for every page taken to be written; throws the first failure. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift()
  }

  /** Closes every file; the pages taken must be drained. */
  async close(): Promise<void> {
    await this.drain()
    for (const writer of this.writers.values()) await writer.close()
  }

  /** Waits for writes under way (ignoring failures), then deletes every file written. */
  async discard(): Promise<void> {
    await this.tail.catch(() => undefined)
    this.queue = []
    for (const writer of this.writers.values()) await writer.discard()
  }

  private async here(rows: readonly object[], order: number): Promise<void> {
    const t0 = performance.now()
    if (await this.hereFlat(rows, order)) {
      this.ms += performance.now() - t0
      return
    }
    const normalized = this.o.normalizer.normalizePage(this.o.resource, rows, this.o.loadId, order)
    if (normalized.changes.length > 0) this.o.onChanges(normalized.changes)
    this.valueNotes.addAll(normalized.notes)
    for (const [table, tableRowsOfPage] of normalized.tables) {
      if (tableRowsOfPage.length === 0) continue
      await this.writer(table).write(tableRowsOfPage)
      this.tableRows.set(table, (this.tableRows.get(table) ?? 0) + tableRowsOfPage.length)
    }
    this.rows += rows.length
    this.ms += performance.now() - t0
  }

  /**
   * Writes a page whose rows need no child table straight as csv (see `encodeFlatRows`): rows of the root
   * table's compiled flat shapes without normalized rows, any other row normalized alone. False when a row has
   * child rows or changes the schema: nothing is written then, and the page is normalized as a whole (the
   * changes found on the way are reported first).
   */
  private async hereFlat(rows: readonly object[], order: number): Promise<boolean> {
    const { normalizer: n, resource, loadId } = this.o
    const shapes = this.o.format === 'csv' ? n.flatShapes?.(resource) : undefined
    const columns = shapes && n.schema.tables[shapes.table]?.columns
    if (!shapes || !columns || rows.length === 0) return false
    const table = shapes.table
    const fns = []
    for (const keys of shapes.keys) {
      const fn = this.encoders.flatShape(table, keys, columns, shapes.maxTextChars)
      if (!fn) return false
      fns.push(fn)
    }
    const encodeRow = this.encoders.get(table, columns)
    const changes: SchemaChange[] = []
    const notes = new ValueNotes()
    let dropped = 0
    let last: { row: object; normalized: NormalizedRow | undefined } | undefined
    const other = (row: object, out: Uint8Array, p: number, i: number): number => {
      if (last?.row !== row) {
        const page = n.normalizePage(resource, [row], loadId, order + i)
        changes.push(...page.changes)
        notes.addAll(page.notes)
        const children = [...page.tables].some(([t, r]) => t !== table && r.length > 0)
        if (page.changes.length > 0 || children) return NOT_THIS_SHAPE
        last = { row, normalized: page.tables.get(table)?.[0] }
        // a discard_row contract dropped it
        if (!last.normalized) dropped++
      }
      return last.normalized ? encodeRow(last.normalized, out, p) : p
    }
    const start = this.buffers.take(this.sizeHint)
    const ordered = this.putOrderedId
    const putId: IdWriter = shapes.orderedIds ? (out, p, i) => ordered(out, p, order + i) : this.putId
    const cleaning = this.cleaning?.of(table)
    const removed = cleaning?.nulRemoved ?? 0
    let bytes: Uint8Array | undefined
    try {
      bytes = encodeFlatRows(fns, rows, loadId, putId, start, new Uint32Array(rows.length), other)
    } finally {
      if (changes.length > 0) this.o.onChanges(changes)
    }
    const taken = notes.take()
    if (!bytes) {
      this.buffers.give([start.buffer as ArrayBuffer])
      // the page is normalized and written again as a whole: only the renames (made once) count from this try
      this.valueNotes.addAll(taken.filter((note) => note.kind === 'renamed-key'))
      if (cleaning) cleaning.nulRemoved = removed
      return false
    }
    this.valueNotes.addAll(taken)
    this.sizeHint = Math.ceil(bytes.length * 1.1)
    const written = rows.length - dropped
    await this.writer(table).writeEncoded({ columns, bytes, rows: written })
    this.buffers.give([bytes.buffer as ArrayBuffer])
    this.tableRows.set(table, (this.tableRows.get(table) ?? 0) + written)
    this.rows += rows.length
    return true
  }

  private writer(table: string): JobWriter {
    let writer = this.writers.get(table)
    if (!writer) {
      const { normalizer } = this.o
      writer = createJobWriter({
        fs: this.o.fs,
        dir: this.o.dir,
        table,
        format: this.o.format,
        nextFileId: this.o.nextFileId(table),
        columns: () => normalizer.schema.tables[table]?.columns ?? [],
        onFileClosed: (f) => this.o.onFileClosed(f),
        ...(this.cleaning ? { cleaning: this.cleaning.of(table) } : {}),
        ...(this.o.fileMaxBytes !== undefined ? { fileMaxBytes: this.o.fileMaxBytes } : {}),
        ...(this.o.firstFileMaxBytes !== undefined ? { firstFileMaxBytes: this.o.firstFileMaxBytes } : {}),
      })
      this.writers.set(table, writer)
    }
    return writer
  }
}
