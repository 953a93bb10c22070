import { SluiceError } from '../../errors.ts'
import type { Column, Schema } from '../../schema/schema-types.ts'
import type { StoredSchema, StoredState } from '../destination-types.ts'
import type { SqlNames } from './sql-ddl.ts'
import type { SqlExecutor } from './sql-types.ts'

/** Version of the system tables' layout, stored in `engine_version`. */
export const ENGINE_VERSION = 1

/** Names of the system tables in the dataset. */
export const SYSTEM_TABLES: {
  readonly loads: '_sluice_loads'
  readonly version: '_sluice_version'
  readonly state: '_sluice_pipeline_state'
} = {
  loads: '_sluice_loads',
  version: '_sluice_version',
  state: '_sluice_pipeline_state',
}

const col = (name: string, dataType: Column['dataType']): Column => ({ name, dataType, nullable: true })

/** Column layout of each system table (created with the dialect's column types). */
export const SYSTEM_TABLE_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  [SYSTEM_TABLES.loads]: [
    col('load_id', 'text'),
    col('schema_name', 'text'),
    col('status', 'bigint'),
    col('inserted_at', 'timestamp'),
    col('schema_version_hash', 'text'),
  ],
  [SYSTEM_TABLES.version]: [
    col('version', 'bigint'),
    col('engine_version', 'bigint'),
    col('inserted_at', 'timestamp'),
    col('schema_name', 'text'),
    col('version_hash', 'text'),
    col('schema', 'text'),
  ],
  [SYSTEM_TABLES.state]: [
    col('version', 'bigint'),
    col('engine_version', 'bigint'),
    col('pipeline_name', 'text'),
    col('state', 'text'),
    col('created_at', 'timestamp'),
    col('version_hash', 'text'),
    col('_sluice_load_id', 'text'),
  ],
}

function columnOf(table: string, name: string): Column {
  const c = SYSTEM_TABLE_COLUMNS[table]?.find((x) => x.name === name)
  if (!c) throw new Error(`unknown system column ${table}.${name}`)
  return c
}

/** Builds `INSERT INTO <system table> (cols) VALUES (typed params)` and its parameters. */
export function systemInsert(
  names: SqlNames,
  table: string,
  values: Record<string, unknown>,
): { sql: string; params: unknown[] } {
  const keys = Object.keys(values)
  const cols = keys.map((k) => names.q(k)).join(', ')
  const params = keys.map((k, i) => names.typedParam(i + 1, columnOf(table, k))).join(', ')
  return {
    sql: `INSERT INTO ${names.table(table)} (${cols}) VALUES (${params})`,
    params: keys.map((k) => values[k]),
  }
}

/** True when `_sluice_loads` already holds the load (its `complete()` ran). */
export async function isLoadCompleted(db: SqlExecutor, names: SqlNames, loadId: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT ${names.q('load_id')} FROM ${names.table(SYSTEM_TABLES.loads)} WHERE ${names.q('load_id')} = ${names.param(1)}`,
    [loadId],
  )
  return rows.length > 0
}

/** Writes the schema version row unless that hash is already stored. */
export async function writeSchemaVersion(db: SqlExecutor, names: SqlNames, schema: Schema): Promise<void> {
  const existing = await db.query(
    `SELECT ${names.q('version_hash')} FROM ${names.table(SYSTEM_TABLES.version)} WHERE ${names.q('schema_name')} = ${names.param(1)} AND ${names.q('version_hash')} = ${names.param(2)}`,
    [schema.name, schema.versionHash],
  )
  if (existing.length > 0) return
  const ins = systemInsert(names, SYSTEM_TABLES.version, {
    version: schema.version,
    engine_version: ENGINE_VERSION,
    inserted_at: new Date().toISOString(),
    schema_name: schema.name,
    version_hash: schema.versionHash,
    schema: JSON.stringify(schema),
  })
  await db.execute(ins.sql, ins.params)
}

/** Writes one `_sluice_pipeline_state` row for the load. */
export async function writeState(
  db: SqlExecutor,
  names: SqlNames,
  state: StoredState,
  loadId: string,
): Promise<void> {
  const ins = systemInsert(names, SYSTEM_TABLES.state, {
    version: state.version,
    engine_version: ENGINE_VERSION,
    pipeline_name: state.pipelineName,
    state: state.state,
    created_at: state.createdAt,
    version_hash: state.versionHash,
    _sluice_load_id: loadId,
  })
  await db.execute(ins.sql, ins.params)
}

/** Writes the `_sluice_loads` row (status 0 = done). MUST be the last statement of `complete()`. */
export async function writeLoad(
  db: SqlExecutor,
  names: SqlNames,
  loadId: string,
  schema: Schema,
): Promise<void> {
  const ins = systemInsert(names, SYSTEM_TABLES.loads, {
    load_id: loadId,
    schema_name: schema.name,
    status: 0,
    inserted_at: new Date().toISOString(),
    schema_version_hash: schema.versionHash,
  })
  await db.execute(ins.sql, ins.params)
}

/** Converts a timestamp value read back from a driver (Date, string, or driver object) to ISO 8601. */
export function toIsoString(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'string') {
    const d = new Date(value.includes('T') || !value.includes(' ') ? value : value.replace(' ', 'T'))
    return Number.isNaN(d.getTime()) ? value : d.toISOString()
  }
  return String(value)
}

function toNumber(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value)
}

/** Reads the newest stored schema of that name. */
export async function readStoredSchema(
  db: SqlExecutor,
  names: SqlNames,
  schemaName: string,
): Promise<StoredSchema | undefined> {
  const rows = await db.query(
    `SELECT ${names.q('version')}, ${names.q('version_hash')}, ${names.q('schema')}, ${names.q('inserted_at')} FROM ${names.table(SYSTEM_TABLES.version)} WHERE ${names.q('schema_name')} = ${names.param(1)} ORDER BY ${names.q('inserted_at')} DESC, ${names.q('version')} DESC LIMIT 1`,
    [schemaName],
  )
  const row = rows[0]
  if (!row) return undefined
  let schema: Schema
  try {
    schema = JSON.parse(String(row['schema'])) as Schema
  } catch (cause) {
    const where = `${names.dataset}.${SYSTEM_TABLES.version}`
    throw new SluiceError(
      'STATE_CORRUPT',
      `the newest schema ${schemaName} (version ${String(row['version'])}) stored in ${where} is not valid JSON`,
      {
        cause,
        hint: `delete that row from ${where}: the version before it is used, and the next load stores the schema again`,
      },
    )
  }
  return {
    name: schemaName,
    version: toNumber(row['version']),
    versionHash: String(row['version_hash']),
    schema,
    insertedAt: toIsoString(row['inserted_at']),
  }
}

/** Reads the newest state of the pipeline whose load completed (has a `_sluice_loads` row). */
export async function readStoredState(
  db: SqlExecutor,
  names: SqlNames,
  pipelineName: string,
): Promise<StoredState | undefined> {
  const s = names.table(SYSTEM_TABLES.state)
  const l = names.table(SYSTEM_TABLES.loads)
  const rows = await db.query(
    `SELECT s.${names.q('version')}, s.${names.q('pipeline_name')}, s.${names.q('state')}, s.${names.q('created_at')}, s.${names.q('version_hash')}, s.${names.q('_sluice_load_id')} FROM ${s} AS s WHERE s.${names.q('pipeline_name')} = ${names.param(1)} AND EXISTS (SELECT 1 FROM ${l} AS l WHERE l.${names.q('load_id')} = s.${names.q('_sluice_load_id')}) ORDER BY s.${names.q('_sluice_load_id')} DESC, s.${names.q('version')} DESC LIMIT 1`,
    [pipelineName],
  )
  const row = rows[0]
  if (!row) return undefined
  return {
    pipelineName: String(row['pipeline_name']),
    version: toNumber(row['version']),
    versionHash: String(row['version_hash']),
    state: String(row['state']),
    loadId: String(row['_sluice_load_id']),
    createdAt: toIsoString(row['created_at']),
  }
}
