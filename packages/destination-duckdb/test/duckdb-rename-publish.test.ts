import { pipeline, type Resource } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { beforeEach, describe, expect, it } from 'vitest'
import { DuckDBClient, duckdb, duckdbTablesHaveExtras } from '../src/index.ts'
import { memoryDuckDB, spyOnStatements } from './duckdb-test-helpers.ts'

// A replaced table, and a first load (empty target), is staged in the dataset as _sluice_swap__<table> and
// published by DROP + RENAME instead of a copy. Whenever the publish would filter or keep rows (duplicate keys,
// hard deletes, a target with rows) or lose something (an index), it copies as before.
const { instance, conn, dir } = await memoryDuckDB('sluice-duckdb-rename-')

// every statement the destination runs, to tell a rename publish from a copy
const { statements } = spyOnStatements()
beforeEach(() => {
  statements.length = 0
})

async function value(sql: string): Promise<unknown> {
  const row = (await conn.runAndReadAll(sql)).getRows()[0]
  return typeof row?.[0] === 'bigint' ? Number(row[0]) : row?.[0]
}

const renamed = (table: string) => statements.some((s) => s.endsWith(`RENAME TO "${table}"`))
const copied = (dataset: string, table: string) =>
  statements.some((s) => s.startsWith(`INSERT INTO "memory"."${dataset}"."${table}"`))
const swapTablesLeft = () =>
  value(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '\\_sluice\\_swap\\_\\_%' ESCAPE '\\'`)

function run(dataset: string, resource: Resource<object>, fileMaxBytes?: number) {
  return pipeline({
    pipelineName: `rename_${dataset}`,
    destination: duckdb({ instance }),
    datasetName: dataset,
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    ...(fileMaxBytes ? { fileMaxBytes } : {}),
  }).run({ name: 'shop', resources: [resource] })
}

function items(rows: object[], spec: Partial<Resource<object>> = {}): Resource<object> {
  return {
    name: 'items',
    primaryKey: 'id',
    writeDisposition: 'merge',
    ...spec,
    async *read() {
      yield rows
    },
  }
}

const rows = (from: number, to: number, label: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, label, tags: [label, 'x'] }))

describe('duckdb: publishing by rename', () => {
  it('renames a first merge load into place, child tables too, and copies the next one into the rows it holds', async () => {
    await run('m', items(rows(1, 500, 'a')))
    expect(renamed('items') && renamed('items__tags')).toBe(true)
    expect(copied('m', 'items')).toBe(false)
    expect(await value('SELECT count(*) FROM m.items')).toBe(500)
    expect(await value('SELECT count(*) FROM m.items__tags')).toBe(1000)
    expect(await value('SELECT count(*) FROM m_staging.items')).toBe(0)
    expect(await swapTablesLeft()).toBe(0)

    statements.length = 0
    await run('m', items(rows(401, 600, 'b')))
    expect(renamed('items')).toBe(false)
    expect(copied('m', 'items')).toBe(true)
    expect(await value('SELECT count(*) FROM m.items')).toBe(600)
    expect(await value(`SELECT count(*) FROM m.items WHERE label = 'b'`)).toBe(200)
    expect(await value('SELECT count(*) FROM m.items__tags')).toBe(1200)
    expect(await value('SELECT count(*) FROM m_staging.items')).toBe(200)
    expect(await swapTablesLeft()).toBe(0)
  })

  it('copies a first load whose keys repeat (the merge keeps one row per key) and drops the swap table', async () => {
    await run('d', items([...rows(1, 50, 'a'), ...rows(1, 50, 'b')]))
    expect(renamed('items')).toBe(false)
    expect(copied('d', 'items')).toBe(true)
    expect(await value('SELECT count(*) FROM d.items')).toBe(50)
    expect(await value('SELECT count(DISTINCT id) FROM d.items')).toBe(50)
    expect(await swapTablesLeft()).toBe(0)
  })

  it('copies a first load with a hard-delete column, so deleted rows stay out', async () => {
    const data = rows(1, 10, 'a').map((r) => ({ ...r, deleted: r.id > 7 }))
    await run('h', items(data, { columns: { deleted: { hardDelete: true } } }))
    expect(renamed('items')).toBe(false)
    expect(await value('SELECT count(*) FROM h.items')).toBe(7)
    expect(await swapTablesLeft()).toBe(0)
  })

  it('renames a replace into a table that holds rows; a view on it keeps working; an index makes it copy', async () => {
    const replace = (r: object[]) => items(r, { writeDisposition: 'replace' })
    await run('r', replace(rows(1, 30, 'a')))
    await conn.run('CREATE VIEW r.labels AS SELECT label, count(*) AS n FROM r.items GROUP BY label')
    statements.length = 0
    await run('r', replace(rows(1, 20, 'b')))
    expect(renamed('items')).toBe(true)
    expect(await value(`SELECT n FROM r.labels WHERE label = 'b'`)).toBe(20)
    expect(await value('SELECT count(*) FROM r.items__tags')).toBe(40)

    await conn.run('CREATE INDEX items_label ON r.items (label)')
    statements.length = 0
    await run('r', replace(rows(1, 10, 'c')))
    expect(renamed('items')).toBe(false)
    expect(copied('r', 'items')).toBe(true)
    expect(await value('SELECT count(*) FROM r.items')).toBe(10)
    expect(await value(`SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'items_label'`)).toBe(1)
    expect(await swapTablesLeft()).toBe(0)
  })

  it('merges into rows that reached the target after staging began, instead of replacing them', async () => {
    const resource: Resource<object> = {
      name: 'items',
      primaryKey: 'id',
      writeDisposition: 'merge',
      async *read() {
        for (let p = 0; p < 5; p++) yield rows(p * 100 + 1, p * 100 + 100, 'a')
        // the first job file is staged in the dataset by now (early load); then another writer adds a row
        for (
          let i = 0;
          i < 200 &&
          !(await value(`SELECT count(*) FROM duckdb_tables() WHERE table_name = '_sluice_swap__items'`));
          i++
        )
          await new Promise((r) => setTimeout(r, 10))
        await conn.run(
          `INSERT INTO o.items (_sluice_load_id, _sluice_id, id, label) VALUES ('x', 'x', 9999, 'other')`,
        )
        yield rows(501, 600, 'a')
      },
    }
    await run('o', resource, 8 * 1024)
    expect(renamed('items')).toBe(false)
    expect(await value('SELECT count(*) FROM o.items')).toBe(601)
    expect(await value(`SELECT count(*) FROM o.items WHERE label = 'other'`)).toBe(1)
    expect(await swapTablesLeft()).toBe(0)
  })

  it('ignores what a killed run left in a swap table', async () => {
    await run('k', items(rows(1, 5, 'a'), { writeDisposition: 'replace' }))
    await conn.run('CREATE TABLE k._sluice_swap__items AS SELECT * FROM k.items')
    await conn.run(`UPDATE k._sluice_swap__items SET label = 'stale'`)
    statements.length = 0
    await run('k', items(rows(1, 3, 'b'), { writeDisposition: 'replace' }))
    expect(renamed('items')).toBe(true)
    expect(await value('SELECT count(*) FROM k.items')).toBe(3)
    expect(await value(`SELECT count(*) FROM k.items WHERE label = 'stale'`)).toBe(0)
    expect(await swapTablesLeft()).toBe(0)
  })

  it('duckdbTablesHaveExtras finds indexes, constraints, comments and column defaults', async () => {
    await conn.run('CREATE SCHEMA ex')
    const client = await DuckDBClient.open({ instance })
    try {
      const cases: [string, string][] = [
        ['plain', ''],
        ['indexed', 'CREATE INDEX ex_i ON ex.indexed (a)'],
        ['keyed', 'ALTER TABLE ex.keyed ADD PRIMARY KEY (a)'],
        ['commented', `COMMENT ON TABLE ex.commented IS 'mine'`],
        ['defaulted', 'ALTER TABLE ex.defaulted ALTER COLUMN a SET DEFAULT 5'],
        ['column_commented', `COMMENT ON COLUMN ex.column_commented.a IS 'mine'`],
      ]
      for (const [table, extra] of cases) {
        await conn.run(`CREATE TABLE ex.${table} (a INTEGER)`)
        if (extra) await conn.run(extra)
        expect([table, await duckdbTablesHaveExtras(client, 'ex', [table])]).toEqual([
          table,
          table !== 'plain',
        ])
      }
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })
})
