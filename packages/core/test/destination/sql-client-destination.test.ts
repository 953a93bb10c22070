import { describe, expect, it } from 'vitest'
import type { PackageLoad } from '../../src/destination/destination-types.ts'
import type { SqlClient } from '../../src/destination/sql/sql-types.ts'
import { SluiceError } from '../../src/errors.ts'
import type { Table } from '../../src/schema/schema-types.ts'
import {
  caps,
  dialect,
  fakeClient,
  type Logged,
  load,
  over,
  schema,
  table,
} from './sql-client-destination-kit.ts'

describe('SqlClientDestination.complete', () => {
  it('publishes in one transaction with version, state and _sluice_loads last', async () => {
    const { client, log } = fakeClient()
    const dest = over(client, caps(true))
    await dest.complete(load)
    expect(log.every((l) => l.inTx)).toBe(true)
    const writes = log.filter((l) => l.sql.startsWith('INSERT') || l.sql.startsWith('DELETE'))
    expect(writes.at(-1)?.sql).toMatch(/^INSERT INTO "ds"."_sluice_loads"/)
    expect(writes.at(-2)?.sql).toMatch(/^INSERT INTO "ds"."_sluice_pipeline_state"/)
    expect(writes.at(-3)?.sql).toMatch(/^INSERT INTO "ds"."_sluice_version"/)
    expect(writes.some((l) => l.sql.startsWith('DELETE FROM "ds"."items"'))).toBe(true)
    expect(writes.some((l) => l.sql.includes('"ds_staging"."items"'))).toBe(true)
  })

  it('is a no-op when the load is already recorded', async () => {
    const { client, log } = fakeClient((sql) =>
      sql.includes('_sluice_loads') ? [{ load_id: load.loadId }] : [],
    )
    const dest = over(client, caps(true))
    await dest.complete(load)
    expect(log).toHaveLength(1)
    expect(log[0]?.sql).toMatch(/^SELECT/)
  })

  it('runs without a transaction where the destination has none', async () => {
    const { client, log } = fakeClient()
    const dest = over(client, caps(false))
    await dest.complete(load)
    expect(log.some((l) => l.inTx)).toBe(false)
    expect(log.at(-1)?.sql).toMatch(/_sluice_loads/)
  })

  it('quotes data identifiers, never pasting them raw', async () => {
    const { client, log } = fakeClient()
    const dest = over(client, caps(true))
    await dest.complete(load)
    const all = log.map((l) => l.sql).join('\n')
    expect(all).toContain('"x""; DROP TABLE t; --"')
    expect(all.replaceAll('"x""; DROP TABLE t; --"', '')).not.toContain('DROP TABLE')
  })
})

describe('SqlClientDestination.complete: staging de-duplication', () => {
  const dest = (client: SqlClient) => over(client, caps(true))
  const insertOf = (log: Logged[]) => log.find((l) => l.sql.startsWith('INSERT INTO "ds"."items"'))?.sql

  it('checks staging for duplicate keys and leaves out the window when there are none', async () => {
    const { client, log } = fakeClient()
    await dest(client).complete(load)
    const check = log.findIndex((l) => l.sql.includes('HAVING COUNT(*) > 1'))
    expect(log[check]?.sql).toBe(
      'SELECT 1 AS "_sluice_dup" FROM "ds_staging"."items" GROUP BY "id" HAVING COUNT(*) > 1 LIMIT 1',
    )
    expect(log[check]?.inTx).toBe(true)
    expect(check).toBeLessThan(log.findIndex((l) => l.sql.startsWith('INSERT INTO "ds"."items"')))
    expect(insertOf(log)).toBeDefined()
    expect(insertOf(log)).not.toContain('ROW_NUMBER')
  })

  it("counts distinct keys instead of grouping where the dialect asks ('count-distinct')", async () => {
    for (const duplicates of [false, true]) {
      const { client, log } = fakeClient((sql) =>
        duplicates && sql.includes('COUNT(DISTINCT') ? [{ d: 1 }] : [],
      )
      const counting: SqlClient = { ...client, dialect: { ...dialect, checkDuplicateKeys: 'count-distinct' } }
      await dest(counting).complete(load)
      expect(log.filter((l) => l.sql.includes('"_sluice_dup"')).map((l) => l.sql)).toEqual([
        'SELECT 1 AS "_sluice_dup" FROM (SELECT COUNT(*) AS n, COUNT(DISTINCT "id") AS d FROM "ds_staging"."items") s WHERE n <> d',
      ])
      expect(insertOf(log)?.includes('ROW_NUMBER')).toBe(duplicates)
    }
  })

  it("runs the check before the transaction through the client's readStaging", async () => {
    for (const duplicates of [false, true]) {
      const { client, log } = fakeClient()
      const staged: Logged[] = []
      const withStaging: SqlClient = {
        ...client,
        readStaging: async <T extends Record<string, unknown>>(sql: string) => {
          staged.push({ sql, params: undefined, inTx: false })
          return (duplicates ? [{ _sluice_dup: 1 }] : []) as unknown as T[]
        },
      }
      await dest(withStaging).complete(load)
      expect(staged.map((l) => l.sql)).toEqual([
        'SELECT 1 AS "_sluice_dup" FROM "ds_staging"."items" GROUP BY "id" HAVING COUNT(*) > 1 LIMIT 1',
      ])
      expect(log.some((l) => l.sql.includes('HAVING COUNT(*) > 1'))).toBe(false)
      expect(insertOf(log)?.includes('ROW_NUMBER')).toBe(duplicates)
    }
  })

  it('checks inside the transaction when the check before it fails', async () => {
    const { client, log } = fakeClient()
    const failing: SqlClient = {
      ...client,
      readStaging: async () => {
        throw new Error('Catalog Error: Table with name items does not exist')
      },
    }
    await dest(failing).complete(load)
    const check = log.find((l) => l.sql.includes('HAVING COUNT(*) > 1'))
    expect(check?.inTx).toBe(true)
    expect(insertOf(log)).not.toContain('ROW_NUMBER')
  })

  it('keeps the ROW_NUMBER window when staging holds a key twice', async () => {
    const { client, log } = fakeClient((sql) =>
      sql.includes('HAVING COUNT(*) > 1') ? [{ _sluice_dup: 1 }] : [],
    )
    await dest(client).complete(load)
    expect(insertOf(log)).toContain('ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "_sluice_id" DESC)')
  })

  it('does the same for upsert', async () => {
    const upsert: PackageLoad = {
      ...load,
      tables: [{ table, disposition: 'merge', mergeStrategy: 'upsert', rows: 1 }],
    }
    const unique = fakeClient()
    await dest(unique.client).complete(upsert)
    const dup = fakeClient((sql) => (sql.includes('HAVING COUNT(*) > 1') ? [{ _sluice_dup: 1 }] : []))
    await dest(dup.client).complete(upsert)
    const writes = (log: Logged[]) =>
      log.filter((l) => l.sql.includes('"ds"."items"') && !l.sql.startsWith('SELECT'))
    expect(writes(unique.log).length).toBeGreaterThan(0)
    expect(writes(unique.log).some((l) => l.sql.includes('ROW_NUMBER'))).toBe(false)
    expect(writes(dup.log).some((l) => l.sql.includes('ROW_NUMBER'))).toBe(true)
  })

  it('always de-duplicates with the window when the dialect turns the check off', async () => {
    const { client, log } = fakeClient()
    const noCheck: SqlClient = { ...client, dialect: { ...dialect, checkDuplicateKeys: false } }
    await dest(noCheck).complete(load)
    expect(log.some((l) => l.sql.includes('HAVING COUNT(*) > 1'))).toBe(false)
    expect(insertOf(log)).toContain('ROW_NUMBER()')
  })

  it('runs no check for tables without a primary key', async () => {
    const plain: Table = { ...table, columns: table.columns.map(({ primaryKey: _p, ...c }) => c) }
    const { client, log } = fakeClient()
    await dest(client).complete({
      ...load,
      schema: { ...schema, tables: { items: plain } },
      tables: [{ table: plain, disposition: 'merge', mergeStrategy: 'delete-insert', rows: 1 }],
    })
    expect(log.some((l) => l.sql.includes('HAVING COUNT(*) > 1'))).toBe(false)
    expect(insertOf(log)).not.toContain('ROW_NUMBER')
  })
})

describe('SqlClientDestination.migrate', () => {
  it('creates missing tables in dataset and staging and adds only missing columns', async () => {
    const { client, log } = fakeClient((sql) =>
      sql.includes('information_schema')
        ? [
            { table_schema: 'ds', table_name: 'items', column_name: 'id' },
            { table_schema: 'ds', table_name: 'items', column_name: '_sluice_id' },
          ]
        : [],
    )
    const dest = over(client, caps(true))
    await dest.migrate(schema, [])
    const ddl = log.filter((l) => !l.sql.startsWith('SELECT')).map((l) => l.sql)
    expect(ddl).toContain(
      'CREATE TABLE IF NOT EXISTS "ds_staging"."items" ("id" BIGINT, "x""; DROP TABLE t; --" TEXT, "_sluice_load_id" TEXT, "_sluice_id" TEXT)',
    )
    expect(ddl.filter((s) => s.startsWith('ALTER TABLE "ds"."items" ADD COLUMN'))).toEqual([
      'ALTER TABLE "ds"."items" ADD COLUMN "x""; DROP TABLE t; --" TEXT',
      'ALTER TABLE "ds"."items" ADD COLUMN "_sluice_load_id" TEXT',
    ])
  })

  it("uses the client's listColumns instead of information_schema when it has one", async () => {
    const { client, log } = fakeClient()
    const asked: (readonly string[])[] = []
    client.listColumns = async (schemas) => {
      asked.push(schemas)
      return [
        { schema: 'DS', table: 'ITEMS', column: 'ID' },
        { schema: 'DS', table: 'ITEMS', column: '_SLUICE_ID' },
      ]
    }
    const dest = over(client, caps(true))
    await dest.migrate(schema, [])
    expect(asked).toEqual([['ds', 'ds_staging']])
    expect(log.some((l) => l.sql.includes('information_schema'))).toBe(false)
    const ddl = log.map((l) => l.sql)
    expect(ddl.filter((s) => s.startsWith('ALTER TABLE "ds"."items" ADD COLUMN'))).toEqual([
      'ALTER TABLE "ds"."items" ADD COLUMN "x""; DROP TABLE t; --" TEXT',
      'ALTER TABLE "ds"."items" ADD COLUMN "_sluice_load_id" TEXT',
    ])
    expect(ddl.some((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "ds"."items"'))).toBe(false)
  })

  it('a failing catalog read is DESTINATION_MIGRATE, but a transient error of the client stays transient', async () => {
    const { client } = fakeClient()
    const fail = (error: Error) => {
      client.listColumns = async () => {
        throw error
      }
      return over(client, caps(true)).migrate(schema, [])
    }
    await expect(fail(new Error('no grant'))).rejects.toMatchObject({ code: 'DESTINATION_MIGRATE' })
    const lost = new SluiceError('DESTINATION_TRANSIENT', 'connection lost', { transient: true })
    await expect(fail(lost)).rejects.toBe(lost)
  })

  it("batches DDL outside transactions through the client's executeBatch", async () => {
    const { client, log } = fakeClient()
    const batches: (readonly string[])[] = []
    client.executeBatch = async (statements) => {
      batches.push(statements)
    }
    const dest = over(client, caps(false))
    await dest.initialize()
    await dest.migrate(schema, [])
    await dest.startLoad(load)
    expect(batches).toHaveLength(3)
    expect(batches[0]?.[0]).toBe('CREATE SCHEMA IF NOT EXISTS "ds"')
    expect(batches[0]).toHaveLength(5)
    expect(batches[1]?.every((s) => s.startsWith('CREATE TABLE IF NOT EXISTS'))).toBe(true)
    expect(batches[2]).toEqual(['DELETE FROM "ds_staging"."items"'])
    expect(log.filter((l) => !l.sql.startsWith('SELECT'))).toEqual([])
  })
})
