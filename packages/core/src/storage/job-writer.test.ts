import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseCsv } from '../../test/pipeline/fake-destination.ts'
import { type CsvColumn, csvField } from '../job-files/csv-encoder.ts'
import { csvRowEncoder } from '../job-files/csv-row-encoder.ts'
import { encodeRows } from '../job-files/encoded-rows.ts'
import { nodeFileSystem } from '../node/node-file-system.ts'
import { createJobWriter } from './job-writer.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-jobs-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A row's CSV line (without its line end) as csvField writes each field: the expected bytes of the writer. */
function csvLine(row: Record<string, unknown>, columns: readonly { name: string }[]): string {
  return columns.map((c) => csvField(row[c.name])).join(',')
}

describe('csvField (PostgreSQL COPY CSV)', () => {
  it('keeps NULL (unquoted empty) apart from the empty string', () => {
    expect(csvField(null)).toBe('')
    expect(csvField(undefined)).toBe('')
    expect(csvField('')).toBe('""')
  })
  it('quotes delimiters, quotes, newlines and the end-of-data marker', () => {
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('line\nbreak')).toBe('"line\nbreak"')
    expect(csvField('cr\rx')).toBe('"cr\rx"')
    expect(csvField('\\.')).toBe('"\\."')
    expect(csvField('plain text')).toBe('plain text')
  })
  it('writes numbers, booleans and json values', () => {
    expect(csvField(12.5)).toBe('12.5')
    expect(csvField(true)).toBe('true')
    expect(csvField(false)).toBe('false')
    expect(csvField({ a: [1, 'x'] })).toBe('"{""a"":[1,""x""]}"')
  })
})

/** Typed columns from `name:type` pairs, e.g. `typed('id:bigint name:text')`. */
function typed(spec: string): { name: string; dataType: string }[] {
  return spec.split(' ').map((pair) => {
    const [name, dataType] = pair.split(':') as [string, string]
    return { name, dataType }
  })
}

describe('createJobWriter', () => {
  const fs = nodeFileSystem()
  /** A csv job writer for `table`; `columns` may grow between writes. */
  const csvWriter = (table: string, columns: CsvColumn[]) =>
    createJobWriter({ fs, dir, table, format: 'csv', columns: () => columns })

  it('writes jsonl that round-trips', async () => {
    const w = createJobWriter({ fs, dir, table: 'entries', format: 'jsonl' })
    const rows = [
      { id: 1, text: 'a\nb "q"', obj: { x: [1] } },
      { id: 2, text: null },
    ]
    await w.write(rows)
    const [file, ...rest] = await w.close()
    expect(rest).toEqual([])
    expect(file).toMatchObject({ jobId: 'entries.1.jsonl', rows: 2, format: 'jsonl' })
    const text = await readFile(file!.file, 'utf8')
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual(rows)
    expect(file!.bytes).toBe(Buffer.byteLength(text))
  })

  it('writes csv with a header that parses back, NULL and empty string kept apart', async () => {
    const w = csvWriter('t', ['id', 'name', 'note'])
    await w.write([
      { id: 1, name: '', note: null },
      { id: 2, name: 'a,"b"\nc', note: 'ok' },
    ])
    const [file] = await w.close()
    const parsed = parseCsv(await readFile(file!.file, 'utf8'))
    expect(parsed).toEqual([
      ['id', 'name', 'note'],
      ['1', '', null],
      ['2', 'a,"b"\nc', 'ok'],
    ])
  })

  it('writes json columns as JSON text, so a JSON string stays apart from text', async () => {
    const columns = typed('id:bigint doc:json label:text')
    const w = csvWriter('j', columns)
    await w.write([
      { id: 1, doc: 'abc', label: 'abc' },
      { id: 2, doc: { a: [1, null] }, label: null },
      { id: 3, doc: null, label: '' },
    ])
    const [file] = await w.close()
    const parsed = parseCsv(await readFile(file!.file, 'utf8'))
    expect(parsed).toEqual([
      ['id', 'doc', 'label'],
      ['1', '"abc"', 'abc'],
      ['2', '{"a":[1,null]}', null],
      ['3', null, ''],
    ])
  })

  it('writes every type right through its typed line code, values of another type included', async () => {
    const columns = [...typed('n:bigint d:double b:bool ts:timestamp t:text j:json'), 'untyped']
    const rows = [
      { n: 1, d: -0.5, b: true, ts: '2024-01-01T00:00:00Z', t: 'a,"b"', j: [1, 'x'], untyped: 'u' },
      { n: '9007199254740993', d: 1e21, b: false, ts: null, t: '', j: 'str', untyped: 7 },
      { n: 12n, d: 'NaN?', b: 'yes', ts: 'x\ny', t: 5, j: 0, untyped: { o: 1 } },
      { n: null, d: undefined, b: null, t: '\\.', j: null },
    ]
    const w = csvWriter('typed', columns)
    await w.write(rows)
    const [file] = await w.close()
    const text = await readFile(file!.file, 'utf8')
    // the same as field-by-field csvField (json columns: their JSON text)
    const expected = rows.map(
      (r) =>
        columns
          .map((c) => {
            const name = typeof c === 'string' ? c : c.name
            const v = (r as Record<string, unknown>)[name]
            return typeof c !== 'string' && c.dataType === 'json' && v !== null && v !== undefined
              ? csvField(JSON.stringify(v))
              : csvField(v)
          })
          .join(',') + '\n',
    )
    expect(text).toBe(`n,d,b,ts,t,j,untyped\n${expected.join('')}`)
    expect(text.split('\n')[1]).toBe('1,-0.5,true,2024-01-01T00:00:00Z,"a,""b""","[1,""x""]",u')
    expect(parseCsv(text)[3]).toEqual(['12', 'NaN?', 'yes', 'x\ny', '5', '0', '{"o":1}'])
  })

  it('starts a new csv file when the table gains columns', async () => {
    const columns = ['id']
    const w = csvWriter('t', columns)
    await w.write([{ id: 1 }])
    columns.push('extra')
    await w.write([{ id: 2, extra: 'x' }])
    const files = await w.close()
    expect(files.map((f) => f.jobId)).toEqual(['t.1.csv', 't.2.csv'])
    expect(parseCsv(await readFile(files[1]!.file, 'utf8'))).toEqual([
      ['id', 'extra'],
      ['2', 'x'],
    ])
  })

  it('rotates files by size and keeps every row', async () => {
    let id = 10
    const w = createJobWriter({
      fs,
      dir,
      table: 'big',
      format: 'jsonl',
      fileMaxBytes: 1000,
      nextFileId: () => ++id,
    })
    const row = (i: number) => ({ i, pad: 'x'.repeat(80) })
    for (let page = 0; page < 10; page++)
      await w.write(Array.from({ length: 10 }, (_, k) => row(page * 10 + k)))
    const files = await w.close()
    expect(files.length).toBeGreaterThanOrEqual(9)
    expect(files[0]!.jobId).toBe('big.11.jsonl')
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(100)
    expect(w.rows).toBe(100)
    for (const f of files) expect(f.bytes).toBeLessThan(1000 + 120)
    const all = (await Promise.all(files.map((f) => readFile(f.file, 'utf8'))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).i)
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('writes megabytes across its buffers in order, huge rows and multi-byte text included', async () => {
    const w = createJobWriter({ fs, dir, table: 'big', format: 'jsonl' })
    const rows: Record<string, unknown>[] = []
    for (let i = 0; i < 6000; i++)
      rows.push({ id: i, name: `Frauke Krüger ✓ ${i}`, note: 'x'.repeat(i % 400) })
    // longer than a whole buffer, between ordinary rows
    rows.splice(3000, 0, { id: -1, name: 'ä'.repeat(400_000) })
    for (let i = 0; i < rows.length; i += 700) await w.write(rows.slice(i, i + 700))
    const [file, ...rest] = await w.close()
    expect(rest).toEqual([])
    const text = await readFile(file!.file, 'utf8')
    expect(text).toBe(rows.map((r) => `${JSON.stringify(r)}\n`).join(''))
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 512 * 1024)
    expect(file!.bytes).toBe(Buffer.byteLength(text))
    expect(file!.rows).toBe(rows.length)
  })

  it('writes csv megabytes across its buffers in order: rows that end a buffer, huge rows, multi-byte text', async () => {
    const columns = typed('id:bigint name:text note:text')
    const w = csvWriter('big', columns)
    const rows: Record<string, unknown>[] = []
    for (let i = 0; i < 6000; i++)
      rows.push({ id: i, name: `Frauke "Krüger" ✓ ${i}`, note: i % 7 ? 'x'.repeat(i % 400) : null })
    // longer than a whole buffer (twice and four times), between ordinary rows
    rows.splice(3000, 0, { id: -1, name: 'ä'.repeat(400_000), note: '' })
    rows.splice(4000, 0, { id: -2, name: 'a,'.repeat(600_000), note: 'b' })
    for (let i = 0; i < rows.length; i += 700) await w.write(rows.slice(i, i + 700))
    const [file, ...rest] = await w.close()
    expect(rest).toEqual([])
    const text = await readFile(file!.file, 'utf8')
    expect(text).toBe(`id,name,note\n${rows.map((r) => `${csvLine(r, columns)}\n`).join('')}`)
    expect(Buffer.byteLength(text)).toBeGreaterThan(6 * 512 * 1024)
    expect(file!.bytes).toBe(Buffer.byteLength(text))
    expect(file!.rows).toBe(rows.length)
  })

  it('writes csv rows of 20,000 columns (more than a default buffer holds in reserve)', async () => {
    const columns = Array.from({ length: 20_000 }, (_, i) => ({ name: `c${i}`, dataType: 'double' }))
    const w = csvWriter('wide', columns)
    const rows = [0, 1, 2].map((r) =>
      Object.fromEntries(columns.map((c, i) => [c.name, i % 3 === r ? null : i + r / 4])),
    )
    await w.write(rows)
    const [file] = await w.close()
    const lines = (await readFile(file!.file, 'utf8')).split('\n')
    expect(lines.slice(1, 4)).toEqual(rows.map((r) => csvLine(r, columns)))
    expect(file!.rows).toBe(3)
  })

  it('rotates at fileMaxBytes counted in UTF-8 bytes, not characters', async () => {
    const w = createJobWriter({ fs, dir, table: 'umlauts', format: 'jsonl', fileMaxBytes: 4000 })
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: i, name: 'äöü'.repeat(20) }))
    for (const row of rows) await w.write([row])
    const files = await w.close()
    const sizes = files.map((f) => f.bytes)
    // each row is ~130 bytes but ~70 characters: counting characters would make files of ~7,400 bytes
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(4000)
      expect(size).toBeLessThan(4200)
    }
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(400)
  })

  it('firstFileMaxBytes: the first file rotates early, every later one at fileMaxBytes', async () => {
    const w = createJobWriter({
      fs,
      dir,
      table: 'first',
      format: 'csv',
      fileMaxBytes: 8_000,
      firstFileMaxBytes: 3_000,
    })
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: i, name: 'x'.repeat(90) }))
    for (const row of rows) await w.write([row])
    const files = await w.close()
    expect(files[0]!.bytes).toBeGreaterThanOrEqual(3_000)
    expect(files[0]!.bytes).toBeLessThan(3_200)
    for (const f of files.slice(1, -1)) {
      expect(f.bytes).toBeGreaterThanOrEqual(8_000)
      expect(f.bytes).toBeLessThan(8_200)
    }
    expect(files.length).toBeGreaterThan(3)
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(300)
  })

  it('discard() deletes the files written', async () => {
    const w = createJobWriter({ fs, dir, table: 'gone', format: 'jsonl' })
    await w.write([{ a: 1 }])
    await w.discard()
    expect(await fs.list(dir)).toEqual([])
  })

  it('writeEncoded: appends encoded rows in order with row writes, and starts a new file for an older header', async () => {
    const columns = typed('id:bigint name:text')
    const w = csvWriter('mixed', columns)
    const chunk = (cols: { name: string; dataType: string }[], rows: Record<string, unknown>[]) => ({
      columns: cols,
      bytes: encodeRows('csv', rows, csvRowEncoder(cols)),
      rows: rows.length,
    })
    await w.write([{ id: 1, name: 'main' }])
    await w.writeEncoded(
      chunk(columns, [
        { id: 2, name: 'worker, "a"' },
        { id: 3, name: null },
      ]),
    )
    await w.write([{ id: 4, name: 'main again' }])
    // the table gains a column: a worker with the older schema still sends the old header
    columns.push({ name: 'extra', dataType: 'bool' })
    await w.write([{ id: 5, name: 'new', extra: true }])
    await w.writeEncoded(chunk(columns.slice(0, 2), [{ id: 6, name: 'old header' }]))
    await w.writeEncoded(chunk(columns, [{ id: 7, name: 'new header', extra: false }]))
    await w.writeEncoded({ columns, bytes: new Uint8Array(), rows: 0 })
    const files = await w.close()
    const read = await Promise.all(
      files.map(async (f) => (await readFile(f.file, 'utf8')).split('\n').filter(Boolean)),
    )
    expect(read).toEqual([
      ['id,name', '1,main', '2,"worker, ""a"""', '3,', '4,main again'],
      ['id,name,extra', '5,new,true'],
      ['id,name', '6,old header'],
      ['id,name,extra', '7,new header,false'],
    ])
    expect(files.map((f) => f.rows)).toEqual([4, 1, 1, 1])
    expect(w.rows).toBe(7)
  })

  it('writeEncoded: rotates by size like row writes', async () => {
    const columns = typed('id:bigint')
    const w = createJobWriter({
      fs,
      dir,
      table: 'sized',
      format: 'csv',
      columns: () => columns,
      fileMaxBytes: 100,
    })
    for (let i = 0; i < 10; i++) {
      const rows = Array.from({ length: 10 }, (_, j) => ({ id: i * 10 + j }))
      await w.writeEncoded({ columns, bytes: encodeRows('csv', rows, csvRowEncoder(columns)), rows: 10 })
    }
    const files = await w.close()
    // 10 chunks of about 30 bytes: a file closes once it holds 100 bytes or more
    expect(files.length).toBe(3)
    for (const f of files.slice(0, -1)) expect(f.bytes).toBeGreaterThanOrEqual(100)
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(100)
    const ids = (await Promise.all(files.map((f) => readFile(f.file, 'utf8'))))
      .flatMap((t) => t.split('\n').slice(1, -1))
      .map(Number)
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})
