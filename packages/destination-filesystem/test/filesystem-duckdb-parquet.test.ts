import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createJobWriter } from '@sluice/core/destination'
import { nodeFileSystem } from '@sluice/core/node'
import { afterAll, describe, expect, it } from 'vitest'
import { writeParquet, writeParquetInJavaScript } from '../src/filesystem-convert.ts'
import { filesystem } from '../src/filesystem-destination.ts'
import { writeParquetFromCsv, writeParquetWithDuckdb } from '../src/filesystem-duckdb-parquet.ts'
import { duck, lit, preparePackage, schema, TYPED_TABLE, tempDir } from './helpers.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const typed = TYPED_TABLE

/** Every type, edge values, nulls, and values the JavaScript writer converts (numbers as text, bool as 1). */
const rows = Array.from({ length: 2500 }, (_, i) => ({
  t_text: i % 7 ? `row ${i}, "quoted"\nü\u0001` : i % 14 ? null : 12.5,
  t_bigint: i % 5 ? i * 1_000_003 - 1_000_000 : '9007199254740993',
  t_double: i % 11 ? i / 3 : '1.25',
  t_bool: i % 3 === 0 ? 1 : i % 2 === 0,
  t_timestamp: i % 4 ? `2024-03-01T12:34:${String(i % 60).padStart(2, '0')}.123456Z` : '1969-12-31T23:59:59Z',
  t_date: i % 9 ? '2024-03-01' : '1900-01-01',
  t_time: `08:15:${String(i % 60).padStart(2, '0')}.250`,
  t_decimal: i % 6 ? `${i}.125` : -0.001,
  t_json: i % 8 ? { i, list: [i, 'x'], s: 'ü\u0001"' } : [1, 'two'],
  t_binary: i % 10 ? Buffer.from([i % 256, 1, 254, 255]).toString('base64') : '',
}))

async function jobFile(table = typed, data: Record<string, unknown>[] = rows): Promise<string> {
  const work = await tempDir('sluice-fs-duckdb-parquet-')
  dirs.push(work)
  const { jobs } = await preparePackage(work, {
    loadId: '7.1',
    schema: schema([table]),
    tables: [{ table, rows: data }],
  })
  return jobs[0]!.file
}

const readBack = async (file: string) =>
  (
    await duck(
      `SELECT * EXCLUDE (_sluice_id), t_timestamp::VARCHAR AS ts, t_decimal::VARCHAR AS dc, hex(t_binary) AS bin
       FROM read_parquet(${lit(file)}) ORDER BY t_bigint, t_double, t_time`,
    )
  ).rows

describe('parquet written by DuckDB', () => {
  it('has the same columns, types and values as the JavaScript writer', async () => {
    const input = await jobFile()
    const viaDuckdb = join(dirs[0]!, 'duckdb.parquet')
    const viaJs = join(dirs[0]!, 'js.parquet')
    expect(await writeParquetWithDuckdb(input, viaDuckdb, typed, false)).toBe(2500)
    expect(await writeParquetInJavaScript(input, viaJs, typed)).toBe(2500)
    const types = async (file: string) =>
      (await duck(`SELECT name, type, converted_type FROM parquet_schema(${lit(file)})`)).rows
    // DuckDB names the root element duckdb_schema, marks INT64 as INT_64, and stores a decimal of up to 18 digits
    // in an INT64 (hyparquet-writer: fixed-length bytes); readers see the same types (DECIMAL(12,3) here)
    const same = (t: Record<string, unknown>) =>
      t.name === 'duckdb_schema'
        ? { ...t, name: 'root' }
        : t.name === 't_bigint'
          ? { ...t, converted_type: null }
          : t.name === 't_decimal'
            ? { ...t, type: 'FIXED_LEN_BYTE_ARRAY' }
            : t
    expect((await types(viaDuckdb)).map(same)).toEqual(await types(viaJs))
    const described = async (file: string) =>
      (await duck(`SELECT * FROM read_parquet(${lit(file)}) LIMIT 1`)).types
    expect(await described(viaDuckdb)).toEqual(await described(viaJs))
    const want = await readBack(viaJs)
    expect(want).toHaveLength(2500)
    expect(await readBack(viaDuckdb)).toEqual(want)
  })

  it('leaves a file with a key that is not a column, or a value DuckDB refuses, to the JavaScript writer', async () => {
    const input = await jobFile()
    const extra = join(dirs[0]!, 'extra.jsonl')
    await writeFile(extra, '{"t_text":"a","nope":1}\n')
    const out = join(dirs[0]!, 'out.parquet')
    expect(await writeParquetWithDuckdb(extra, out, typed, false)).toBeUndefined()
    await expect(writeParquet(extra, out, typed)).rejects.toMatchObject({ code: 'FILESYSTEM_UNKNOWN_COLUMN' })
    // epoch seconds as a timestamp: DuckDB does not cast them, the JavaScript writer does
    const epoch = join(dirs[0]!, 'epoch.jsonl')
    await writeFile(epoch, '{"t_timestamp":1709296496.5}\n')
    expect(await writeParquetWithDuckdb(epoch, out, typed, false)).toBeUndefined()
    expect(await writeParquet(epoch, out, typed)).toBe(1)
    const { rows: got } = await duck(`SELECT t_timestamp::VARCHAR AS ts FROM read_parquet(${lit(out)})`)
    expect(got).toEqual([{ ts: '2024-03-01 12:34:56.5+00' }])
    expect(await writeParquet(input, out, typed)).toBe(2500)
  })
})

describe('parquet from csv job files (DuckDB)', () => {
  it('with DuckDB installed, a parquet filesystem asks for csv job files; jsonl and csv outputs keep jsonl', () => {
    expect(filesystem({ bucketUrl: '/tmp/x', format: 'parquet' }).capabilities.fileFormats[0]).toBe('csv')
    expect(filesystem({ bucketUrl: '/tmp/x', format: 'jsonl' }).capabilities.fileFormats[0]).toBe('jsonl')
    expect(filesystem({ bucketUrl: '/tmp/x', format: 'csv' }).capabilities.fileFormats[0]).toBe('jsonl')
  })

  it("writes the same parquet from core's csv job file as the JavaScript writer from the jsonl one", async () => {
    const work = await tempDir('sluice-fs-csv-parquet-')
    dirs.push(work)
    const fs = nodeFileSystem()
    const files: Record<string, string> = {}
    for (const format of ['csv', 'jsonl'] as const) {
      const writer = createJobWriter({
        fs,
        dir: work,
        table: `t_${format}`,
        format,
        columns: () => typed.columns,
      })
      await writer.write(rows.map((r, i) => ({ ...r, _sluice_load_id: '7.1', _sluice_id: `id${i}` })))
      files[format] = (await writer.close())[0]!.file
    }
    const viaCsv = join(work, 'csv.parquet')
    const viaJs = join(work, 'js.parquet')
    expect(await writeParquetFromCsv(files.csv!, viaCsv, typed)).toBe(2500)
    expect(await writeParquetInJavaScript(files.jsonl!, viaJs, typed)).toBe(2500)
    const want = await readBack(viaJs)
    expect(want).toHaveLength(2500)
    expect(await readBack(viaCsv)).toEqual(want)
    // a header column the table does not have
    const bad = join(work, 'bad.csv')
    await writeFile(bad, 't_text,nope\na,1\n')
    await expect(writeParquetFromCsv(bad, viaCsv, typed)).rejects.toMatchObject({
      code: 'FILESYSTEM_UNKNOWN_COLUMN',
    })
  })
})
