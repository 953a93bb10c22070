import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { StoredSchema, Table } from '@sluice/core/destination'
import { duckdbColumns, type FilesystemFormat, type LoadRecord, safeSegment } from '../src/index.ts'
import { lit } from './helpers.ts'

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** One DuckDB connection for all readTable calls of a test file. */
export async function openDuck(): Promise<{ conn: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  await conn.run(`SET TimeZone = 'UTC'`)
  return {
    conn,
    close() {
      conn.closeSync()
      instance.closeSync()
    },
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch {
    return []
  }
}

/** The table as stored with the newest completed load (what a reader on a fresh machine knows). */
async function storedTable(root: string, dataset: string, table: string): Promise<Table | undefined> {
  const loads = join(root, dataset, '_sluice_loads')
  const records: LoadRecord[] = []
  for (const f of await names(loads)) records.push(JSON.parse(await readFile(join(loads, f), 'utf8')))
  records.sort((a, b) => (a.load_id < b.load_id ? 1 : -1))
  const newest = records[0]
  if (!newest) return undefined
  const file = join(
    root,
    dataset,
    '_sluice_version',
    safeSegment(newest.schema_name),
    `${newest.schema_version_hash}.json`,
  )
  const stored = JSON.parse(await readFile(file, 'utf8')) as StoredSchema
  return stored.schema.tables[table]
}

/**
 * Reads a table of a local bucket: the files listed in `_sluice_loads` records (in load order);
 * jsonl/csv with the schema's types, parquet as written. Values come back as
 * text (blobs as base64), for the testkit's canonical comparison.
 */
export async function readTable(
  conn: DuckDBConnection,
  root: string,
  format: FilesystemFormat,
  dataset: string,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const ds = safeSegment(dataset)
  const table = await storedTable(root, ds, tableName)
  if (!table) return []
  // the files listed in `_sluice_loads` records that still exist (replace removes older ones), in load order
  const prefix = `${ds}/${safeSegment(tableName)}/`
  const listed = (
    await conn.runAndReadAll(
      `SELECT unnest(files) AS key FROM read_json(${lit(`${root}/${ds}/_sluice_loads/*.json`)},
        columns = {load_id: 'VARCHAR', files: 'VARCHAR[]'}) ORDER BY key`,
    )
  )
    .getRowObjectsJS()
    .map((r) => String(r['key']))
    .filter((k) => k.startsWith(prefix) && existsSync(join(root, k)))
  if (listed.length === 0) return []
  const files = `[${listed.map((k) => lit(join(root, k))).join(', ')}]`
  const visible =
    format === 'jsonl'
      ? `SELECT * FROM read_json(${files}, format = 'newline_delimited', columns = ${duckdbColumns(table)})`
      : format === 'csv'
        ? `SELECT * FROM read_csv(${files}, header = true, all_varchar = true, union_by_name = true, allow_quoted_nulls = false)`
        : `SELECT * FROM read_parquet(${files}, union_by_name = true)`
  const described = (await conn.runAndReadAll(`DESCRIBE ${visible}`)).getRowObjectsJS()
  const select = described
    .map((c) => {
      const col = quote(String(c['column_name']))
      return String(c['column_type']) === 'BLOB' ? `base64(${col}) AS ${col}` : `${col}::VARCHAR AS ${col}`
    })
    .join(', ')
  return (await conn.runAndReadAll(`SELECT ${select} FROM (${visible})`)).getRowObjectsJS() as Record<
    string,
    unknown
  >[]
}
