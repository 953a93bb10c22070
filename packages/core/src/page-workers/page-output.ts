// What a page worker writes into and sends with the encoded rows of its pages.
import { BufferPool } from '../job-files/encoded-rows.ts'
import type { IdWriter } from '../job-files/flat-csv-encoder.ts'
import { createOrderedIdWriter, createRandomIdWriter } from '../normalize/row-ids.ts'
import type { EncodedTable } from './page-protocol.ts'

/**
 * A page worker's output: encode buffers (given back by the pool once written), the size the next page's rows
 * likely take, the id writers, and which columns the pool has had per table.
 */
export class PageOutput {
  readonly buffers: BufferPool = new BufferPool()
  /** Bytes to take for a page's rows: the last page's, and a tenth more. Default 64 KiB. */
  sizeHint: number = 64 * 1024
  /** Random ids (see `createRandomIdWriter`). */
  readonly putId: (out: Uint8Array, p: number) => number = createRandomIdWriter()
  /** Ordered ids (see `createOrderedIdWriter`). */
  readonly putOrderedId: (out: Uint8Array, p: number, order: number) => number = createOrderedIdWriter()
  /** Ordered ids whose position is not known yet: written with position 0 (see `EncodedTable.orderedIdsAt`). */
  readonly laterId: IdWriter = (out, p) => this.putOrderedId(out, p, 0)
  /** Columns sent per table (by count: columns only grow), so that a table's columns go to the pool once. */
  private readonly sentColumns = new Map<string, number>()

  /** A buffer for a page's rows. */
  take(): Uint8Array {
    return this.buffers.take(this.sizeHint)
  }

  /** Keeps `buffers` for later pages. */
  give(buffers: readonly ArrayBuffer[]): void {
    this.buffers.give(buffers)
  }

  /** Notes that a page's rows took `bytes` (for {@link sizeHint}). */
  wrote(bytes: number): void {
    this.sizeHint = Math.ceil(bytes * 1.1)
  }

  /** An encoded table, with its columns when the pool has not had these yet. */
  entry(
    table: string,
    columns: readonly { name: string; dataType: string }[],
    bytes: Uint8Array,
    ends: Uint32Array,
  ): EncodedTable {
    const out: EncodedTable = { table, bytes, rows: ends.length, ends }
    if (this.sentColumns.get(table) !== columns.length) {
      out.columns = columns.map((c) => ({ name: c.name, dataType: c.dataType }))
      this.sentColumns.set(table, columns.length)
    }
    return out
  }

  /** Sends the table's columns again with its next entry (the last one was not sent). */
  forget(table: string): void {
    this.sentColumns.delete(table)
  }
}
