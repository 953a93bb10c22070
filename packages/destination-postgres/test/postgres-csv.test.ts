import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JobFileFormat } from '@sluice/core/destination'
import { TRICKY_COLUMNS, TRICKY_LONG_TEXT, TRICKY_ROWS, writeJobFile } from '@sluice/destination-testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres, type PostgresSqlClient, parsePostgresCredentials, postgres } from '../src/index.ts'
import { admin, uniqueName, urlWith } from './postgres-helpers.ts'

const columns = TRICKY_COLUMNS
const rows = TRICKY_ROWS
const long = TRICKY_LONG_TEXT

const expected = [
  {
    id: '1',
    name: 'a\nb\r\nc, "quoted" , \\N back\\slash',
    big: '9007199254740993',
    ratio: '1e+21',
    ok: 'true',
    at: '2024-03-01 10:11:12.123456+00',
    day: '2024-03-01',
    clock: '08:30:00.5',
    price: '12345678901234567890.123456789',
    doc: '{"a": [1, 2.5, null], "b": "x,\\"y\\"\\n", "c": {}}',
    raw: '\\x0102ff',
  },
  {
    id: '2',
    name: '',
    big: '-9007199254740993',
    ratio: '-1e-06',
    ok: 'false',
    at: '2024-03-01 08:11:12+00',
    day: '1970-01-01',
    clock: '23:59:59',
    price: '-0.000000001',
    doc: '"a string"',
    raw: '\\x',
  },
  {
    id: '3',
    name: null,
    big: null,
    ratio: null,
    ok: null,
    at: null,
    day: null,
    clock: null,
    price: null,
    doc: null,
    raw: null,
  },
  ...[
    ['4', '\\.', '""', null],
    ['5', 'üñíçødé 😀 \t tab', '[1, "two", [3]]', null],
    ['6', 'null', '42', null],
    ['7', 'NULL', 'true', null],
    ['8', '"', null, null],
    ['9', long, `{"long": "${'x'.repeat(100)}"}`, null],
    ['10', ' leading and trailing ', '"null"', '5e-324'],
    ['11', ',', '"\\""', '1.7976931348623157e+308'],
  ].map(([id, name, doc, ratio]) => ({
    id,
    name,
    big: null,
    ratio,
    ok: null,
    at: null,
    day: null,
    clock: null,
    price: null,
    doc,
    raw: null,
  })),
]

describe('csv job files', () => {
  let client: PostgresSqlClient
  let dir: string
  const schema = uniqueName('csv')

  const writeJob = (format: JobFileFormat, data: readonly Record<string, unknown>[]) =>
    writeJobFile(dir, format, data)

  function load(file: string, tableName: string, format: JobFileFormat) {
    return client.bulkLoad(
      { file, format, qualifiedTable: `"${schema}"."${tableName}"`, columns, rows: 0 },
      new AbortController().signal,
    )
  }

  async function createTable(name: string): Promise<void> {
    const defs = columns.map((c) => `"${c.name}" ${client.dialect.columnType(c)}`).join(', ')
    await admin(`CREATE TABLE ${schema}.${name} (${defs})`)
  }

  const readBack = (name: string) =>
    admin(
      `SELECT ${columns.map((c) => `"${c.name}"::text AS "${c.name}"`).join(', ')} FROM ${schema}.${name} ORDER BY id::bigint`,
    )

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-pg-csv-'))
    client = await connectPostgres({ params: parsePostgresCredentials(urlWith({})) })
    await admin(`CREATE SCHEMA ${schema}`)
  })
  afterAll(async () => {
    await client?.[Symbol.asyncDispose]()
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('puts csv first in its capabilities (core writes csv job files) and still lists jsonl', () => {
    expect(postgres({ credentials: urlWith({}) }).capabilities.fileFormats).toEqual(['csv', 'jsonl'])
  })

  it('asks core for 8 MiB job files (COPY costs the same per row at any size; less is left after the last page)', () => {
    expect(postgres({ credentials: urlWith({}) }).capabilities.jobFileMaxBytes).toBe(8 * 1024 * 1024)
  })

  it('loads tricky values from a csv job file written by core exactly', async () => {
    await createTable('from_csv')
    expect(await load(await writeJob('csv', rows), 'from_csv', 'csv')).toBe(rows.length)
    expect(await readBack('from_csv')).toEqual(expected)
  })

  it('loads the same rows from csv and from jsonl identically', async () => {
    await createTable('same_csv')
    await createTable('same_jsonl')
    await load(await writeJob('csv', rows), 'same_csv', 'csv')
    await load(await writeJob('jsonl', rows), 'same_jsonl', 'jsonl')
    expect(await readBack('same_csv')).toEqual(await readBack('same_jsonl'))
  })

  for (const format of ['csv', 'jsonl'] as const) {
    it(`rejects a NUL character in text or json from ${format} as DESTINATION_DATA (PostgreSQL text cannot hold it)`, async () => {
      await createTable(`nul_${format}`)
      for (const row of [
        { id: 1, name: 'a\u0000b' },
        { id: 2, doc: { k: 'a\u0000b' } },
      ]) {
        const error = await load(await writeJob(format, [row]), `nul_${format}`, format).catch(
          (e: unknown) => e,
        )
        expect(error).toMatchObject({ code: 'DESTINATION_DATA' })
      }
      expect(await admin(`SELECT count(*)::int AS n FROM ${schema}.nul_${format}`)).toEqual([{ n: 0 }])
    })
  }
})
