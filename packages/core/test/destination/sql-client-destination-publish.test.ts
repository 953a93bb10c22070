import { describe, expect, it } from 'vitest'
import type { PackageLoad } from '../../src/destination/destination-types.ts'
import type { SqlClient } from '../../src/destination/sql/sql-types.ts'
import type { Table } from '../../src/schema/schema-types.ts'
import {
  caps,
  dialect,
  fakeClient,
  kidsOf,
  type Logged,
  load,
  odd,
  over,
  schema,
  table,
} from './sql-client-destination-kit.ts'

describe('SqlClientDestination with publishByRename', () => {
  const columnsOf = ['id', odd, '_sluice_load_id', '_sluice_id']
  // an empty dataset: the target has no rows, staging keys are unique, target and swap table have the same columns
  const answer = (sql: string): Record<string, unknown>[] =>
    sql.startsWith('SELECT table_name, column_name FROM information_schema.columns')
      ? ['items', '_sluice_swap__items'].flatMap((t) =>
          columnsOf.map((c) => ({ table_name: t, column_name: c })),
        )
      : []

  function destination(maxIdentifierLength = 63, loses = false) {
    const fake = fakeClient(answer)
    const dest = over(
      fake.client,
      { ...caps(true), maxIdentifierLength },
      { publishByRename: { hasExtras: async () => loses } },
    )
    return { dest, log: fake.log }
  }

  it('stages a first load in the dataset and renames it into place instead of copying', async () => {
    const { dest, log } = destination()
    await dest.prepareTables(load.loadId, [table])
    expect(log.map((l) => l.sql)).toContain(
      'CREATE TABLE IF NOT EXISTS "ds"."_sluice_swap__items" ("id" BIGINT, "x""; DROP TABLE t; --" TEXT, "_sluice_load_id" TEXT, "_sluice_id" TEXT)',
    )
    expect(dest.names.table('items', true)).toBe('"ds"."_sluice_swap__items"')
    log.length = 0
    await dest.complete(load)
    const sql = log.map((l) => l.sql)
    expect(sql).toContain('DROP TABLE "ds"."items"')
    expect(sql).toContain('ALTER TABLE "ds"."_sluice_swap__items" RENAME TO "items"')
    expect(sql.some((s) => s.startsWith('INSERT INTO "ds"."items"'))).toBe(false)
    expect(dest.names.table('items', true)).toBe('"ds_staging"."items"')
  })

  it('copies and drops the swap table when the engine says the drop would lose something', async () => {
    const { dest, log } = destination(63, true)
    await dest.prepareTables(load.loadId, [table])
    log.length = 0
    await dest.complete(load)
    const sql = log.map((l) => l.sql)
    expect(sql.some((s) => s.includes('RENAME TO'))).toBe(false)
    expect(
      sql.some((s) => s.startsWith('INSERT INTO "ds"."items"') && s.includes('"ds"."_sluice_swap__items"')),
    ).toBe(true)
    expect(sql).toContain('DROP TABLE IF EXISTS "ds"."_sluice_swap__items"')
  })

  it('drops what it staged when the load was published before (a rerun after a crash past the commit)', async () => {
    const fake = fakeClient((sql) =>
      sql.includes('_sluice_loads') ? [{ load_id: load.loadId }] : answer(sql),
    )
    const dest = over(fake.client, caps(true), { publishByRename: {} })
    await dest.prepareTables(load.loadId, [table])
    fake.log.length = 0
    await dest.complete(load)
    expect(fake.log.map((l) => l.sql).slice(1)).toEqual(['DROP TABLE IF EXISTS "ds"."_sluice_swap__items"'])
  })

  it('stages in <dataset>_staging when the swap name would pass the identifier limit', async () => {
    const { dest, log } = destination(12)
    await dest.prepareTables(load.loadId, [table])
    expect(log.map((l) => l.sql)).toEqual(['DELETE FROM "ds_staging"."items"'])
    expect(dest.names.table('items', true)).toBe('"ds_staging"."items"')
  })
})

describe('SqlClientDestination without transactional DDL', () => {
  it('ignores publishByRename: a drop and a rename outside one transaction could lose the table', async () => {
    const { client, log } = fakeClient()
    const dest = over(client, caps(false), { publishByRename: {} })
    await dest.prepareTables(load.loadId, [table])
    expect(log.map((l) => l.sql)).toEqual(['DELETE FROM "ds_staging"."items"'])
  })
})

describe('SqlClientDestination.complete without transactions: a repeated publish inserts nothing twice', () => {
  const appendTable: Table = { ...table, writeDisposition: 'append' }
  const kids = kidsOf('append', ['_sluice_load_id', '_sluice_parent_id', '_sluice_id'])
  const appendLoad: PackageLoad = {
    ...load,
    schema: { ...schema, tables: { items: appendTable, items__kids: kids } },
    tables: [
      { table: appendTable, disposition: 'append', rows: 1 },
      { table: kids, disposition: 'append', rows: 1 },
    ],
  }
  const inserts = (log: Logged[]) =>
    log.filter((l) => /^INSERT INTO "ds"\."items(__kids)?"/.test(l.sql)).map((l) => [l.sql, l.params])

  it('an append skips each table that already holds rows of the load', async () => {
    const { client, log } = fakeClient()
    await over(client, caps(false)).complete(appendLoad)
    expect(inserts(log)).toEqual([
      [
        'INSERT INTO "ds"."items" ("id", "x""; DROP TABLE t; --", "_sluice_load_id", "_sluice_id") SELECT s."id", s."x""; DROP TABLE t; --", s."_sluice_load_id", s."_sluice_id" FROM "ds_staging"."items" AS s WHERE NOT EXISTS (SELECT 1 FROM "ds"."items" AS g WHERE g."_sluice_load_id" = CAST($1 AS TEXT))',
        [load.loadId],
      ],
      [
        'INSERT INTO "ds"."items__kids" ("v", "_sluice_load_id", "_sluice_parent_id", "_sluice_id") SELECT s."v", s."_sluice_load_id", s."_sluice_parent_id", s."_sluice_id" FROM "ds_staging"."items__kids" AS s WHERE NOT EXISTS (SELECT 1 FROM "ds"."items__kids" AS g WHERE g."_sluice_load_id" = CAST($1 AS TEXT))',
        [load.loadId],
      ],
    ])
  })

  it('a merge without keys is guarded the same way; one with keys deletes before it inserts, unguarded', async () => {
    const plain: Table = { ...table, columns: table.columns.map(({ primaryKey: _p, ...c }) => c) }
    const keyless = fakeClient()
    await over(keyless.client, caps(false)).complete({
      ...load,
      schema: { ...schema, tables: { items: plain } },
      tables: [{ table: plain, disposition: 'merge', mergeStrategy: 'delete-insert', rows: 1 }],
    })
    const [insert] = inserts(keyless.log)
    expect(insert?.[0]).toMatch(
      / AND NOT EXISTS \(SELECT 1 FROM "ds"\."items" AS g WHERE g\."_sluice_load_id" = CAST\(\$1 AS TEXT\)\)$/,
    )
    expect(insert?.[1]).toEqual([load.loadId])
    const keyed = fakeClient()
    await over(keyed.client, caps(false)).complete(load)
    expect(keyed.log.some((l) => l.sql.startsWith('DELETE FROM "ds"."items"'))).toBe(true)
    expect(
      inserts(keyed.log).some(([sql]) => String(sql).includes('NOT EXISTS (SELECT 1 FROM "ds"."items" AS g')),
    ).toBe(false)
  })

  it('with a transaction nothing is guarded (the publish is all or nothing)', async () => {
    const { client, log } = fakeClient()
    await over(client, caps(true)).complete(appendLoad)
    expect(inserts(log).map(([sql]) => String(sql).includes('NOT EXISTS'))).toEqual([false, false])
  })
})

describe("SqlDialect.deleteSyntax 'merge'", () => {
  const withChild = kidsOf('merge', ['_sluice_root_id', '_sluice_id'])
  const family: PackageLoad = {
    ...load,
    schema: { ...schema, tables: { items: table, items__kids: withChild } },
  }
  const merging = (client: SqlClient): SqlClient => ({
    ...client,
    dialect: { ...dialect, deleteSyntax: 'merge', upsertSyntax: 'merge' },
  })

  it('deletes through MERGE ... WHEN MATCHED THEN DELETE, never DELETE with a subquery', async () => {
    const { client, log } = fakeClient()
    await over(merging(client), caps(false)).complete(family)
    const sql = log.map((l) => l.sql)
    const doomed =
      'SELECT t."_sluice_id" FROM "ds"."items" AS t WHERE EXISTS (SELECT 1 FROM "ds_staging"."items" AS s WHERE s."id" = t."id")'
    expect(sql).toContain(
      `MERGE INTO "ds"."items__kids" AS d USING (SELECT DISTINCT i."_sluice_id" FROM (${doomed}) AS i) AS k ON d."_sluice_root_id" = k."_sluice_id" WHEN MATCHED THEN DELETE`,
    )
    expect(sql).toContain(
      `MERGE INTO "ds"."items" AS d USING (SELECT DISTINCT i."_sluice_id" FROM (${doomed}) AS i) AS k ON d."_sluice_id" = k."_sluice_id" WHEN MATCHED THEN DELETE`,
    )
    expect(sql.some((s) => /^DELETE FROM "ds"\./.test(s))).toBe(false)
  })

  it('does the same for upsert, range deletes keeping their parameters', async () => {
    const { client, log } = fakeClient()
    const ranged = { ...table, columns: [...table.columns, { name: 'at', dataType: 'timestamp' as const }] }
    await over(merging(client), caps(false)).complete({
      ...family,
      schema: { ...schema, tables: { items: ranged, items__kids: withChild } },
      tables: [
        {
          table: ranged,
          disposition: 'merge',
          mergeStrategy: 'upsert',
          rows: 1,
          replaceRanges: [{ column: 'at', from: '2024-01-01T00:00:00Z', to: '2024-02-01T00:00:00Z' }],
        },
      ],
    })
    const deletes = log.filter(
      (l) => l.sql.startsWith('MERGE INTO') && l.sql.endsWith('WHEN MATCHED THEN DELETE'),
    )
    expect(deletes.map((l) => l.sql.slice(0, 30))).toEqual([
      'MERGE INTO "ds"."items__kids" ',
      'MERGE INTO "ds"."items" AS d U',
    ])
    expect(deletes.map((l) => l.params)).toEqual([
      ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'],
      ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'],
    ])
    expect(log.some((l) => /^DELETE FROM "ds"\./.test(l.sql))).toBe(false)
  })
})
