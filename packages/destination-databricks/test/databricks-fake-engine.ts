import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { FakeDatabricksOptions, ReceivedStatement } from './databricks-fake.ts'
import {
  cell,
  checkDatabricksRules,
  DatabricksSqlError,
  paramValue,
  toDuck,
  typeOf,
  unq,
} from './databricks-fake-sql.ts'

/** A statement's result as the fake serves it. */
export interface StatementResult {
  columns: { name: string; type_name: string; type_text: string }[]
  rows: (string | null)[][]
  truncated: boolean
}

/** What statements run against: the fake's DuckDB connection, its options, volumes and loaded files. */
export interface FakeEngine {
  readonly conn: DuckDBConnection
  readonly options: Required<FakeDatabricksOptions>
  /** Volumes created (`catalog.schema.volume`, lower case). */
  readonly volumes: Set<string>
  /** Files COPY INTO loaded (`table\0source`): loaded again only with `'force' = 'true'`. */
  readonly loaded: Set<string>
  /** The local file behind a volume path. */
  volumeFile(path: string): string
}

/** Runs one statement as Databricks would, on DuckDB. */
export async function runStatement(
  engine: FakeEngine,
  received: ReceivedStatement,
): Promise<StatementResult> {
  const text = received.statement.trim()
  const catalog = received.catalog ?? 'main'
  if (!engine.options.catalogs.includes(catalog))
    throw new DatabricksSqlError(`[NO_SUCH_CATALOG_EXCEPTION] Catalog '${catalog}' was not found.`, '42704')
  for (const d of engine.options.denied)
    if (d.test(text))
      throw new DatabricksSqlError(
        '[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have MODIFY on Schema.',
        '42501',
      )
  checkDatabricksRules(text)
  await engine.conn.run(
    received.schema ? `SET schema = '${received.schema.replaceAll("'", "''")}'` : "SET schema = 'main'",
  )
  const volume = /^CREATE VOLUME IF NOT EXISTS `((?:[^`]|``)+)`\.`((?:[^`]|``)+)`$/.exec(text)
  if (volume) {
    const schema = (volume[1] as string).replaceAll('``', '`')
    const r = await engine.conn.runAndReadAll(
      'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
      [schema],
    )
    if (r.getRows().length === 0)
      throw new DatabricksSqlError(`[SCHEMA_NOT_FOUND] The schema \`${schema}\` cannot be found.`, '42704')
    engine.volumes.add(`${catalog}.${schema}.${(volume[2] as string).replaceAll('``', '`')}`.toLowerCase())
    return { columns: [], rows: [], truncated: false }
  }
  if (/^COPY INTO /.test(text)) return copyInto(engine, text)
  const clone = /^CREATE OR REPLACE TABLE (\S+) DEEP CLONE (\S+)$/s.exec(text)
  const duckSql = clone
    ? `CREATE OR REPLACE TABLE ${toDuck(clone[1] as string)} AS SELECT * FROM ${toDuck(clone[2] as string)}`
    : toDuck(text)
  const values = received.parameters.map(paramValue)
  const reader = await engine.conn.runAndReadAll(duckSql, values.length ? values : undefined)
  const types = reader.columnTypes().map((t) => String(t))
  const columns = reader.columnNames().map((name, i) => ({ name, ...typeOf(types[i] as string) }))
  let rows = reader.getRows().map((r) => r.map(cell))
  let truncated = false
  if (received.rowLimit !== undefined && rows.length > received.rowLimit) {
    rows = rows.slice(0, received.rowLimit)
    truncated = true
  }
  return { columns, rows, truncated }
}

async function copyInto(engine: FakeEngine, text: string): Promise<StatementResult> {
  const m =
    /^COPY INTO (`(?:[^`]|``)*`)\.(`(?:[^`]|``)*`) FROM '((?:[^'\\]|\\.)*)'(?: WITH \(CREDENTIAL (`(?:[^`]|``)*`|\((?:[^)'\\]|'(?:[^'\\]|\\.)*')*\))\))? FILEFORMAT = (\w+)(?: FILES = \('((?:[^'\\]|\\.)*)'\))?(?: COPY_OPTIONS \(([^)]*)\))?$/s.exec(
      text,
    )
  if (!m)
    throw new DatabricksSqlError('[PARSE_SYNTAX_ERROR] the fake does not understand this COPY INTO', '42601')
  const [, schemaQ, tableQ, rawSource, credential, format, files, copyOptions] = m as unknown as (
    | string
    | undefined
  )[]
  if (format !== 'PARQUET') throw new DatabricksSqlError('the fake reads FILEFORMAT = PARQUET only', '0A000')
  if (files === undefined)
    throw new DatabricksSqlError('the fake loads one file: FILES = (...) is missing', '0A000')
  const unquote = (v: string) => v.replace(/\\(.)/g, '$1')
  const source = `${unquote(rawSource as string)}/${unquote(files)}`
  let local: string
  if (source.startsWith('/Volumes/')) local = engine.volumeFile(source)
  else {
    const prefix = Object.keys(engine.options.buckets).find((p) => source.startsWith(p))
    if (!prefix)
      throw new DatabricksSqlError(
        `[RequestId=x ErrorClass=INVALID_PARAMETER_VALUE] no such bucket ${source}`,
        '42000',
      )
    const inlineKey = /AWS_ACCESS_KEY = '((?:[^'\\]|\\.)*)'/.exec(credential ?? '')?.[1]
    const named = credential?.startsWith('`') ? unq(credential) : undefined
    const allowed =
      (named !== undefined && engine.options.storageCredentials.includes(named)) ||
      (inlineKey !== undefined && inlineKey === engine.options.bucketKeyId) ||
      (credential === undefined && engine.options.externalLocations.some((p) => source.startsWith(p)))
    if (!allowed)
      throw new DatabricksSqlError(
        `[INSUFFICIENT_PERMISSIONS] Access denied to ${source}: no credential grants READ FILES`,
        '42501',
      )
    local = join(engine.options.buckets[prefix] as string, source.slice(prefix.length))
  }
  if (
    !(await stat(local).then(
      () => true,
      () => false,
    ))
  )
    throw new DatabricksSqlError(`[PATH_NOT_FOUND] Path does not exist: ${source}`, '42K03')
  const target = `${toDuck(schemaQ as string)}.${toDuck(tableQ as string)}`
  const key = `${target}\u0000${source}`
  const force = /'force' = 'true'/.test(copyOptions ?? '')
  let n = 0
  if (force || !engine.loaded.has(key)) {
    const literal = `'${local.replaceAll("'", "''")}'`
    n = Number(
      (await engine.conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${literal})`)).getRows()[0]?.[0] ??
        0,
    )
    await engine.conn.run(`INSERT INTO ${target} BY NAME SELECT * FROM read_parquet(${literal})`)
    engine.loaded.add(key)
  }
  return {
    columns: [
      { name: 'num_affected_rows', type_name: 'LONG', type_text: 'bigint' },
      { name: 'num_inserted_rows', type_name: 'LONG', type_text: 'bigint' },
    ],
    rows: [[String(n), String(n)]],
    truncated: false,
  }
}
