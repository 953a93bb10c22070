import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DestinationContext } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { convertJobFile, duckdbColumns, type FilesystemOptions, filesystem } from '../src/index.ts'
import { duck, lit, preparePackage, runPackage, schema, TYPED_TABLE, table, tempDir } from './helpers.ts'

const ctx: DestinationContext = { datasetName: 'typed', pipelineName: 'pipe', emit: () => {} }

const typed = TYPED_TABLE

const rows: Record<string, unknown>[] = [
  {
    t_text: 'hello, "world"\nline 2',
    t_bigint: 9007199254740993n.toString(), // beyond the safe range: a string in job files
    t_double: 1.5,
    t_bool: true,
    t_timestamp: '2024-03-01T12:34:56.123456Z',
    t_date: '2024-03-01',
    t_time: '08:15:30.250',
    t_decimal: '12345.678',
    t_json: { a: [1, 2], b: 'x' },
    t_binary: Buffer.from([0, 1, 254, 255]).toString('base64'),
  },
  {
    t_text: '',
    t_bigint: -42,
    t_double: -0.25,
    t_bool: false,
    t_timestamp: '1969-12-31T23:59:59Z',
    t_date: '1900-01-01',
    t_time: '23:59:59',
    t_decimal: '-0.001',
    t_json: [1, 'two'],
    t_binary: '',
  },
  { t_text: null },
]

async function load(options: Partial<FilesystemOptions>): Promise<string> {
  const root = await tempDir()
  dirs.push(root)
  const work = await tempDir('sluice-fs-jobs-')
  dirs.push(work)
  const client = await filesystem({ bucketUrl: root, ...options }).createClient(ctx)
  await runPackage(client, work, { loadId: '1.1', schema: schema([typed]), tables: [{ table: typed, rows }] })
  await client[Symbol.asyncDispose]()
  await rm(work, { recursive: true, force: true })
  return root
}

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const select = `SELECT t_text, t_bigint, t_double, t_bool, t_timestamp, t_date, t_time, t_decimal, t_json, t_binary,
  _sluice_load_id FROM`

describe('formats read back with DuckDB', () => {
  let parquet: string
  beforeAll(async () => {
    parquet = await load({ format: 'parquet' })
  })

  it('parquet: native types, UTC timestamps with microseconds, exact decimals and big integers', async () => {
    const files = await readdir(join(parquet, 'typed/all_types'))
    expect(files).toEqual(['1.1.0.parquet'])
    const { rows: got, types } = await duck(
      `${select} read_parquet(${lit(`${parquet}/typed/all_types/*.parquet`)}) ORDER BY t_bigint DESC NULLS LAST`,
    )
    expect(types).toMatchObject({
      t_text: 'VARCHAR',
      t_bigint: 'BIGINT',
      t_double: 'DOUBLE',
      t_bool: 'BOOLEAN',
      t_timestamp: 'TIMESTAMP WITH TIME ZONE',
      t_date: 'DATE',
      t_time: 'TIME',
      t_decimal: 'DECIMAL(12,3)',
      t_json: 'VARCHAR',
      t_binary: 'BLOB',
    })
    const { rows: text } = await duck(
      `SELECT t_text, t_bigint::VARCHAR AS b, strftime(t_timestamp AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS ts,
        t_date::VARCHAR AS d, t_time::VARCHAR AS tm, t_decimal::VARCHAR AS dec, t_json, hex(t_binary) AS bin
       FROM read_parquet(${lit(`${parquet}/typed/all_types/*.parquet`)}) ORDER BY t_bigint DESC NULLS LAST`,
    )
    expect(text).toEqual([
      {
        t_text: 'hello, "world"\nline 2',
        b: '9007199254740993',
        ts: '2024-03-01T12:34:56.123456Z',
        d: '2024-03-01',
        tm: '08:15:30.25',
        dec: '12345.678',
        t_json: '{"a":[1,2],"b":"x"}',
        bin: '0001FEFF',
      },
      {
        t_text: '',
        b: '-42',
        ts: '1969-12-31T23:59:59.000000Z',
        d: '1900-01-01',
        tm: '23:59:59',
        dec: '-0.001',
        t_json: '[1,"two"]',
        bin: '',
      },
      { t_text: null, b: null, ts: null, d: null, tm: null, dec: null, t_json: null, bin: null },
    ])
    expect(got[0]?.['t_double']).toBe(1.5)
    expect(got[0]?.['t_bool']).toBe(true)
    expect(got[1]?.['t_bool']).toBe(false)
    expect(got[0]?.['_sluice_load_id']).toBe('1.1')
  })

  it("jsonl: read with the schema's columns (duckdbColumns), every type comes back exactly", async () => {
    const root = await load({ format: 'jsonl' })
    const path = lit(`${root}/typed/all_types/*.jsonl`)
    const reader = `read_json(${path}, format = 'newline_delimited', columns = ${duckdbColumns(typed)})`
    const { rows: got, types } = await duck(`${select} ${reader} ORDER BY t_bigint DESC NULLS LAST`)
    expect(types).toMatchObject({
      t_text: 'VARCHAR',
      t_bigint: 'BIGINT',
      t_double: 'DOUBLE',
      t_bool: 'BOOLEAN',
      t_timestamp: 'TIMESTAMP WITH TIME ZONE',
      t_date: 'DATE',
      t_time: 'TIME',
      t_decimal: 'DECIMAL(12,3)',
      t_json: 'JSON',
    })
    expect(got[0]).toMatchObject({ t_text: 'hello, "world"\nline 2', t_double: 1.5, t_bool: true })
    const { rows: text } = await duck(
      `SELECT t_bigint::VARCHAR AS b, strftime(t_timestamp AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS ts,
        t_decimal::VARCHAR AS dec, t_json::VARCHAR AS j, hex(from_base64(t_binary)) AS bin
       FROM ${reader} ORDER BY t_bigint DESC NULLS LAST`,
    )
    expect(text).toEqual([
      {
        b: '9007199254740993',
        ts: '2024-03-01T12:34:56.123456Z',
        dec: '12345.678',
        j: '{"a":[1,2],"b":"x"}',
        bin: '0001FEFF',
      },
      { b: '-42', ts: '1969-12-31T23:59:59.000000Z', dec: '-0.001', j: '[1,"two"]', bin: '' },
      { b: null, ts: null, dec: null, j: null, bin: null },
    ])
  })

  it('jsonl with gzip: .jsonl.gz files DuckDB reads directly', async () => {
    const root = await load({ format: 'jsonl', compression: 'gzip' })
    expect(await readdir(join(root, 'typed/all_types'))).toEqual(['1.1.0.jsonl.gz'])
    const { rows: got } = await duck(
      `SELECT t_bigint::VARCHAR AS b FROM read_json(${lit(`${root}/typed/all_types/*.jsonl.gz`)}, columns = ${duckdbColumns(typed)}) ORDER BY t_double NULLS LAST`,
    )
    expect(got.map((r) => r['b'])).toEqual(['-42', '9007199254740993', null])
  })

  for (const compression of ['none', 'gzip'] as const) {
    it(`csv (${compression}): header in schema order, quoting, nulls vs empty strings`, async () => {
      const root = await load({ format: 'csv', compression })
      const ext = compression === 'gzip' ? 'csv.gz' : 'csv'
      expect(await readdir(join(root, 'typed/all_types'))).toEqual([`1.1.0.${ext}`])
      const path = lit(`${root}/typed/all_types/*.${ext}`)
      const { rows: got, types } = await duck(
        `${select} read_csv(${path}, header = true, allow_quoted_nulls = false) ORDER BY t_bigint DESC NULLS LAST`,
      )
      expect(types).toMatchObject({
        t_bigint: 'BIGINT',
        t_double: 'DOUBLE',
        t_bool: 'BOOLEAN',
        t_date: 'DATE',
        t_time: 'TIME',
        t_decimal: 'DOUBLE',
      })
      expect(types['t_timestamp']).toMatch(/^TIMESTAMP/)
      expect(got.map((r) => r['t_text'])).toEqual(['hello, "world"\nline 2', '', null])
      expect(got[0]?.['t_json']).toBe('{"a":[1,2],"b":"x"}')
      expect(got[0]?.['t_binary']).toBe('AAH+/w==')
      const { rows: exact, types: exactTypes } = await duck(
        `SELECT t_bigint::VARCHAR AS b, t_decimal::VARCHAR AS dec, t_text FROM read_csv(${path}, header = true,
          allow_quoted_nulls = false, columns = ${duckdbColumns(typed)}) ORDER BY t_bigint DESC NULLS LAST`,
      )
      expect(exact.map((r) => [r['b'], r['dec']])).toEqual([
        ['9007199254740993', '12345.678'],
        ['-42', '-0.001'],
        [null, null],
      ])
      expect(exactTypes).toMatchObject({ b: 'VARCHAR', t_text: 'VARCHAR' })
      const { rows: header } = await duck(`SELECT * FROM read_csv(${path}, header = false) LIMIT 1`)
      expect(Object.values(header[0] ?? {})).toEqual(typed.columns.map((c) => c.name))
    })
  }

  it('parquet with more rows than one row group keeps every row', async () => {
    const root = await tempDir()
    dirs.push(root)
    const work = await tempDir('sluice-fs-jobs-')
    dirs.push(work)
    const t = table('many', [
      ['n', 'bigint'],
      ['s', 'text'],
    ])
    const many = Array.from({ length: 45_000 }, (_, i) => ({ n: i, s: i % 3 === 0 ? null : `v${i}` }))
    const client = await filesystem({ bucketUrl: root, format: 'parquet' }).createClient(ctx)
    await runPackage(client, work, { loadId: '2.1', schema: schema([t]), tables: [{ table: t, rows: many }] })
    const { rows: got } = await duck(
      `SELECT count(*) AS c, sum(n) AS s, count(s) AS nn FROM read_parquet(${lit(`${root}/typed/many/*.parquet`)})`,
    )
    expect(got).toEqual([{ c: 45_000, s: (44_999 * 45_000) / 2, nn: 30_000 }])
    await rm(work, { recursive: true, force: true })
  })
})

describe('gzip-compressed job files', () => {
  it('are read for every output format and never published as the wrong encoding', async () => {
    const { gzipSync } = await import('node:zlib')
    const { readFile, writeFile } = await import('node:fs/promises')
    const t = table('gz', [['id', 'bigint']])
    const work = await tempDir('sluice-fs-jobs-')
    dirs.push(work)
    const file = join(work, 'gz.1.jsonl')
    await writeFile(file, gzipSync('{"id":1,"_sluice_load_id":"3.1","_sluice_id":"a"}\n{"id":2}\n'))
    const job = { loadId: '3.1', jobId: 'gz.1.jsonl', table: t, file, format: 'jsonl' as const, rows: 2 }
    for (const [format, compression, name] of [
      ['jsonl', 'none', '3.1.1.jsonl'],
      ['jsonl', 'gzip', '3.1.1.jsonl.gz'],
      ['parquet', 'none', '3.1.1.parquet'],
      ['csv', 'none', '3.1.1.csv'],
    ] as const) {
      const root = await tempDir()
      dirs.push(root)
      const client = await filesystem({ bucketUrl: root, format, compression }).createClient(ctx)
      expect(await client.load(job, new AbortController().signal)).toMatchObject({ rows: 2 })
      const out = await readFile(join(root, 'typed/gz', name))
      const gz = out[0] === 0x1f && out[1] === 0x8b
      expect(gz).toBe(compression === 'gzip')
      const reader = format === 'parquet' ? 'read_parquet' : format === 'csv' ? 'read_csv' : 'read_json_auto'
      const { rows: got } = await duck(
        `SELECT id FROM ${reader}(${lit(join(root, 'typed/gz', name))}) ORDER BY id`,
      )
      expect(got).toEqual([{ id: 1 }, { id: 2 }])
    }
  })
})

describe('convertJobFile (for warehouses that upload local files)', () => {
  it('writes a parquet file next to the job file and removes it on request', async () => {
    const { existsSync } = await import('node:fs')
    const work = await tempDir('sluice-fs-jobs-')
    dirs.push(work)
    const { jobs } = await preparePackage(work, {
      loadId: '4.1',
      schema: schema([typed]),
      tables: [{ table: typed, rows }],
    })
    const out = await convertJobFile(jobs[0]!, { format: 'parquet' })
    expect(out).toMatchObject({ rows: 3, format: 'parquet', gzip: false })
    expect(out.file.startsWith(work)).toBe(true)
    const { rows: got } = await duck(`SELECT count(*)::INT AS n FROM read_parquet(${lit(out.file)})`)
    expect(got).toEqual([{ n: 3 }])
    await out.remove()
    expect(existsSync(out.file)).toBe(false)
    const gz = await convertJobFile(jobs[0]!, { format: 'jsonl', gzip: true })
    expect(gz.file.endsWith('.jsonl.gz')).toBe(true)
    await gz.remove()
  })
})
