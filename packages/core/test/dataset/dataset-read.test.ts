import { describe, expect, it } from 'vitest'
import { dataset } from '../../src/dataset/dataset.ts'
import { JUPYTER_DISPLAY } from '../../src/dataset/dataset-display.ts'
import { isSluiceError, SluiceError } from '../../src/errors.ts'
import { col, DIALECTS, type FakeResult, fakeReader, readerDestination, SCHEMA } from './fake-reader.ts'

// Fetching: values in their documented JS types, streaming chunk by chunk, row counts in one query, loads and
// schemas read from the system tables, the reader opened once and closed by close() or `await using`.
const T0 = new Date('2024-05-06T07:08:09.000Z')

function withAnswer(answer: (sql: string, params: readonly unknown[]) => FakeResult, schemas = [SCHEMA]) {
  const reader = fakeReader(DIALECTS.duckdb('clockodo_data'), answer)
  let opened = 0
  const destination = readerDestination(reader)
  const open = destination.openReader!
  destination.openReader = (ctx) => {
    opened++
    return open(ctx)
  }
  return { reader, ds: dataset({ destination, datasetName: 'Clockodo Data', schemas }), opened: () => opened }
}

const ENTRY_COLUMNS = [
  col('users_name'),
  col('duration', 'bigint'),
  col('time_since', 'timestamp'),
  col('billable', 'bool'),
  col('json_col', 'json'),
]
const ENTRY_ROWS = [
  ['Ada', 3600n, T0, true, { a: 1 }],
  ['Bob', 9007199254740993n, null, false, [1, 2]],
]

describe('fetching a relation', () => {
  it('rows() and fetchall() convert bigints that fit to numbers and keep the rest as the reader gives them', async () => {
    const { ds } = withAnswer(() => ({ columns: ENTRY_COLUMNS, rows: ENTRY_ROWS }))
    const rows = await ds.query('select * from entries').rows()
    expect(rows).toEqual([
      { users_name: 'Ada', duration: 3600, time_since: T0, billable: true, json_col: { a: 1 } },
      { users_name: 'Bob', duration: 9007199254740993n, time_since: null, billable: false, json_col: [1, 2] },
    ])
    expect(Object.keys(rows)).toEqual(['0', '1'])
    expect(await ds.query('select * from entries').fetchall()).toEqual([
      ['Ada', 3600, T0, true, { a: 1 }],
      ['Bob', 9007199254740993n, null, false, [1, 2]],
    ])
  })

  it('a relation of a table names its columns after the schema (an engine that upper-cases gives them back)', async () => {
    const { ds } = withAnswer(() => ({
      columns: [col('USERS_NAME'), col('ID', 'bigint')],
      rows: [['Ada', 1n]],
    }))
    const rel = ds.table('entries').select('users_name', 'id')
    expect(await rel.rows()).toEqual([{ users_name: 'Ada', id: 1 }])
    expect(await rel.columns()).toEqual([
      { name: 'users_name', dataType: 'text' },
      { name: 'id', dataType: 'bigint' },
    ])
  })

  it('iterRows streams the reader chunk by chunk: a chunk arrives before the next is read', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => [BigInt(i)])
    const { ds, reader } = withAnswer(() => ({ columns: [col('id', 'bigint')], rows }))
    const seen: number[][] = []
    for await (const chunk of ds.table('users').select('id').iterRows({ chunkSize: 4 })) {
      seen.push(chunk.map((r) => r['id'] as number))
      expect(reader.yielded).toBe(seen.length)
    }
    expect(seen).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ])
    const tuples = []
    for await (const chunk of ds.query('select 1').iterTuples({ chunkSize: 6 }))
      tuples.push(chunk.rows.length)
    expect(tuples).toEqual([6, 4])
  })

  it('a query without rows still has its columns; iterRows then yields nothing', async () => {
    const { ds } = withAnswer(() => ({ columns: [col('n', 'bigint')], rows: [] }))
    expect(await ds.query('select 1 as n where false').columns()).toEqual([{ name: 'n', dataType: 'bigint' }])
    const chunks = []
    for await (const chunk of ds.query('select 1 as n where false').iterRows()) chunks.push(chunk)
    expect(chunks).toEqual([])
    expect(await ds.query('select 1 as n where false').fetchone()).toBeUndefined()
  })

  it('fetchone limits a table relation; scalar needs one column and at most one row', async () => {
    const { ds, reader } = withAnswer((sql) =>
      sql.includes('count')
        ? { columns: [col('n', 'bigint')], rows: [[76500n]] }
        : { columns: ENTRY_COLUMNS, rows: ENTRY_ROWS },
    )
    expect(await ds.table('entries').fetchone()).toEqual(['Ada', 3600, T0, true, { a: 1 }])
    expect(reader.queries.at(-1)?.sql).toMatch(/ LIMIT 2$/)
    expect(await ds.query('select count(*) as n from entries').scalar()).toBe(76500)
    const many = await ds
      .query('select * from entries')
      .scalar()
      .catch((e: unknown) => e)
    expect(isSluiceError(many, 'QUERY_INVALID')).toBe(true)
    expect((many as Error).message).toMatch(/got 5 column\(s\) and more than one row/)
  })

  it('errors of the reader come through as they are', async () => {
    const { ds } = withAnswer(() => {
      throw new SluiceError('READ_ONLY', 'the reader is read-only', { hint: 'run a SELECT' })
    })
    const error = await ds
      .query('delete from entries')
      .rows()
      .catch((e: unknown) => e)
    expect(isSluiceError(error, 'READ_ONLY')).toBe(true)
  })
})

describe('the dataset', () => {
  it('tables: root tables, children and system tables on request', async () => {
    const { ds } = withAnswer(() => ({ columns: [], rows: [] }))
    expect(await ds.tables()).toEqual(['entries', 'users'])
    expect(await ds.tables({ children: true })).toEqual(['entries', 'entries__tags', 'users'])
    expect(await ds.tables({ system: true })).toEqual([
      'entries',
      'users',
      '_sluice_loads',
      '_sluice_version',
      '_sluice_pipeline_state',
    ])
    expect((await ds.schema()).name).toBe('clockodo')
    await expect(ds.schema('other')).rejects.toThrow(/no schema "other": its schemas: clockodo/)
  })

  it('rowCounts: one UNION ALL query, by load on request; it displays as a table', async () => {
    // the engine may return the counts in any order; each says which table it counts
    const counts3 = [
      [0n, 76500n],
      [2n, 25n],
      [1n, 3n],
    ]
    const { ds, reader } = withAnswer((sql) => ({
      columns: [col('i', 'bigint'), col('n', 'bigint')],
      rows: sql.includes('UNION ALL') ? counts3 : [[0n, 25n]],
    }))
    const counts = await ds.rowCounts({ loadId: '1.5' })
    expect(counts).toEqual([
      { table: 'entries', rows: 76500 },
      { table: 'entries__tags', rows: 3 },
      { table: 'users', rows: 25 },
    ])
    expect(reader.queries).toEqual([
      {
        sql:
          'SELECT 0 AS "i", COUNT(*) AS "n" FROM "clockodo_data"."entries" WHERE "_sluice_load_id" = $1 UNION ALL ' +
          'SELECT 1 AS "i", COUNT(*) AS "n" FROM "clockodo_data"."entries__tags" WHERE "_sluice_load_id" = $2 UNION ALL ' +
          'SELECT 2 AS "i", COUNT(*) AS "n" FROM "clockodo_data"."users" WHERE "_sluice_load_id" = $3',
        params: ['1.5', '1.5', '1.5'],
      },
    ])
    const display = (
      counts as unknown as Record<symbol, () => { 'text/html': string; 'text/plain': string }>
    )[JUPYTER_DISPLAY]!()
    expect(display['text/plain'].split('\n').slice(0, 3)).toEqual([
      'table          rows',
      '-------------  -----',
      'entries        76500',
    ])
    expect(display['text/html']).toContain('<th>table</th><th>rows</th>')
    await ds.rowCounts({ tables: ['Users'], system: true })
    expect(reader.queries.at(-1)?.sql).toBe('SELECT 0 AS "i", COUNT(*) AS "n" FROM "clockodo_data"."users"')
  })

  it('loadIds and latestLoadId: completed loads of its schemas from _sluice_loads, oldest first', async () => {
    const { ds, reader } = withAnswer(() => ({
      columns: [col('load_id')],
      rows: [['1712000000.200000'], ['999999999.900000'], ['1712000000.100000']],
    }))
    expect(await ds.loadIds()).toEqual(['999999999.900000', '1712000000.100000', '1712000000.200000'])
    expect(await ds.latestLoadId()).toBe('1712000000.200000')
    expect(reader.queries[0]).toEqual({
      sql: 'SELECT "t0"."load_id" AS "load_id" FROM "clockodo_data"."_sluice_loads" AS "t0" WHERE "t0"."status" = $1 AND "t0"."schema_name" IN ($2)',
      params: [0, 'clockodo'],
    })
  })

  it('without schemas it reads the newest of each from _sluice_version', async () => {
    const stored = { ...SCHEMA, tables: { users: SCHEMA.tables['users']! } }
    const { ds, reader } = withAnswer(
      (sql) =>
        sql.includes('_sluice_version')
          ? {
              columns: [col('schema_name'), col('schema')],
              rows: [
                ['clockodo', JSON.stringify(stored)],
                ['clockodo', JSON.stringify(SCHEMA)],
              ],
            }
          : { columns: [col('n', 'bigint')], rows: [[1n]] },
      [],
    )
    expect(await ds.tables()).toEqual(['users'])
    expect(reader.queries[0]?.sql).toContain('ORDER BY "t0"."inserted_at" DESC, "t0"."version" DESC')
  })

  it('a dataset without sluice tables says so; a destination without a reader says so', async () => {
    const { ds } = withAnswer(() => {
      throw new SluiceError('QUERY_FAILED', 'Catalog Error: Table with name _sluice_version does not exist!')
    }, [])
    const error = await ds.tables().catch((e: unknown) => e)
    expect(isSluiceError(error, 'TABLE_UNKNOWN')).toBe(true)
    expect((error as Error).message).toMatch(/dataset "clockodo_data" holds no tables loaded by sluice/)
    const none = dataset({ destination: readerDestination(undefined), datasetName: 'x' })
    const missing = await none
      .table('entries')
      .rows()
      .catch((e: unknown) => e)
    expect(isSluiceError(missing, 'READER_MISSING')).toBe(true)
  })

  it('opens the reader once, closes it once; a query after close opens it again; await using closes', async () => {
    const { ds, reader, opened } = withAnswer(() => ({ columns: [col('n', 'bigint')], rows: [[1n]] }))
    await ds.query('select 1').rows()
    await ds.table('users').rows()
    expect(opened()).toBe(1)
    await ds.close()
    await ds.close()
    expect(reader.closed).toBe(1)
    await ds.query('select 1').rows()
    expect(opened()).toBe(2)
    {
      await using scoped = ds
      await scoped.tables()
    }
    expect(reader.closed).toBe(2)
  })
})
