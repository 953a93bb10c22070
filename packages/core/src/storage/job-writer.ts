import { type CsvColumn, type CsvRowEncoder, csvField, type TextCleaning } from '../job-files/csv-encoder.ts'
import { csvRowEncoder } from '../job-files/csv-row-encoder.ts'
import { type EncodedRows, type JobFileFormat, jsonLine } from '../job-files/encoded-rows.ts'
import type { NormalizedRow } from '../normalize/normalize-types.ts'
import { type Checksum, createChecksum } from './checksum.ts'
import { checkFileName } from './file-names.ts'
import type { FileSystem, FileWriter } from './file-system.ts'

/** Default size at which a job file is closed and the next one started: 64 MiB. */
export const DEFAULT_FILE_MAX_BYTES: number = 64 * 1024 * 1024

const FLUSH_CHARS = 32 * 1024

/** A finished (closed) job file. */
export interface JobFile {
  /** `<table>.<fileId>.<ext>`, unique within a package. */
  jobId: string
  table: string
  /** Absolute path. */
  file: string
  format: JobFileFormat
  rows: number
  bytes: number
  /**
   * Checksum of the file's bytes, computed as they were written: the file system's CRC-32 where it has one
   * (`FileSystem.crc32`), else XXH32 (`createChecksum`).
   */
  checksum: string
}

/** Options of {@link createJobWriter}. */
export interface JobWriterOptions {
  fs: FileSystem
  /** Directory the files go to (created when missing). */
  dir: string
  /** Normalized table name; the file name prefix. */
  table: string
  format: JobFileFormat
  /** Files rotate once they reach this size. Default {@link DEFAULT_FILE_MAX_BYTES}. */
  fileMaxBytes?: number
  /**
   * The first file rotates at this size (at most `fileMaxBytes`), every later one at `fileMaxBytes`. Where files
   * are loaded as they close, a smaller first file is loaded while the rest is still written. Default
   * `fileMaxBytes`.
   */
  firstFileMaxBytes?: number
  /** Returns the next file id for this table (unique within the package). Default: 1, 2, 3 ... per writer. */
  nextFileId?: () => number
  /**
   * csv: the table's current columns in order (the header). When they grow, the writer starts a new file with
   * the new header. Columns typed `json` are written as JSON text (so a JSON string value `"abc"` stays
   * distinguishable from text). Default: the keys of the first row of each file.
   */
  columns?: () => readonly CsvColumn[]
  /** Called with each file once it is closed (on rotation and on `close`), e.g. to load it at once. */
  onFileClosed?: (file: JobFile) => void
  /** Remove U+0000 from text and JSON values, counted here (`ValueLimits.textNul: false`). Default: keep it. */
  cleaning?: TextCleaning
}

/** Writes normalized rows of one table to rotating job files. */
export interface JobWriter {
  readonly table: string
  /** Appends rows; resolves once they are encoded into the open file's buffers, which are written out as they fill (backpressure: await it). */
  write(rows: readonly NormalizedRow[]): Promise<void>
  /**
   * Appends rows a page worker encoded, and resolves once their bytes are written (the caller may reuse them
   * then). csv: when their columns differ from the open file's header (the worker had an older schema), the file
   * is closed and the next one gets their header.
   */
  writeEncoded(chunk: EncodedRows): Promise<void>
  /** Closes the current file and returns every file written, in order. */
  close(): Promise<JobFile[]>
  /** Closes and deletes every file written. */
  discard(): Promise<void>
  /** Rows written so far. */
  readonly rows: number
}

/** Bytes encoded per file before they are written out (two such buffers per open file). */
const WRITE_BYTES = 512 * 1024

interface CsvHeader {
  names: readonly string[]
  encode: CsvRowEncoder
}

function csvHeader(columns: readonly CsvColumn[], cleaning: TextCleaning | undefined): CsvHeader {
  return {
    names: columns.map((c) => (typeof c === 'string' ? c : c.name)),
    encode: csvRowEncoder(columns, true, cleaning),
  }
}

const encoder = new TextEncoder()

function sameNames(names: readonly string[], columns: readonly CsvColumn[]): boolean {
  if (names.length !== columns.length) return false
  for (let i = 0; i < names.length; i++) {
    const c = columns[i]!
    if (names[i] !== (typeof c === 'string' ? c : c.name)) return false
  }
  return true
}

interface OpenFile {
  writer: FileWriter
  file: JobFile
  /** Checksum of the bytes handed to the writer so far. */
  hash: Checksum
  header: CsvHeader
  /** Bytes encoded into this file so far (rotation counts these). */
  queued: number
  inFlight: Promise<void>
  /** Two buffers: one is being written while the next chunk is encoded into the other. */
  buffers: Uint8Array[]
  active: number
  used: number
}

function activeBuffer(c: OpenFile): Uint8Array {
  c.buffers[c.active] ??= new Uint8Array(WRITE_BYTES)
  return c.buffers[c.active]!
}

/** Issues the write of the active buffer (after the previous write finished) and switches buffers. */
async function writeOut(c: OpenFile): Promise<void> {
  if (c.used === 0) return
  await c.inFlight
  const bytes = c.buffers[c.active]!.subarray(0, c.used)
  c.hash.update(bytes)
  c.inFlight = c.writer.write(bytes)
  c.inFlight.catch(() => undefined)
  c.active ^= 1
  c.used = 0
}

/** Writes bytes longer than a buffer (a huge row) on their own, once the active buffer was written out. */
async function writeAlone(c: OpenFile, data: Uint8Array): Promise<void> {
  await c.inFlight
  c.hash.update(data)
  c.inFlight = c.writer.write(data)
  c.inFlight.catch(() => undefined)
  c.queued += data.length
}

/** Encodes text into the active buffer, writing it out first when the text might not fit. */
async function append(c: OpenFile, text: string): Promise<void> {
  if (c.used + text.length * 3 > WRITE_BYTES) await writeOut(c)
  if (text.length * 3 > WRITE_BYTES) return writeAlone(c, encoder.encode(text))
  const { written } = encoder.encodeInto(text, activeBuffer(c).subarray(c.used))
  c.used += written
  c.queued += written
}

/**
 * Appends a csv row that did not fit in the rest of the active buffer: in the next one, or on its own (a row
 * longer than a buffer, or of a table so wide that the encoder's reserve exceeds one).
 */
async function appendLongRow(c: OpenFile, row: NormalizedRow): Promise<void> {
  await writeOut(c)
  const end = c.header.encode(row, activeBuffer(c), 0)
  if (end >= 0) {
    c.used = end
    c.queued += end
    return
  }
  for (let size = 2 * WRITE_BYTES; ; size *= 2) {
    const data = new Uint8Array(size)
    const n = c.header.encode(row, data, 0)
    if (n >= 0) return writeAlone(c, data.subarray(0, n))
  }
}

/**
 * A writer for one table's job files: `jsonl` (one JSON object per line) or `csv` (header line, PostgreSQL
 * COPY-compatible quoting). Files are named `<table>.<fileId>.<ext>` and rotate at `fileMaxBytes` (UTF-8
 * bytes; the first one at `firstFileMaxBytes`); memory holds at most two 512 KiB buffers of encoded rows per open file beyond the rows passed in.
 */
export function createJobWriter(options: JobWriterOptions): JobWriter {
  const { fs, dir, table, format } = options
  checkFileName('table name', table) // it names the files
  const fileMaxBytes = options.fileMaxBytes ?? DEFAULT_FILE_MAX_BYTES
  // the rotation size of the open file
  let maxBytes = Math.min(options.firstFileMaxBytes ?? fileMaxBytes, fileMaxBytes)
  let counter = 0
  const nextFileId = options.nextFileId ?? (() => ++counter)
  const files: JobFile[] = []
  let current: OpenFile | undefined
  let totalRows = 0

  async function open(columns: () => readonly CsvColumn[]): Promise<void> {
    const jobId = `${table}.${nextFileId()}.${format}`
    const file = fs.join(dir, jobId)
    const writer = await fs.openWriter(file)
    const header = csvHeader(format === 'csv' ? columns() : [], options.cleaning)
    const c: OpenFile = {
      writer,
      header,
      queued: 0,
      inFlight: Promise.resolve(),
      file: { jobId, table, file, format, rows: 0, bytes: 0, checksum: '' },
      hash: fs.crc32?.() ?? createChecksum(),
      buffers: [],
      active: 0,
      used: 0,
    }
    current = c
    if (format === 'csv') await append(c, header.names.map(csvField).join(',') + '\n')
  }

  /** Closes of finished files still flushing them to disk (awaited by `close`, not by the rows' writes). */
  const closing: Promise<void>[] = []

  async function finish(notify = true): Promise<void> {
    if (!current) return
    const c = current
    current = undefined
    maxBytes = fileMaxBytes
    await writeOut(c)
    await c.inFlight
    c.file.bytes = c.writer.bytes
    c.file.checksum = c.hash.digest()
    // every byte is written: readers may start, while the file is flushed to disk in the background
    const closed = c.writer.close()
    closed.catch(() => undefined)
    closing.push(closed)
    files.push(c.file)
    if (notify) options.onFileClosed?.(c.file)
  }

  /** Waits until every finished file is closed (and durable); throws the first failure. */
  async function closeAll(): Promise<void> {
    const all = closing.splice(0)
    const results = await Promise.allSettled(all)
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  }

  return {
    table,
    get rows() {
      return totalRows
    },
    async write(rows) {
      if (rows.length === 0) return
      if (
        current &&
        format === 'csv' &&
        options.columns &&
        options.columns().length !== current.header.names.length
      ) {
        await finish()
      }
      if (format === 'csv') {
        for (const row of rows) {
          if (!current) await open(() => options.columns?.() ?? Object.keys(row))
          const c = current!
          const at = c.used
          const end = c.header.encode(row, activeBuffer(c), at)
          if (end >= 0) {
            c.used = end
            c.queued += end - at
          } else {
            await appendLongRow(c, row)
          }
          c.file.rows++
          totalRows++
          if (c.queued >= maxBytes) await finish()
        }
        return
      }
      // jsonl: lines are joined per chunk of 32K characters: a flat string encodes far faster than a rope of
      // small pieces, and a string this small stays out of V8's large-object space.
      let lines: string[] = []
      let chars = 0
      const flush = async (): Promise<void> => {
        if (!current || lines.length === 0) return
        const c = current
        const text = lines.join('')
        const buffered = lines.length
        lines = []
        chars = 0
        await append(c, text)
        c.file.rows += buffered
        totalRows += buffered
        if (c.queued >= maxBytes) await finish()
      }
      for (const row of rows) {
        if (!current) await open(() => options.columns?.() ?? Object.keys(row))
        const line = jsonLine(row, options.cleaning) + '\n'
        lines.push(line)
        chars += line.length
        if (chars >= FLUSH_CHARS || current!.queued + chars >= maxBytes) await flush()
      }
      await flush()
    },
    async writeEncoded(chunk) {
      if (chunk.rows === 0) return
      if (current && format === 'csv' && !sameNames(current.header.names, chunk.columns)) await finish()
      if (!current) await open(() => chunk.columns)
      const c = current!
      await writeOut(c)
      await writeAlone(c, chunk.bytes)
      c.file.rows += chunk.rows
      totalRows += chunk.rows
      await c.inFlight
      if (c.queued >= maxBytes) await finish()
    },
    async close() {
      await finish()
      await closeAll()
      return [...files]
    },
    async discard() {
      await finish(false)
      await closeAll().catch(() => undefined)
      for (const f of files) await fs.remove(f.file)
      files.length = 0
    },
  }
}
