import { describe, expect, it } from 'vitest'
import { dataset } from '../../src/dataset/dataset.ts'
import type { Dataset } from '../../src/dataset/dataset-types.ts'
import { isSluiceError } from '../../src/errors.ts'
import { DIALECTS, fakeReader, readerDestination, SCHEMA } from './fake-reader.ts'

// The SQL relations compile to, per dialect: quoting, the engine's identifier case, parameters, names resolved
// like the loader's. Nothing runs here: toSql() only needs the reader's dialect.
function on(kind: keyof typeof DIALECTS): Dataset {
  const reader = fakeReader(DIALECTS[kind]('clockodo_data'), () => ({ columns: [], rows: [] }))
  return dataset({ destination: readerDestination(reader), datasetName: 'clockodo_data', schemas: [SCHEMA] })
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure')
}

describe('relations compile to SQL in the dialect of the reader', () => {
  it('a table with select, typed where, order and limit (DuckDB)', async () => {
    const rel = on('duckdb')
      .table('entries')
      .select('users_name', 'duration')
      .where('users_id', 'eq', '42')
      .where('time_since', 'gte', '2024-01-01T00:00:00Z')
      .where('billable', 'eq', 'true')
      .orderBy('duration', 'desc')
      .limit(5)
    expect(await rel.toSql()).toEqual({
      sql:
        'SELECT "t0"."users_name" AS "users_name", "t0"."duration" AS "duration" FROM "clockodo_data"."entries" AS "t0"' +
        ' WHERE "t0"."users_id" = $1 AND "t0"."time_since" >= $2 AND "t0"."billable" = $3' +
        ' ORDER BY "t0"."duration" DESC LIMIT 5',
      params: [42, new Date('2024-01-01T00:00:00Z'), true],
    })
  })

  it('every column in schema order without select; in, notIn, null checks and a SQL fragment (PostgreSQL)', async () => {
    const { sql, params } = await on('postgres')
      .table('users')
      .where('id', 'in', [1, '2', 3n])
      .where('name', 'notIn', [])
      .where('name', 'ne', null)
      .where('id', 'isNull')
      .where("name like 'A%'")
      .toSql()
    expect(sql).toBe(
      'SELECT "t0"."id" AS "id", "t0"."name" AS "name", "t0"."_sluice_load_id" AS "_sluice_load_id", "t0"."_sluice_id" AS "_sluice_id"' +
        ' FROM "clockodo_data"."users" AS "t0"' +
        ' WHERE "t0"."id" IN ($1, $2, $3) AND 1 = 1 AND "t0"."name" IS NOT NULL AND "t0"."id" IS NULL' +
        ` AND (name like 'A%')`,
    )
    expect(params).toEqual([1, 2, 3])
  })

  it('BigQuery: backticks and ? parameters; Snowflake: upper-case identifiers', async () => {
    expect((await on('bigquery').table('users').select('name').where('id', 'gt', 7).toSql()).sql).toBe(
      'SELECT `t0`.`name` AS `name` FROM `clockodo_data`.`users` AS `t0` WHERE `t0`.`id` > ?',
    )
    expect((await on('snowflake').table('users').select('name').where('id', 'lt', 7).toSql()).sql).toBe(
      'SELECT "T0"."NAME" AS "NAME" FROM "CLOCKODO_DATA"."USERS" AS "T0" WHERE "T0"."ID" < ?',
    )
  })

  it('names resolve like the loader makes them: case, spaces and dotted paths', async () => {
    const rel = on('duckdb').table('Entries').select('Users Name', 'users.name', 'UsersID')
    expect((await rel.toSql()).sql).toMatch(/^SELECT "t0"."users_name" AS "users_name", "t0"."users_name"/)
    expect((await on('duckdb').table('entries').select('usersId').toSql()).sql).toContain('"t0"."users_id"')
    await expect(on('duckdb').table('entries').select('user').toSql()).rejects.toThrow(/no column "user"/)
    expect((await on('duckdb').table('entries').select('users.id').toSql()).sql).toContain('"t0"."users_id"')
  })

  it('an unknown table or column is an error listing the close names', async () => {
    const table = await failure(on('duckdb').table('entrys').rows())
    expect(isSluiceError(table, 'TABLE_UNKNOWN')).toBe(true)
    expect(table.message).toBe(
      'the dataset has no table "entrys": did you mean "entries"? (dataset.tables() lists them all)',
    )
    const column = await failure(on('duckdb').table('entries').select('user_name').toSql())
    expect(isSluiceError(column, 'COLUMN_UNKNOWN')).toBe(true)
    expect(column.message).toContain('did you mean "users_name"')
    const far = await failure(on('duckdb').table('xyzzy_quux').toSql())
    expect(far.message).toMatch(/tables: "entries", "users"/)
  })

  it('values that do not fit the column are QUERY_INVALID before anything runs', async () => {
    for (const [column, value] of [
      ['users_id', 'forty-two'],
      ['users_id', 1.5],
      ['time_since', 'yesterday'],
      ['billable', 'yes'],
      ['day', '2024-1-5'],
    ] as const) {
      const error = await failure(on('duckdb').table('entries').where(column, 'eq', value).toSql())
      expect(isSluiceError(error, 'QUERY_INVALID'), `${column} ${value}`).toBe(true)
      expect(error.message).toContain(`column "${column}"`)
    }
    expect((await failure(on('duckdb').table('entries').where('id', 'in', 3).toSql())).message).toMatch(
      /needs an array/,
    )
    expect((await failure(on('duckdb').table('entries').where('id', 'gt', null).toSql())).message).toMatch(
      /isNull/,
    )
    expect(
      (
        await failure(
          on('duckdb')
            .table('entries')
            .where('id', 'like' as 'eq', 1)
            .toSql(),
        )
      ).message,
    ).toMatch(/unknown operator "like"/)
    expect(() => on('duckdb').table('entries').limit(-1)).toThrow(/limit must be a whole number/)
  })

  it('a bigint beyond 2^53 stays a bigint parameter; dates and timestamps in their JS types', async () => {
    const { params } = await on('duckdb')
      .table('entries')
      .where('id', 'eq', '9007199254740993')
      .where('day', 'eq', new Date('2024-03-04T10:00:00Z'))
      .where('time_since', 'lt', 1_700_000_000_000)
      .toSql()
    expect(params).toEqual([9007199254740993n, '2024-03-04', new Date(1_700_000_000_000)])
  })

  it('joins along the parent/child keys; joined columns are <table>__<column> and addressable as table.column', async () => {
    const { sql } = await on('duckdb')
      .table('entries')
      .join('entries__tags')
      .select('id', 'entries__tags.value')
      .where('entries__tags.value', 'eq', 'urgent')
      .toSql()
    expect(sql).toBe(
      'SELECT "t0"."id" AS "id", "t1"."value" AS "entries__tags__value" FROM "clockodo_data"."entries" AS "t0"' +
        ' JOIN "clockodo_data"."entries__tags" AS "t1" ON "t1"."_sluice_parent_id" = "t0"."_sluice_id"' +
        ' WHERE "t1"."value" = $1',
    )
    const parent = await on('duckdb')
      .table('entries__tags')
      .join('entries', { kind: 'left' })
      .select('value', 'entries__users_name')
      .toSql()
    expect(parent.sql).toContain(
      'LEFT JOIN "clockodo_data"."entries" AS "t1" ON "t0"."_sluice_parent_id" = "t1"."_sluice_id"',
    )
    expect(parent.sql).toContain('"t1"."users_name" AS "entries__users_name"')
    const all = await on('duckdb').table('entries').join('entries__tags').columns()
    expect(all.map((c) => c.name)).toContain('entries__tags___sluice_parent_id')
    const unrelated = await failure(on('duckdb').table('entries').join('users').toSql())
    expect(isSluiceError(unrelated, 'QUERY_INVALID')).toBe(true)
    expect(unrelated.message).toMatch(/neither a parent, child nor root table.*join one of "entries__tags"/)
  })

  it('fromLoads, min and max', async () => {
    const loads = await on('duckdb').table('entries').select('id').fromLoads(['1.1', '2.2']).toSql()
    expect(loads).toEqual({
      sql: 'SELECT "t0"."id" AS "id" FROM "clockodo_data"."entries" AS "t0" WHERE "t0"."_sluice_load_id" IN ($1, $2)',
      params: ['1.1', '2.2'],
    })
    expect((await on('postgres').table('entries').max('time_since').toSql()).sql).toBe(
      'SELECT MAX("t0"."time_since") AS "time_since" FROM "clockodo_data"."entries" AS "t0"',
    )
    const min = on('postgres').table('entries').where('users_id', 'eq', 1).min('duration')
    expect(await min.columns()).toEqual([{ name: 'duration', dataType: 'bigint' }])
  })

  it('a query runs as written; building on it wraps it as a subquery', async () => {
    const ds = on('duckdb')
    expect(await ds.query('select 1 as n;').toSql()).toEqual({ sql: 'select 1 as n;', params: [] })
    expect(
      await ds
        .query('select users_name, duration from entries ; ')
        .where('duration', 'gt', 60)
        .select('users_name')
        .limit(3)
        .toSql(),
    ).toEqual({
      sql: 'SELECT "q"."users_name" AS "users_name" FROM (select users_name, duration from entries) AS "q" WHERE "q"."duration" > $1 LIMIT 3',
      params: [60],
    })
    expect((await failure(ds.query('select 1').join('users').toSql())).message).toMatch(/cannot join/)
    expect(() => ds.query('  ')).toThrow(/needs a SQL statement/)
  })
})
