import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type {
  Column,
  DataType,
  DestinationClient,
  LoadJob,
  PackageLoad,
  Schema,
  StoredState,
  Table,
  WriteDisposition,
} from '@sluice/core/destination'

export async function tempDir(prefix = 'sluice-fs-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

export function table(
  name: string,
  columns: [string, DataType, Partial<Column>?][],
  writeDisposition: WriteDisposition = 'append',
): Table {
  return {
    name,
    writeDisposition,
    columns: [
      ...columns.map(([n, dataType, extra]) => ({ name: n, dataType, ...extra })),
      { name: '_sluice_load_id', dataType: 'text' as const },
      { name: '_sluice_id', dataType: 'text' as const },
    ],
  }
}

/** One column per data type (`t_<type>`), the decimal with precision 12 and scale 3. */
export const TYPED_TABLE: Table = table('all_types', [
  ['t_text', 'text'],
  ['t_bigint', 'bigint'],
  ['t_double', 'double'],
  ['t_bool', 'bool'],
  ['t_timestamp', 'timestamp'],
  ['t_date', 'date'],
  ['t_time', 'time'],
  ['t_decimal', 'decimal', { precision: 12, scale: 3 }],
  ['t_json', 'json'],
  ['t_binary', 'binary'],
])

export function schema(tables: Table[], versionHash = 'hash1'): Schema {
  return {
    name: 'clockodo',
    version: 1,
    versionHash,
    previousHashes: [],
    tables: Object.fromEntries(tables.map((t) => [t.name, t])),
  }
}

export interface PackageSpec {
  loadId: string
  schema: Schema
  tables: { table: Table; rows: Record<string, unknown>[]; disposition?: WriteDisposition; jobs?: number }[]
  state?: StoredState
}

/** Writes job files and returns the package and its jobs. */
export async function preparePackage(
  dir: string,
  spec: PackageSpec,
): Promise<{ load: PackageLoad; jobs: LoadJob[] }> {
  const jobs: LoadJob[] = []
  for (const t of spec.tables) {
    const parts = t.jobs ?? 1
    const per = Math.ceil(t.rows.length / parts) || 0
    for (let j = 0; j < parts; j++) {
      const rows = t.rows.slice(j * per, (j + 1) * per).map((r, i) => ({
        ...r,
        _sluice_load_id: spec.loadId,
        _sluice_id: `${t.table.name}-${spec.loadId}-${j}-${i}`,
      }))
      const jobId = `${t.table.name}.${j}.jsonl`
      const file = join(dir, `${spec.loadId}.${encodeURIComponent(jobId)}`)
      await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''))
      jobs.push({ loadId: spec.loadId, jobId, table: t.table, file, format: 'jsonl', rows: rows.length })
    }
  }
  const load: PackageLoad = {
    loadId: spec.loadId,
    schema: spec.schema,
    tables: spec.tables.map((t) => ({
      table: t.table,
      disposition: t.disposition ?? t.table.writeDisposition,
      rows: t.rows.length,
    })),
    ...(spec.state ? { state: spec.state } : {}),
  }
  return { load, jobs }
}

/** Runs a whole package through the client lifecycle. */
export async function runPackage(client: DestinationClient, dir: string, spec: PackageSpec): Promise<void> {
  const { load, jobs } = await preparePackage(dir, spec)
  await client.initialize()
  await client.migrate(spec.schema, [])
  await client.startLoad(load)
  for (const job of jobs) await client.load(job, new AbortController().signal)
  await client.complete(load)
}

export function state(pipelineName: string, loadId: string, value: string): StoredState {
  return {
    pipelineName,
    version: 1,
    versionHash: `h-${value}`,
    state: value,
    loadId,
    createdAt: '2026-01-01T00:00:00Z',
  }
}

/** Runs SQL in an in-memory DuckDB; returns rows as JSON-ish objects and the column types. */
export async function duck(
  sql: string,
): Promise<{ rows: Record<string, unknown>[]; types: Record<string, string> }> {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  try {
    const reader = await conn.runAndReadAll(sql)
    const rows = reader
      .getRowObjectsJS()
      .map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v,
          ]),
        ),
      )
    const described = await conn.runAndReadAll(`DESCRIBE ${sql}`)
    const types: Record<string, string> = {}
    for (const r of described.getRowObjectsJson()) types[String(r['column_name'])] = String(r['column_type'])
    return { rows, types }
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

/** SQL literal. */
export const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** The reader query users should run (README): only the files listed in `_sluice_loads` records. */
export function visibleSql(root: string, dataset: string, tableName: string, reader: string): string {
  return `SELECT * EXCLUDE (filename) FROM ${reader}(${lit(`${root}/${dataset}/${tableName}/*`)}, union_by_name = true, filename = true)
    WHERE filename IN (SELECT ${lit(`${root}/`)} || unnest(files) FROM read_json(${lit(`${root}/${dataset}/_sluice_loads/*.json`)},
      columns = {load_id: 'VARCHAR', files: 'VARCHAR[]'}))`
}
