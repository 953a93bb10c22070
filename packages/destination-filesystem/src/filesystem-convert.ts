import { createReadStream, createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import type { Column, FileFormat, Table } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'
import { writeParquetFromCsv, writeParquetWithDuckdb } from './filesystem-duckdb-parquet.ts'
import { parquetSchema } from './filesystem-parquet.ts'
import { csvText, parquetValue, valueError } from './filesystem-values.ts'

/** Rows per parquet row group (and per conversion batch: bounds memory). */
const PARQUET_BATCH = 20_000

/** True when the file starts with the gzip magic bytes. */
export async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r')
  try {
    const buf = new Uint8Array(2)
    const { bytesRead } = await fh.read(buf, 0, 2, 0)
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b
  } finally {
    await fh.close()
  }
}

/** The job file's bytes, gunzipped when it is gzip-compressed. */
async function openJob(file: string): Promise<Readable> {
  const raw = createReadStream(file)
  if (!(await isGzip(file))) return raw
  const gunzip = createGunzip()
  raw.on('error', (e) => gunzip.destroy(e))
  return raw.pipe(gunzip)
}

/** Parsed rows of a jsonl job file, a chunk at a time; `lines[i]` is the 1-based line of `rows[i]`. */
async function* jsonlBatches(
  file: string,
): AsyncGenerator<{ rows: Record<string, unknown>[]; lines: number[] }> {
  const decoder = new TextDecoder()
  let rest = ''
  let n = 0
  const parse = (text: string, rows: Record<string, unknown>[], lines: number[]): void => {
    n++
    if (text.trim() === '') return
    try {
      rows.push(JSON.parse(text) as Record<string, unknown>)
      lines.push(n)
    } catch (cause) {
      throw new SluiceError('FILESYSTEM_BAD_JOB', `[filesystem] line ${n} of ${file} is not valid JSON`, {
        cause,
      })
    }
  }
  for await (const chunk of await openJob(file)) {
    const text = rest + decoder.decode(chunk as Uint8Array, { stream: true })
    const rows: Record<string, unknown>[] = []
    const lines: number[] = []
    let start = 0
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      parse(text.slice(start, nl), rows, lines)
      start = nl + 1
    }
    rest = text.slice(start)
    if (rows.length > 0) yield { rows, lines }
  }
  rest += decoder.decode()
  if (rest.trim() !== '') {
    const rows: Record<string, unknown>[] = []
    const lines: number[] = []
    parse(rest, rows, lines)
    yield { rows, lines }
  }
}

/** Checks that every key of a row is a column of the table (data must not vanish silently). */
function checkKeys(
  row: Record<string, unknown>,
  names: ReadonlySet<string>,
  table: Table,
  line: number,
  file: string,
) {
  for (const k in row) {
    if (!names.has(k)) {
      throw new SluiceError(
        'FILESYSTEM_UNKNOWN_COLUMN',
        `[filesystem] line ${line} of ${file} has the column ${JSON.stringify(k)} that table ${table.name} does not have`,
        {
          hint: 'the job file does not match the table schema; this is a bug in the producer, please report it',
        },
      )
    }
  }
}

/**
 * Checks a jsonl job file before it is published as is: every line is a JSON object whose keys are
 * columns of the table. Returns the row count.
 */
export async function checkJsonl(input: string, table: Table): Promise<number> {
  const names = new Set(table.columns.map((c) => c.name))
  let count = 0
  for await (const batch of jsonlBatches(input)) {
    for (let i = 0; i < batch.rows.length; i++) {
      const row = batch.rows[i] as Record<string, unknown>
      const line = batch.lines[i] as number
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new SluiceError(
          'FILESYSTEM_BAD_JOB',
          `[filesystem] line ${line} of ${input} is not a JSON object`,
        )
      }
      checkKeys(row, names, table, line, input)
      count++
    }
  }
  return count
}

/** Writes a jsonl job file (plain or gzip) as plain or gzip-compressed jsonl (the same lines). */
export async function writeJsonl(input: string, output: string, gzip: boolean): Promise<void> {
  const source = await openJob(input)
  await (gzip
    ? pipeline(source, createGzip(), createWriteStream(output))
    : pipeline(source, createWriteStream(output)))
}

const needsQuotes = /[",\r\n]|^\s|\s$/

function csvField(text: string | undefined): string {
  if (text === undefined) return ''
  if (text === '' || needsQuotes.test(text)) return `"${text.replaceAll('"', '""')}"`
  return text
}

/**
 * Writes a jsonl job file as CSV (RFC 4180): a header with the table's columns in schema order, `,`
 * separated, `"` quoted when needed; null is an empty unquoted field and the empty string is `""`;
 * json values are JSON text, binary base64, timestamps ISO 8601 UTC.
 */
export async function writeCsv(input: string, output: string, table: Table, gzip: boolean): Promise<number> {
  const columns = table.columns
  const names = new Set(columns.map((c) => c.name))
  let rows = 0
  async function* lines(): AsyncGenerator<string> {
    yield `${columns.map((c) => csvField(c.name)).join(',')}\n`
    for await (const chunk of jsonlBatches(input)) {
      let batch = ''
      for (let r = 0; r < chunk.rows.length; r++) {
        const row = chunk.rows[r] as Record<string, unknown>
        checkKeys(row, names, table, chunk.lines[r] as number, input)
        let text = ''
        for (let i = 0; i < columns.length; i++) {
          const c = columns[i] as Column
          if (i > 0) text += ','
          text += csvField(csvText(row[c.name], c))
        }
        batch += `${text}\n`
        rows++
      }
      yield batch
    }
  }
  const source = Readable.from(lines())
  await (gzip
    ? pipeline(source, createGzip(), createWriteStream(output))
    : pipeline(source, createWriteStream(output)))
  return rows
}

/**
 * Writes a jsonl or csv (`.csv`, DuckDB only: see `writeParquetFromCsv`) job file as parquet with the table's
 * columns (see `parquetElement` for the type mapping): jsonl with
 * DuckDB where `@duckdb/node-api` is installed (see `writeParquetWithDuckdb`), else, or for a file DuckDB leaves
 * to it, with the JavaScript writer (`hyparquet-writer`).
 */
export async function writeParquet(input: string, output: string, table: Table): Promise<number> {
  if (input.endsWith('.csv')) return writeParquetFromCsv(input, output, table)
  const written = await writeParquetWithDuckdb(input, output, table, await isGzip(input))
  return written ?? writeParquetInJavaScript(input, output, table)
}

/** {@link writeParquet} with `hyparquet-writer`, row by row (checks every key and value, names the line). */
export async function writeParquetInJavaScript(input: string, output: string, table: Table): Promise<number> {
  const columns = table.columns
  const names = new Set(columns.map((c) => c.name))
  const writer = new ParquetWriter({
    writer: fileWriter(output),
    schema: parquetSchema(columns),
    createdBy: 'sluice',
  })
  let rows = 0
  let batch: unknown[][] = columns.map(() => [])
  let size = 0
  const flush = async (): Promise<void> => {
    if (size === 0) return
    await writer.write({
      columnData: columns.map((c, i) => ({ name: c.name, data: batch[i] as unknown[] })),
      rowGroupSize: size,
    })
    batch = columns.map(() => [])
    size = 0
  }
  for await (const chunk of jsonlBatches(input)) {
    for (let r = 0; r < chunk.rows.length; r++) {
      const row = chunk.rows[r] as Record<string, unknown>
      const line = chunk.lines[r] as number
      checkKeys(row, names, table, line, input)
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i] as Column
        try {
          ;(batch[i] as unknown[]).push(parquetValue(row[c.name], c))
        } catch (error) {
          throw valueError(error, table.name, c.name, line, input)
        }
      }
      rows++
      if (++size === PARQUET_BATCH) await flush()
    }
  }
  await flush()
  await writer.finish()
  return rows
}

/** The job formats {@link convertJob} reads. */
export const INPUT_FORMATS: readonly FileFormat[] = ['jsonl']
