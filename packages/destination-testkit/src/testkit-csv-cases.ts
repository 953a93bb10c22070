import type { Column, JobFileFormat } from '@sluice/core/destination'
import { createJobWriter } from '@sluice/core/destination'
import { nodeFileSystem } from '@sluice/core/node'

/** One column per data type, for {@link TRICKY_ROWS}. */
export const TRICKY_COLUMNS: readonly Column[] = [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
  { name: 'big', dataType: 'bigint' },
  { name: 'ratio', dataType: 'double' },
  { name: 'ok', dataType: 'bool' },
  { name: 'at', dataType: 'timestamp' },
  { name: 'day', dataType: 'date' },
  { name: 'clock', dataType: 'time' },
  { name: 'price', dataType: 'decimal', precision: 38, scale: 9 },
  { name: 'doc', dataType: 'json' },
  { name: 'raw', dataType: 'binary' },
]

/** 3 MB of UTF-8 in one value (row 9): over DuckDB `read_csv`'s default `max_line_size`. */
export const TRICKY_LONG_TEXT: string = `${'ü'.repeat(1_500_000)}end`

/**
 * Rows (ids 1-11, in {@link TRICKY_COLUMNS}) whose values break naive csv, COPY or JSON handling: quoted
 * newlines and quotes, COPY escapes, `''` vs NULL, the end-of-data marker `\.`, the texts "null"/"NULL",
 * bigints beyond 2^53, extreme doubles, offsets in timestamps, JSON strings vs JSON text, a 3 MB value.
 */
export const TRICKY_ROWS: readonly Record<string, unknown>[] = [
  {
    id: 1,
    name: 'a\nb\r\nc, "quoted" , \\N back\\slash',
    big: '9007199254740993',
    ratio: 1e21,
    ok: true,
    at: '2024-03-01T10:11:12.123456Z',
    day: '2024-03-01',
    clock: '08:30:00.5',
    price: '12345678901234567890.123456789',
    doc: { a: [1, 2.5, null], b: 'x,"y"\n', c: {} },
    raw: 'AQL/',
  },
  {
    id: 2,
    name: '',
    big: '-9007199254740993',
    ratio: -0.000001,
    ok: false,
    at: '2024-03-01T10:11:12+02:00',
    day: '1970-01-01',
    clock: '23:59:59',
    price: '-0.000000001',
    doc: 'a string',
    raw: '',
  },
  { id: 3, name: null, big: null, ratio: null, ok: null, at: null, doc: null, raw: null },
  { id: 4, name: '\\.', doc: '' },
  { id: 5, name: 'üñíçødé 😀 \t tab', doc: [1, 'two', [3]] },
  { id: 6, name: 'null', doc: 42 },
  { id: 7, name: 'NULL', doc: true },
  { id: 8, name: '"', doc: null },
  { id: 9, name: TRICKY_LONG_TEXT, doc: { long: 'x'.repeat(100) } },
  { id: 10, name: ' leading and trailing ', ratio: 5e-324, doc: 'null' },
  { id: 11, name: ',', ratio: 1.7976931348623157e308, doc: '"' },
]

let files = 0

/**
 * Writes rows into exactly one job file in `dir` with core's job writer, as the pipeline does (csv with its
 * header, or jsonl), and returns its path. Default columns {@link TRICKY_COLUMNS}.
 */
export async function writeJobFile(
  dir: string,
  format: JobFileFormat,
  rows: readonly Record<string, unknown>[],
  columns: readonly Column[] = TRICKY_COLUMNS,
): Promise<string> {
  const writer = createJobWriter({
    fs: nodeFileSystem(),
    dir,
    table: `t${++files}`,
    format,
    columns: () => columns,
    fileMaxBytes: 2 ** 40,
  })
  await writer.write(rows)
  const written = await writer.close()
  if (written.length !== 1) throw new Error(`expected one job file, the writer made ${written.length}`)
  return written[0]!.file
}
