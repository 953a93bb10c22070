import { describe, expect, it } from 'vitest'
import { SluiceError } from '../../errors.ts'
import type { PipelineEvent } from '../../events.ts'
import type { Schema, Table } from '../../schema/schema-types.ts'
import type { DestinationCapabilities, DestinationContext, PackageLoad } from '../destination-types.ts'
import { SqlClientDestination, type SqlClientDestinationOptions } from './sql-client-destination.ts'
import type { SqlClient, SqlDialect, SqlExecutor } from './sql-types.ts'

const dialect: SqlDialect = {
  name: 'fake',
  quoteIdentifier: (n) => `"${n.replaceAll('"', '""')}"`,
  columnType: (c) => c.dataType.toUpperCase(),
}

const caps = (transactions: boolean): DestinationCapabilities => ({
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['insert-from-staging'],
  transactions,
  ddlInTransactions: transactions,
  maxIdentifierLength: 63,
  identifierCase: 'lower',
})

interface Logged {
  sql: string
  params: readonly unknown[] | undefined
  inTx: boolean
}

function fakeClient(answer: (sql: string) => Record<string, unknown>[] = () => []): {
  client: SqlClient
  log: Logged[]
} {
  const log: Logged[] = []
  const exec = (inTx: boolean): SqlExecutor => ({
    async execute(sql, params) {
      log.push({ sql, params, inTx })
    },
    async query<T extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      log.push({ sql, params, inTx })
      return answer(sql) as T[]
    },
  })
  const client: SqlClient = {
    dialect,
    ...exec(false),
    transaction: (fn) => fn(exec(true)),
    bulkLoad: async () => 0,
    schemaExists: async () => true,
    [Symbol.asyncDispose]: async () => {},
  }
  return { client, log }
}

const context = (events: PipelineEvent[] = []): DestinationContext => ({
  datasetName: 'ds',
  pipelineName: 'p',
  emit: (e) => events.push(e),
})

/** A destination over a fake client, dataset `ds`. */
function over(
  client: SqlClient,
  capabilities: DestinationCapabilities,
  extra: Partial<SqlClientDestinationOptions> = {},
): SqlClientDestination {
  return new SqlClientDestination({ client, ctx: context(), capabilities, location: 'x', ...extra })
}

const odd = 'x"; DROP TABLE t; --'
const table: Table = {
  name: 'items',
  writeDisposition: 'merge',
  columns: [
    { name: 'id', dataType: 'bigint', primaryKey: true },
    { name: odd, dataType: 'text' },
    { name: '_sluice_load_id', dataType: 'text' },
    { name: '_sluice_id', dataType: 'text' },
  ],
}
const schema: Schema = {
  name: 's',
  version: 1,
  versionHash: 'h1',
  previousHashes: [],
  tables: { items: table },
}
const load: PackageLoad = {
  loadId: '1700000000.1',
  schema,
  tables: [{ table, disposition: 'merge', mergeStrategy: 'delete-insert', rows: 1 }],
  state: {
    pipelineName: 'p',
    version: 1,
    versionHash: 'sh',
    state: 'abc',
    loadId: '1700000000.1',
    createdAt: '2024-01-01T00:00:00.000Z',
  },
}

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
  const kids: Table = {
    name: 'items__kids',
    parent: 'items',
    writeDisposition: 'append',
    columns: [
      { name: 'v', dataType: 'text' },
      { name: '_sluice_load_id', dataType: 'text' },
      { name: '_sluice_parent_id', dataType: 'text' },
      { name: '_sluice_id', dataType: 'text' },
    ],
  }
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
  const withChild: Table = {
    name: 'items__kids',
    parent: 'items',
    writeDisposition: 'merge',
    columns: [
      { name: 'v', dataType: 'text' },
      { name: '_sluice_root_id', dataType: 'text' },
      { name: '_sluice_id', dataType: 'text' },
    ],
  }
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
