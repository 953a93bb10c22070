import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { Column, ReaderContext, SqlReader, Table } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { type DataFile, DatasetCatalog, type DatasetSnapshot } from './filesystem-catalog.ts'
import { duckdbColumns, duckdbType } from './filesystem-duckdb.ts'
import { DEFAULT_LAYOUT } from './filesystem-layout.ts'
import { type FilesystemOptions, parseBucketUrl } from './filesystem-options.ts'
import type { FileStore } from './filesystem-store.ts'

type DuckDBPackage = typeof import('@sluice/destination-duckdb')

let duckdbPackage: Promise<DuckDBPackage> | undefined

/** Imports @sluice/destination-duckdb (an optional peer dependency: the reader runs on DuckDB). */
function loadDuckDB(): Promise<DuckDBPackage> {
  duckdbPackage ??= import('@sluice/destination-duckdb').catch((cause: unknown) => {
    duckdbPackage = undefined
    throw new SluiceError(
      'DEPENDENCY_MISSING',
      '[filesystem] reading a dataset needs @sluice/destination-duckdb',
      {
        cause,
        hint: 'npm install @sluice/destination-duckdb @duckdb/node-api',
      },
    )
  })
  return duckdbPackage
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`
const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The DuckDB type a column reads back as in the reader's views (binary as BLOB, the rest as `duckdbType`). */
function viewType(column: Column): string {
  return column.dataType === 'binary' ? 'BLOB' : duckdbType(column)
}

/** `CAST(NULL AS type) AS "name"` for each column: a table with no rows, or a column no file has. */
const nullOf = (c: Column): string => `CAST(NULL AS ${viewType(c)}) AS ${q(c.name)}`

/** The columns (names and DuckDB types) of files read with `read`. */
type Described = ReadonlyMap<string, string>

/**
 * The SELECT a table's view runs over its files: jsonl with the schema's types (no detection), csv as text then
 * cast, parquet as written then cast; columns no file of a format has are NULL; formats mixed (a format changed
 * between loads) are united. Binary is base64 in jsonl and csv.
 */
function tableSelect(
  table: Table,
  groups: ReadonlyMap<DataFile['format'], { paths: string[]; described?: Described }>,
): string {
  const parts: string[] = []
  for (const [format, { paths, described }] of groups) {
    const list = `[${paths.map(lit).join(', ')}]`
    const columns = table.columns.map((c) => {
      const ref = q(c.name)
      if (format === 'jsonl') return c.dataType === 'binary' ? `from_base64(${ref}) AS ${ref}` : ref
      if (!described?.has(c.name)) return nullOf(c)
      if (c.dataType === 'binary')
        return format === 'csv' ? `from_base64(${ref}) AS ${ref}` : `CAST(${ref} AS BLOB) AS ${ref}`
      return `CAST(${ref} AS ${viewType(c)}) AS ${ref}`
    })
    const from =
      format === 'jsonl'
        ? `read_json(${list}, format = 'newline_delimited', columns = ${duckdbColumns(table)})`
        : format === 'csv'
          ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true, allow_quoted_nulls = false)`
          : `read_parquet(${list}, union_by_name = true)`
    parts.push(`SELECT ${columns.join(', ')} FROM ${from}`)
  }
  if (parts.length === 0) return `SELECT ${table.columns.map(nullOf).join(', ')} WHERE false`
  return parts.join(' UNION ALL ')
}

/**
 * The tables a query names, lower-cased, as DuckDB's parser sees them (`json_serialize_sql`, which takes SELECT
 * statements only). Undefined when it cannot tell: then every table is prepared. A statement that is not a
 * SELECT needs none (the reader refuses it).
 */
async function tableNames(connection: DuckDBConnection, sql: string): Promise<Set<string> | undefined> {
  let tree: { error?: boolean; error_type?: string }
  try {
    const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${lit(sql)})`)
    tree = JSON.parse(String(reader.getRows()[0]?.[0])) as typeof tree
  } catch {
    return undefined
  }
  if (tree.error) return tree.error_type === 'not implemented' ? new Set() : undefined
  const names = new Set<string>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node !== null && typeof node === 'object') {
      const n = node as { type?: unknown; table_name?: unknown }
      if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string') names.add(n.table_name.toLowerCase())
      Object.values(node).forEach(walk)
    }
  }
  walk(tree)
  return names
}

/** The system tables as SQL destinations have them, filled from the dataset's JSON files. */
const SYSTEM: Record<string, string> = {
  _sluice_loads:
    'load_id VARCHAR, schema_name VARCHAR, status BIGINT, inserted_at TIMESTAMPTZ, schema_version_hash VARCHAR',
  _sluice_version:
    'version BIGINT, engine_version BIGINT, inserted_at TIMESTAMPTZ, schema_name VARCHAR, version_hash VARCHAR, schema VARCHAR',
  _sluice_pipeline_state:
    'version BIGINT, engine_version BIGINT, pipeline_name VARCHAR, state VARCHAR, created_at TIMESTAMPTZ, version_hash VARCHAR, _sluice_load_id VARCHAR',
}

async function systemTables(
  connection: DuckDBConnection,
  dataset: string,
  snap: DatasetSnapshot,
): Promise<void> {
  const rows: Record<string, (string | number | bigint | null)[][]> = {
    _sluice_loads: snap.loads.map((l) => [
      l.load_id,
      l.schema_name,
      l.status,
      l.inserted_at,
      l.schema_version_hash,
    ]),
    _sluice_version: snap.versions.map((v) => [
      v.version,
      null,
      v.insertedAt,
      v.name,
      v.versionHash,
      JSON.stringify(v.schema),
    ]),
    _sluice_pipeline_state: snap.states.map((s) => [
      s.version,
      null,
      s.pipelineName,
      s.state,
      s.createdAt,
      s.versionHash,
      s.loadId,
    ]),
  }
  for (const [name, columns] of Object.entries(SYSTEM)) {
    const table = `${q(dataset)}.${q(name)}`
    await connection.run(`CREATE TABLE ${table} (${columns})`)
    const values = rows[name] ?? []
    if (values.length === 0) continue
    const width = values[0]!.length
    const insert = await connection.prepare(
      `INSERT INTO ${table} VALUES (${Array.from({ length: width }, (_, i) => `$${i + 1}`).join(', ')})`,
    )
    try {
      for (const row of values) {
        insert.bind(row)
        await insert.run()
      }
    } finally {
      insert.destroySync()
    }
  }
}

/**
 * Opens the filesystem destination's reader: each query runs on a fresh in-memory DuckDB with one view per
 * table of the dataset (the newest schema of each schema name) over the data files of its completed loads, and
 * the system tables (`_sluice_loads`, `_sluice_version`, `_sluice_pipeline_state`) filled from the dataset's
 * records; then file access is switched off except for those files, and the configuration locked. Local
 * buckets are read in place; files of an S3 bucket are copied through sluice's own S3 store into a temporary
 * folder first (DuckDB's httpfs cannot be installed offline), only those of the tables the query names, and
 * each file once per reader. Needs `@sluice/destination-duckdb` and `@duckdb/node-api`.
 */
export async function openFilesystemReader(
  options: FilesystemOptions,
  ctx: ReaderContext,
  store: FileStore,
): Promise<SqlReader> {
  const dataset = ctx.datasetName
  const local = parseBucketUrl(options.bucketUrl).kind === 'local'
  const catalog = new DatasetCatalog(store, dataset, options.layout ?? DEFAULT_LAYOUT)
  let duck: DuckDBPackage
  try {
    ctx.signal?.throwIfAborted()
    duck = await loadDuckDB()
    if ((await catalog.snapshot()).loads.length === 0) {
      throw new SluiceError(
        'DESTINATION_DATABASE_MISSING',
        `[filesystem] the dataset ${dataset} has no completed load in ${store.rootUrl}`,
        {
          hint: "check the dataset name (the pipeline's datasetName) and the bucket URL; a pipeline creates its dataset on its first run",
        },
      )
    }
  } catch (error) {
    await store.close?.()
    throw error
  }
  const cache = local ? '' : await mkdtemp(join(tmpdir(), 'sluice-filesystem-reader-'))
  const copies = new Map<string, Promise<string>>()
  const described = new Map<string, Promise<Described>>()

  /** The local path of a data file: in place, or copied from the bucket (once). */
  const pathOf = (key: string): Promise<string> => {
    if (local) return Promise.resolve(fileURLToPath(store.url(key)))
    let copy = copies.get(key)
    if (!copy) {
      copy = (async () => {
        const path = join(cache, ...key.split('/'))
        const bytes = await store.get(key)
        if (bytes === undefined)
          throw new SluiceError(
            'QUERY_FAILED',
            `[filesystem] ${store.url(key)} was removed while the query started`,
            {
              hint: 'a replace load removed it: run the query again',
            },
          )
        await mkdir(dirname(path), { recursive: true })
        await writeFile(path, bytes)
        return path
      })()
      copy.catch(() => copies.delete(key))
      copies.set(key, copy)
    }
    return copy
  }

  const describe = (
    connection: DuckDBConnection,
    format: DataFile['format'],
    paths: string[],
  ): Promise<Described> => {
    const key = `${format}\u0000${paths.join('\u0000')}`
    let known = described.get(key)
    if (!known) {
      const list = `[${paths.map(lit).join(', ')}]`
      const from =
        format === 'csv'
          ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true)`
          : `read_parquet(${list}, union_by_name = true)`
      known = connection
        .runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)
        .then((r) => new Map(r.getRows().map(([name, type]) => [String(name), String(type)])))
      known.catch(() => described.delete(key))
      described.set(key, known)
    }
    return known
  }

  const session = (sql: string) => {
    const allowed: string[] = []
    return duck.lockedDuckDBSession({
      name: 'filesystem',
      allowedPaths: allowed,
      async setup(connection) {
        const snap = await catalog.snapshot()
        const named = local ? undefined : await tableNames(connection, sql)
        await connection.run(`CREATE SCHEMA IF NOT EXISTS ${q(dataset)}`)
        for (const table of snap.tables) {
          const view = `CREATE VIEW ${q(dataset)}.${q(table.name)} AS `
          if (named && !named.has(table.name.toLowerCase())) {
            // not named by the query, so not copied: a view with the columns that fails when it is read
            const fail = `error(${lit(`[filesystem] the table ${table.name} is copied from the bucket only for a query that names it (FROM ${table.name})`)})`
            const columns = table.columns.map((c) => `CAST(${fail} AS ${viewType(c)}) AS ${q(c.name)}`)
            await connection.run(
              `${view}SELECT ${columns.join(', ')} FROM range(1) WHERE CAST(${fail} AS BOOLEAN)`,
            )
            continue
          }
          const groups = new Map<DataFile['format'], { paths: string[]; described?: Described }>()
          for (const file of await catalog.files(table.name, snap.loads)) {
            const group = groups.get(file.format) ?? { paths: [] }
            group.paths.push(await pathOf(file.key))
            groups.set(file.format, group)
          }
          for (const [format, group] of groups) {
            allowed.push(...group.paths)
            if (format !== 'jsonl') group.described = await describe(connection, format, group.paths)
          }
          await connection.run(view + tableSelect(table, groups))
        }
        await systemTables(connection, dataset, snap)
        await connection.run(`USE memory.${q(dataset)}`)
      },
    })
  }
  const reader = duck.duckdbReader({
    name: 'filesystem',
    dialect: duck.duckdbReaderDialect('memory', dataset),
    session,
  })
  let closed = false
  return {
    dialect: reader.dialect,
    query: (sql, params, queryOptions) => reader.query(sql, params, queryOptions),
    async close() {
      if (closed) return
      closed = true
      await reader.close()
      await store.close?.()
      if (cache) await rm(cache, { recursive: true, force: true })
    },
  }
}
