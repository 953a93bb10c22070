import type { NormalizedRow } from '../normalize/normalize-types.ts'
import type { FileSystem, FileWriter } from './file-system.ts'

/** Formats core writes itself. */
export type JobFileFormat = 'jsonl' | 'csv'

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
}

/** A csv column: a name, or a schema column whose `dataType` decides the encoding. */
export type CsvColumn = string | { readonly name: string; readonly dataType?: string }

interface CsvHeader {
  names: readonly string[]
  json: readonly boolean[]
  types: readonly (string | undefined)[]
  line?: CsvLineFn
}

/** Writes normalized rows of one table to rotating job files. */
export interface JobWriter {
  readonly table: string
  /** Appends rows; resolves once they are encoded into the open file's buffers, which are written out as they fill (backpressure: await it). */
  write(rows: readonly NormalizedRow[]): Promise<void>
  /** Closes the current file and returns every file written, in order. */
  close(): Promise<JobFile[]>
  /** Closes and deletes every file written. */
  discard(): Promise<void>
  /** Rows written so far. */
  readonly rows: number
}

const CSV_SPECIAL = /[",\n\r]/

/** One CSV field in PostgreSQL COPY's CSV form: NULL is an unquoted empty field, `''` is `""`. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text: string
  switch (typeof value) {
    case 'string':
      text = value
      break
    case 'number':
    case 'bigint':
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    default:
      text = JSON.stringify(value)
  }
  return csvString(text)
}

function csvString(text: string): string {
  return text === '' || text === '\\.' || CSV_SPECIAL.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csvLine(row: NormalizedRow, header: CsvHeader): string {
  const { names, json } = header
  let line = ''
  for (let i = 0; i < names.length; i++) {
    if (i > 0) line += ','
    const value = row[names[i]!]
    line +=
      json[i] && value !== null && value !== undefined ? csvField(JSON.stringify(value)) : csvField(value)
  }
  return line + '\n'
}

type CsvLineFn = (row: NormalizedRow) => string

/**
 * A line function specialised to a header: one expression per column, picked by the column's type (numbers
 * and booleans skip the quoting check), with `csvField` for any value of another type. Same output as
 * `csvLine`; undefined where code cannot be generated (e.g. a CSP forbids `new Function`).
 */
function compileCsvLine(header: CsvHeader): CsvLineFn | undefined {
  const parts = header.names.map((name, i) => {
    const v = `r[${JSON.stringify(name)}]`
    // Array.prototype.join writes null and undefined as '' (CSV NULL) and numbers and booleans as String() does
    switch (header.types[i]) {
      case 'json':
        return `((x = ${v}) == null ? x : F(JSON.stringify(x)))`
      case 'bigint':
      case 'double':
        return `(typeof (x = ${v}) === 'number' || x == null ? x : F(x))`
      case 'bool':
        return `(typeof (x = ${v}) === 'boolean' || x == null ? x : F(x))`
      default:
        return `(typeof (x = ${v}) === 'string' ? S(x) : x == null ? x : F(x))`
    }
  })
  try {
    const factory = new Function(
      'S',
      'F',
      `'use strict'; return function csvRow(r) { let x; return [${parts.join(', ')}].join(',') + '\\n' }`,
    )
    return factory(csvString, csvField) as CsvLineFn
  } catch {
    return undefined
  }
}

function csvHeader(columns: readonly CsvColumn[]): CsvHeader {
  const header: CsvHeader = {
    names: columns.map((c) => (typeof c === 'string' ? c : c.name)),
    json: columns.map((c) => typeof c !== 'string' && c.dataType === 'json'),
    types: columns.map((c) => (typeof c === 'string' ? undefined : c.dataType)),
  }
  const compiled = compileCsvLine(header)
  header.line = compiled ?? ((row) => csvLine(row, header))
  return header
}

/** Bytes encoded per file before they are written out (two such buffers per open file). */
const WRITE_BYTES = 512 * 1024

const encoder = new TextEncoder()

interface OpenFile {
  writer: FileWriter
  file: JobFile
  header: CsvHeader
  /** Bytes encoded into this file so far (rotation counts these). */
  queued: number
  inFlight: Promise<void>
  /** Two buffers: one is being written while the next chunk is encoded into the other. */
  buffers: Uint8Array[]
  active: number
  used: number
}

/** Issues the write of the active buffer (after the previous write finished) and switches buffers. */
async function writeOut(c: OpenFile): Promise<void> {
  if (c.used === 0) return
  await c.inFlight
  c.inFlight = c.writer.write(c.buffers[c.active]!.subarray(0, c.used))
  c.inFlight.catch(() => undefined)
  c.active ^= 1
  c.used = 0
}

/** Encodes text into the active buffer, writing it out first when the text might not fit. */
async function append(c: OpenFile, text: string): Promise<void> {
  if (c.used + text.length * 3 > WRITE_BYTES) await writeOut(c)
  if (text.length * 3 > WRITE_BYTES) {
    // longer than a buffer (a huge row): encoded on its own, after what is queued
    const data = encoder.encode(text)
    await c.inFlight
    c.inFlight = c.writer.write(data)
    c.inFlight.catch(() => undefined)
    c.queued += data.length
    return
  }
  c.buffers[c.active] ??= new Uint8Array(WRITE_BYTES)
  const { written } = encoder.encodeInto(text, c.buffers[c.active]!.subarray(c.used))
  c.used += written
  c.queued += written
}

/**
 * A writer for one table's job files: `jsonl` (one JSON object per line) or `csv` (header line, PostgreSQL
 * COPY-compatible quoting). Files are named `<table>.<fileId>.<ext>` and rotate at `fileMaxBytes` (UTF-8
 * bytes); memory holds at most two 512 KiB buffers of encoded rows per open file beyond the rows passed in.
 */
export function createJobWriter(options: JobWriterOptions): JobWriter {
  const { fs, dir, table, format } = options
  const maxBytes = options.fileMaxBytes ?? DEFAULT_FILE_MAX_BYTES
  let counter = 0
  const nextFileId = options.nextFileId ?? (() => ++counter)
  const files: JobFile[] = []
  let current: OpenFile | undefined
  let totalRows = 0

  async function open(first: NormalizedRow): Promise<void> {
    const jobId = `${table}.${nextFileId()}.${format}`
    const file = fs.join(dir, jobId)
    const writer = await fs.openWriter(file)
    const header = csvHeader(format === 'csv' ? (options.columns?.() ?? Object.keys(first)) : [])
    const c: OpenFile = {
      writer,
      header,
      queued: 0,
      inFlight: Promise.resolve(),
      file: { jobId, table, file, format, rows: 0, bytes: 0 },
      buffers: [],
      active: 0,
      used: 0,
    }
    current = c
    if (format === 'csv') await append(c, header.names.map(csvField).join(',') + '\n')
  }

  async function finish(notify = true): Promise<void> {
    if (!current) return
    const c = current
    current = undefined
    await writeOut(c)
    await c.inFlight
    await c.writer.close()
    c.file.bytes = c.writer.bytes
    files.push(c.file)
    if (notify) options.onFileClosed?.(c.file)
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
      // Lines are joined per chunk of 32K characters: a flat string encodes far faster than a rope of small
      // pieces, and a string this small stays out of V8's large-object space.
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
        if (!current) await open(row)
        const c = current!
        const line = format === 'csv' ? c.header.line!(row) : JSON.stringify(row) + '\n'
        lines.push(line)
        chars += line.length
        if (chars >= FLUSH_CHARS || c.queued + chars >= maxBytes) await flush()
      }
      await flush()
    },
    async close() {
      await finish()
      return [...files]
    },
    async discard() {
      await finish(false)
      for (const f of files) await fs.remove(f.file)
      files.length = 0
    },
  }
}
