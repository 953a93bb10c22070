import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Column, JobFileFormat } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { TRICKY_COLUMNS, TRICKY_LONG_TEXT, TRICKY_ROWS, writeJobFile } from '@sluice/destination-testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DUCKDB_READ_BUFFER_SIZE,
  DUCKDB_RETRY_BUFFER_SIZE,
  longestLine,
  nextCsvAttempt,
  nextMaxLineSize,
  readCsvSql,
} from '../src/duckdb-csv.ts'
import { DuckDBClient, duckdbCapabilities } from '../src/index.ts'

const columns = TRICKY_COLUMNS
const rows = TRICKY_ROWS
const long = TRICKY_LONG_TEXT

let dir: string
let client: DuckDBClient

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-csv-'))
  client = await DuckDBClient.open({ path: ':memory:' })
})
afterAll(async () => {
  await client?.[Symbol.asyncDispose]()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const writeJob = (
  format: JobFileFormat,
  data: readonly Record<string, unknown>[],
  cols: readonly Column[] = columns,
): Promise<string> => writeJobFile(dir, format, data, cols)

async function createTable(name: string, cols: readonly Column[] = columns): Promise<void> {
  const defs = cols.map((c) => `${client.dialect.quoteIdentifier(c.name)} ${client.dialect.columnType(c)}`)
  await client.execute(`CREATE OR REPLACE TABLE ${name} (${defs.join(', ')})`)
}

function load(file: string, table: string, format: JobFileFormat, cols: readonly Column[] = columns) {
  return client.bulkLoad(
    { file, format, qualifiedTable: table, columns: cols, rows: 0 },
    new AbortController().signal,
  )
}

const readBack = (table: string) =>
  client.query(
    `SELECT id, name, big::VARCHAR AS big, ratio, ok, "at"::VARCHAR AS "at", "day"::VARCHAR AS "day",
       clock::VARCHAR AS clock, price::VARCHAR AS price, doc::VARCHAR AS doc, hex(raw) AS raw,
       name IS NULL AS name_null FROM ${table} ORDER BY id`,
  )

/** Loads `content` as `<name>.csv` into a new table `<name>` and returns the error it fails with. */
async function loadFailure(name: string, content: string): Promise<unknown> {
  const file = join(dir, `${name}.csv`)
  await writeFile(file, content)
  await createTable(name)
  return load(file, name, 'csv').catch((e: unknown) => e)
}

describe('duckdb csv job files', () => {
  it('puts csv first in its capabilities (core writes csv job files) and still lists jsonl', () => {
    expect(duckdbCapabilities.fileFormats).toEqual(['csv', 'jsonl'])
  })

  it('loads tricky values from csv exactly', async () => {
    const file = await writeJob('csv', rows)
    await createTable('from_csv')
    expect(await load(file, 'from_csv', 'csv')).toBe(rows.length)
    const got = await readBack('from_csv')
    expect(got[0]).toEqual({
      id: 1,
      name: 'a\nb\r\nc, "quoted" , \\N back\\slash',
      big: '9007199254740993',
      ratio: 1e21,
      ok: true,
      at: '2024-03-01 10:11:12.123456+00',
      day: '2024-03-01',
      clock: '08:30:00.5',
      price: '12345678901234567890.123456789',
      doc: '{"a":[1,2.5,null],"b":"x,\\"y\\"\\n","c":{}}',
      raw: '0102FF',
      name_null: false,
    })
    expect(got[1]).toMatchObject({
      name: '',
      big: '-9007199254740993',
      ratio: -0.000001,
      ok: false,
      at: '2024-03-01 08:11:12+00',
      day: '1970-01-01',
      price: '-0.000000001',
      doc: '"a string"',
      raw: '',
      name_null: false,
    })
    expect(got[2]).toMatchObject({ name: null, big: null, ratio: null, ok: null, doc: null, raw: null })
    expect(got[2]!['name_null']).toBe(true)
    expect(got.slice(3).map((r) => [r['name'], r['doc']])).toEqual([
      ['\\.', '""'],
      ['üñíçødé 😀 \t tab', '[1,"two",[3]]'],
      ['null', '42'],
      ['NULL', 'true'],
      ['"', null],
      [long, `{"long":"${'x'.repeat(100)}"}`],
      [' leading and trailing ', '"null"'],
      [',', '"\\""'],
    ])
    expect(got[9]!['ratio']).toBe(5e-324)
    expect(got[10]!['ratio']).toBe(1.7976931348623157e308)
  })

  it('loads the same rows from csv and from jsonl identically', async () => {
    const csv = await writeJob('csv', rows)
    const jsonl = await writeJob('jsonl', rows)
    await createTable('same_csv')
    await createTable('same_jsonl')
    await load(csv, 'same_csv', 'csv')
    await load(jsonl, 'same_jsonl', 'jsonl')
    expect(await readBack('same_csv')).toEqual(await readBack('same_jsonl'))
  })

  it('reads many rows with quoted newlines in parallel without losing or splitting rows', async () => {
    const cols: Column[] = [
      { name: 'id', dataType: 'bigint' },
      { name: 'text', dataType: 'text' },
      { name: 'doc', dataType: 'json' },
    ]
    const pieces = ['\n', '\r\n', ',', '"', '""', '\\.', '', 'ä', ' ', 'x', '\n"', '",\n']
    let seed = 1
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const data = Array.from({ length: Number(process.env['SLUICE_CSV_FUZZ_ROWS'] ?? 30_000) }, (_, id) => {
      let text = ''
      const n = Math.floor(random() * 12)
      for (let i = 0; i < n; i++) text += pieces[Math.floor(random() * pieces.length)]
      if (id % 1000 === 0) text += 'long '.repeat(2000)
      return { id, text: id % 7 === 0 ? null : text, doc: id % 5 === 0 ? text : { text } }
    })
    const file = await writeJob('csv', data, cols)
    await createTable('fuzz', cols)
    expect(await load(file, 'fuzz', 'csv', cols)).toBe(data.length)
    const got = await client.query<{ id: number; text: string | null; doc: string }>(
      'SELECT id, text, doc::VARCHAR AS doc FROM fuzz ORDER BY id',
    )
    expect(got).toEqual(data.map((r) => ({ id: r.id, text: r.text, doc: JSON.stringify(r.doc) })))
  })

  /** Loads `{ id, text }` rows from a csv job file into a new table and reads them back in id order. */
  async function loadIdText(table: string, data: { id: number; text: string }[]) {
    const cols: Column[] = [
      { name: 'id', dataType: 'bigint' },
      { name: 'text', dataType: 'text' },
    ]
    const file = await writeJob('csv', data, cols)
    await createTable(table, cols)
    expect(await load(file, table, 'csv', cols)).toBe(data.length)
    return client.query<{ id: number; text: string }>(`SELECT id, text FROM ${table} ORDER BY id`)
  }

  it('reads files of several read buffers, with quoted line breaks cut at the buffer ends', async () => {
    // about 3 read buffers; row lengths vary so that buffer ends fall inside quoted fields and line breaks
    const data = Array.from({ length: 10_000 }, (_, id) => ({
      id,
      text: `${'a,"\n'.repeat(id % 500)}|${id}`,
    }))
    expect(await loadIdText('buffers', data)).toEqual(data)
  })

  it('gives read_csv 4 MB read buffers, 32 MB on a retry, or twice a raised row limit', () => {
    const cols: Column[] = [{ name: 'id', dataType: 'bigint' }]
    const first = readCsvSql('/f.csv', 't', cols)
    expect(first).toContain(`buffer_size=${DUCKDB_READ_BUFFER_SIZE}`)
    expect(first).not.toContain('max_line_size')
    expect(first).not.toContain('parallel')
    const retry = readCsvSql('/f.csv', 't', cols, { parallel: false })
    expect(retry).toContain('parallel=false')
    expect(retry).toContain(`buffer_size=${DUCKDB_RETRY_BUFFER_SIZE}`)
    const raised = readCsvSql('/f.csv', 't', cols, { parallel: false, maxLineSize: 20_000_000 })
    expect(raised).toContain('max_line_size=20000000')
    expect(raised).toContain('buffer_size=40000000')
  })

  it("reads long rows full of quoted line breaks, which DuckDB's parallel reader fails on", async () => {
    const data = Array.from({ length: 12 }, (_, id) => ({
      id,
      text: (id % 3 === 0 ? 'x"y\n,' : 'ab').repeat(id % 2 ? 600_000 : 200),
    }))
    expect(await loadIdText('quoted_breaks', data)).toEqual(data)
  })

  it('retries a failed read with the single-threaded reader, then raises the row limit', () => {
    const other = new Error(
      'Not implemented Error: The Parallel CSV Reader currently does not support a full read',
    )
    expect(nextCsvAttempt(other, { parallel: true }, 1e9)).toEqual({ parallel: false })
    expect(nextCsvAttempt(other, { parallel: false }, 1e9)).toBeUndefined()
    const tooLong = new Error('Maximum line size of 2000000 bytes exceeded. Actual Size:3000018 bytes.')
    expect(nextCsvAttempt(tooLong, { parallel: true }, 1e9)).toEqual({ parallel: false })
    expect(nextCsvAttempt(tooLong, { parallel: false }, 1e9)).toEqual({
      parallel: false,
      maxLineSize: 8_000_000,
    })
    expect(nextCsvAttempt(tooLong, { parallel: false, maxLineSize: 8_000_000 }, 1e9)).toEqual({
      parallel: false,
      maxLineSize: 32_000_000,
    })
    const memory = new Error('Out of Memory Error: could not allocate block of size 256.0 KiB')
    expect(nextCsvAttempt(memory, { parallel: true }, 1e9)).toBeUndefined()
  })

  it('raises read_csv max_line_size step by step for rows over its 2 MB default', async () => {
    const cols: Column[] = [
      { name: 'id', dataType: 'bigint' },
      { name: 'text', dataType: 'text' },
    ]
    const data = [
      { id: 1, text: 'a'.repeat(3_000_000) },
      { id: 2, text: 'short' },
      { id: 3, text: `"${'b'.repeat(12_000_000)}\n` },
    ]
    const file = await writeJob('csv', data, cols)
    await createTable('long_rows', cols)
    expect(await load(file, 'long_rows', 'csv', cols)).toBe(3)
    expect(await client.query('SELECT id, length(text) AS n FROM long_rows ORDER BY id')).toEqual([
      { id: 1, n: 3_000_000 },
      { id: 2, n: 5 },
      { id: 3, n: 12_000_002 },
    ])
    const tooLong = new Error(
      'Invalid Input Error: Maximum line size of 2000000 bytes exceeded. Actual Size:3000018 bytes.',
    )
    expect(nextMaxLineSize(tooLong, 2_000_000, 100_000_000)).toBe(8_000_000)
    expect(nextMaxLineSize(tooLong, 8_000_000, 10_000_000)).toBe(10_000_000)
    expect(nextMaxLineSize(tooLong, 10_000_000, 10_000_000)).toBeUndefined()
    expect(nextMaxLineSize(new Error('Conversion Error'), 2_000_000, 10_000_000)).toBeUndefined()
  })

  it("loads a row of 8 MB or more that ends the job file (DuckDB 1.5's parallel reader skipped it silently)", async () => {
    const cols: Column[] = [
      { name: 'id', dataType: 'bigint' },
      { name: 'text', dataType: 'text' },
    ]
    for (const [name, size] of [
      ['last_8mb', 8_000_000],
      ['last_40mb', 40_000_000],
    ] as const) {
      const data = [
        { id: 1, text: 'short' },
        { id: 2, text: 'short' },
        { id: 3, text: 'z'.repeat(size) },
      ]
      const file = await writeJob('csv', data, cols)
      await createTable(name, cols)
      const signal = new AbortController().signal
      const took = await client.bulkLoad(
        { file, format: 'csv', qualifiedTable: name, columns: cols, rows: 3 },
        signal,
      )
      expect(took, name).toBe(3)
      expect(await client.query(`SELECT id, length(text) AS n FROM ${name} ORDER BY id`)).toEqual([
        { id: 1, n: 5 },
        { id: 2, n: 5 },
        { id: 3, n: size },
      ])
    }
  }, 60_000)

  it('measures the longest line of a file, across read chunks', async () => {
    const file = join(dir, 'lines.txt')
    await writeFile(file, `ab\n${'c'.repeat(200_000)}\nd`)
    expect(await longestLine(file)).toBe(200_001)
    await writeFile(file, `ab\n${'c'.repeat(70_000)}`)
    expect(await longestLine(file)).toBe(70_000)
  })

  it('loads a file whose header lists fewer columns than the table, in its own order', async () => {
    const file = join(dir, 'partial.csv')
    await writeFile(file, 'name,id\nx,1\n,2\n')
    await createTable('partial')
    expect(await load(file, 'partial', 'csv')).toBe(2)
    expect(await client.query('SELECT id, name, ok FROM partial ORDER BY id')).toEqual([
      { id: 1, name: 'x', ok: null },
      { id: 2, name: null, ok: null },
    ])
  })

  it('loads nothing from an empty file or a header-only file', async () => {
    const empty = join(dir, 'empty.csv')
    await writeFile(empty, '')
    const headerOnly = join(dir, 'header.csv')
    await writeFile(headerOnly, 'id,name\n')
    await createTable('empty')
    expect(await load(empty, 'empty', 'csv')).toBe(0)
    expect(await load(headerOnly, 'empty', 'csv')).toBe(0)
  })

  it('fails a header column the table does not have with DESTINATION_DATA and a hint', async () => {
    const error = await loadFailure('unknown', 'id,nope\n1,2\n')
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as Error).message).toContain('"nope"')
    expect((error as { hint?: string }).hint).toMatch(/drop the pending package/)
  })

  it('fails a value that does not convert with DESTINATION_LOAD naming the file', async () => {
    const error = await loadFailure('bad_value', 'id,name\nnot a number,x\n')
    expect(isSluiceError(error, 'DESTINATION_LOAD')).toBe(true)
    expect((error as Error).message).toContain('bad_value.csv')
  })

  it('fails a missing file with DESTINATION_LOAD', async () => {
    const error = await load(join(dir, 'missing.csv'), 'bad_value', 'csv').catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_LOAD')).toBe(true)
  })
})
