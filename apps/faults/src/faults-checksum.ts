import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import pg from 'pg'

/** Per table (system tables left out): its row count and an order-independent md5 of its rows without `_sluice_*` columns. */
export type TableChecksums = Record<string, { rows: number; md5: string }>

const isSystem = (name: string): boolean => name.startsWith('_sluice_')
const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`
const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`

/**
 * The SQL of one table's checksum over `source` (a table or table function) with the given data columns
 * (sorted, so column order does not matter): md5 per row of the row's text, sorted, then md5 of them all.
 */
function checksumSql(source: string, columns: string[], rowText: (cols: string) => string): string {
  const cols = [...columns].sort().map(quote).join(', ')
  const h = columns.length === 0 ? `''` : `md5(${rowText(cols)})`
  return `select count(*)::bigint as n, coalesce(md5(string_agg(h, ',' order by h)), '') as md5 from (select ${h} as h from ${source}) s`
}

async function withDuckDb<T>(
  file: string,
  fn: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(file)
  const conn = await instance.connect()
  try {
    return await fn(async (sql) => (await conn.runAndReadAll(sql)).getRows() as unknown[][])
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

/** {@link TableChecksums} of every table in a DuckDB file's dataset. */
export function duckdbChecksums(file: string, dataset: string): Promise<TableChecksums> {
  return withDuckDb(file, async (run) => {
    const cols = await run(
      `select table_name, column_name from information_schema.columns where table_schema = ${lit(dataset)} order by 1, 2`,
    )
    const tables = new Map<string, string[]>()
    for (const [t, c] of cols as [string, string][]) {
      if (isSystem(t)) continue
      const list = tables.get(t) ?? []
      if (!isSystem(c)) list.push(c)
      tables.set(t, list)
    }
    const out: TableChecksums = {}
    for (const [table, columns] of tables) {
      const [row] = await run(
        checksumSql(`${quote(dataset)}.${quote(table)}`, columns, (c) => `cast(row(${c}, 0) as varchar)`),
      )
      out[table] = { rows: Number(row?.[0]), md5: String(row?.[1]) }
    }
    return out
  })
}

/** Runs SQL on a short-lived PostgreSQL connection. */
export async function postgresQuery<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end()
  }
}

/** {@link TableChecksums} of every table in a PostgreSQL schema. */
export async function postgresChecksums(url: string, schema: string): Promise<TableChecksums> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const cols = await client.query<{ table_name: string; column_name: string }>(
      `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
       where c.table_schema = $1 and t.table_type = 'BASE TABLE' order by 1, 2`,
      [schema],
    )
    const tables = new Map<string, string[]>()
    for (const { table_name: t, column_name: c } of cols.rows) {
      if (isSystem(t)) continue
      const list = tables.get(t) ?? []
      if (!isSystem(c)) list.push(c)
      tables.set(t, list)
    }
    const out: TableChecksums = {}
    for (const [table, columns] of tables) {
      const r = await client.query<{ n: string; md5: string }>(
        checksumSql(`${quote(schema)}.${quote(table)}`, columns, (c) => `row(${c}, 0)::text`),
      )
      out[table] = { rows: Number(r.rows[0]?.n), md5: String(r.rows[0]?.md5) }
    }
    return out
  } finally {
    await client.end()
  }
}

/**
 * {@link TableChecksums} of a filesystem destination's dataset (JSON lines), read back with DuckDB counting only
 * files of complete loads: those listed in a `_sluice_loads/<load_id>.json` record (and still present: a
 * replace deletes older loads' files). Files of a load without a record do not count.
 */
export async function filesystemChecksums(bucket: string, dataset: string): Promise<TableChecksums> {
  const root = join(bucket, dataset)
  const loadsDir = join(root, '_sluice_loads')
  const complete = new Set<string>()
  if (existsSync(loadsDir)) {
    for (const name of await readdir(loadsDir)) {
      const record = JSON.parse(await readFile(join(loadsDir, name), 'utf8')) as { files?: string[] }
      for (const f of record.files ?? []) complete.add(join(bucket, f))
    }
  }
  const byTable = new Map<string, string[]>()
  for (const table of existsSync(root) ? await readdir(root) : []) {
    if (isSystem(table)) continue
    const files = (await readdir(join(root, table)))
      .map((f) => join(root, table, f))
      .filter((f) => complete.has(f))
    byTable.set(table, files)
  }
  return withDuckDb(':memory:', async (run) => {
    const out: TableChecksums = {}
    for (const [table, files] of [...byTable].sort()) {
      if (files.length === 0) continue
      const source = `read_json([${files.sort().map(lit).join(', ')}], format = 'newline_delimited', union_by_name = true, sample_size = -1)`
      const described = await run(`describe select * from ${source}`)
      const columns = (described as [string][]).map(([c]) => c).filter((c) => !isSystem(c))
      const [row] = await run(checksumSql(source, columns, (c) => `cast(row(${c}, 0) as varchar)`))
      out[table] = { rows: Number(row?.[0]), md5: String(row?.[1]) }
    }
    return out
  })
}
