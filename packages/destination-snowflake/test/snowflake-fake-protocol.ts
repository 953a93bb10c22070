import { gunzipSync } from 'node:zlib'
import {
  DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  type DuckDBType,
  DuckDBTypeId,
  StatementType,
} from '@duckdb/node-api'
import { jsValue } from '@sluice/destination-testkit/warehouse'

// Snowflake's wire format for the fake: requests (tokens, gzip bodies), the SQL translation to DuckDB, session
// statements, and answers in Snowflake's JSON result format: column metadata by type (fixed with
// precision and scale, real, text, boolean, date, time, timestamp_tz/_ntz, variant, binary) and values as
// Snowflake sends them (dates as days, times and timestamps as seconds with nine fraction digits, timestamp_tz
// with its offset index, binary as hex), so snowflake-sdk converts them as it does for the real service.

/** A column of a result's `rowtype`. */
export interface RowType {
  name: string
  type: string
  scale: number
  precision: number
  nullable: boolean
}

/** Session parameters Snowflake reports with every result, and the defaults of those the fake knows. */
export const DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {
  TIMEZONE: 'America/Los_Angeles',
  TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
  DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
  TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
  TIMESTAMP_TZ_OUTPUT_FORMAT: '',
  TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
  TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
  BINARY_OUTPUT_FORMAT: 'HEX',
  MULTI_STATEMENT_COUNT: '1',
}

/** Snowflake's statement type ids, by DuckDB's statement type name. */
const STATEMENT_TYPE_IDS: Readonly<Record<string, number>> = {
  SELECT: 0x1000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE_INTO: 0x3400,
  COPY: 0x3600,
  SET: 0x4100,
  VARIABLE_SET: 0x4100,
  TRANSACTION: 0x5000,
  CREATE: 0x6000,
  DROP: 0x6000,
  ALTER: 0x6000,
}

/** The statement type id Snowflake reports for a DuckDB statement type. */
export function statementTypeId(type: StatementType): number {
  return STATEMENT_TYPE_IDS[StatementType[type] ?? ''] ?? 0
}

/** Snowflake's column type of a DuckDB type, with precision and scale. */
export function rowType(name: string, type: DuckDBType): RowType {
  const base = { name, nullable: true, precision: 38, scale: 0 }
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return { ...base, type: 'fixed' }
    case DuckDBTypeId.DECIMAL: {
      const [, p = '38', s = '0'] = /\((\d+),(\d+)\)/.exec(String(type)) ?? []
      return { ...base, type: 'fixed', precision: Number(p), scale: Number(s) }
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { ...base, type: 'real' }
    case DuckDBTypeId.BOOLEAN:
      return { ...base, type: 'boolean' }
    case DuckDBTypeId.DATE:
      return { ...base, type: 'date' }
    case DuckDBTypeId.TIME:
      return { ...base, type: 'time', scale: 9 }
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { ...base, type: 'timestamp_tz', scale: 9 }
    case DuckDBTypeId.TIMESTAMP:
      return { ...base, type: 'timestamp_ntz', scale: 9 }
    case DuckDBTypeId.BLOB:
      return { ...base, type: 'binary' }
    case DuckDBTypeId.VARCHAR:
      return { ...base, type: type.alias === 'JSON' ? 'variant' : 'text' }
    default:
      return { ...base, type: 'text' }
  }
}

/** Microseconds as seconds with nine fraction digits, e.g. `-0.500000000`. */
function seconds(micros: bigint): string {
  const sign = micros < 0n ? '-' : ''
  const abs = micros < 0n ? -micros : micros
  return `${sign}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, '0')}000`
}

/** A DuckDB value in Snowflake's JSON result format (text, or null). */
export function cell(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof DuckDBTimestampTZValue) return `${seconds(value.micros)} 1440`
  if (value instanceof DuckDBTimestampValue) return seconds(value.micros)
  if (value instanceof DuckDBTimeValue) return seconds(value.micros)
  if (value instanceof DuckDBDateValue) return String(value.days)
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('hex').toUpperCase()
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'inf' : '-inf'
  return String(jsValue(value))
}

/** Compiles a statement without running it (`describeOnly`): its result columns and statement type. */
export async function describe(
  conn: DuckDBConnection,
  sql: string,
): Promise<{ rowtype: RowType[]; statementTypeId: number }> {
  const prepared = await conn.prepare(sql)
  try {
    const rowtype: RowType[] = []
    for (let i = 0; i < prepared.columnCount; i++)
      rowtype.push(rowType(prepared.columnName(i).toUpperCase(), prepared.columnType(i)))
    return { rowtype, statementTypeId: statementTypeId(prepared.statementType) }
  } finally {
    prepared.destroySync()
  }
}

/** A stage reference: `@"S".%"T"`, `@NAME/path`. */
export const STAGE = '@(?:"(?:[^"]|"")*"|[^\\s"])+'

export function unq(quoted: string): string {
  return quoted.slice(1, -1).replaceAll('""', '"')
}

export function tokenOf(request: Request): string | undefined {
  const auth = request.headers.get('authorization') ?? ''
  return /Snowflake Token="([^"]+)"/.exec(auth)?.[1]
}

export async function readJson(request: Request): Promise<unknown> {
  const buf = Buffer.from(await request.arrayBuffer())
  const text = request.headers.get('content-encoding') === 'gzip' ? gunzipSync(buf) : buf
  return JSON.parse(text.toString('utf8'))
}

export function ok(
  queryId: string,
  names: string[],
  rowset: unknown[][],
  types?: string[],
  parameters: ReadonlyMap<string, string> = new Map(),
): unknown {
  const rowtype = names.map((name, i) => ({
    name,
    type: types?.[i] ?? 'text',
    nullable: true,
    scale: 0,
    precision: 38,
  }))
  return result(queryId, rowtype, rowset, parameters)
}

/** A query response in Snowflake's JSON result format, with the session's parameters. */
export function result(
  queryId: string,
  rowtype: RowType[],
  rowset: unknown[][],
  parameters: ReadonlyMap<string, string>,
  statementTypeId = 0x1000,
): unknown {
  return {
    success: true,
    code: null,
    message: null,
    data: {
      parameters: [...parameters].map(([name, value]) => ({ name, value })),
      rowtype: rowtype.map((c) => ({
        ...c,
        length: null,
        byteLength: null,
        database: '',
        schema: '',
        table: '',
      })),
      rowset,
      total: rowset.length,
      returned: rowset.length,
      queryId,
      queryResultFormat: 'json',
      statementTypeId,
    },
  }
}

/** The parameters a session reports: Snowflake's defaults, and what ALTER SESSION changed. */
export function parametersOf(set: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...Object.entries(DEFAULT_PARAMETERS), ...set])
}

/**
 * Translates the Snowflake SQL sluice sends to DuckDB: `:n` binds → `$n`, `TIMESTAMP_TZ(p)` → `TIMESTAMPTZ`,
 * `VARIANT` → `JSON`, `NUMBER(p,s)` → `DECIMAL(p,s)`, `FLOAT` → `DOUBLE`, `BINARY` → `BLOB`, `TIME(p)` → `TIME`.
 * Quoted identifiers and string literals are left alone.
 */
export function toDuck(sql: string): string {
  let out = ''
  const re = /("(?:[^"]|"")*")|('(?:[^'\\]|\\.|'')*')|([^"']+)/gs
  for (const m of sql.matchAll(re)) {
    if (m[1] || m[2]) {
      out += m[0]
      continue
    }
    out += (m[3] as string)
      .replace(/:(\d+)/g, '$$$1')
      .replace(/\bTIMESTAMP_TZ\(\d\)/gi, 'TIMESTAMPTZ')
      .replace(/\bTIME\(\d\)/gi, 'TIME')
      .replace(/\bVARIANT\b/gi, 'JSON')
      .replace(/\bNUMBER\((\d+),(\d+)\)/gi, 'DECIMAL($1,$2)')
      .replace(/\bFLOAT\b/gi, 'DOUBLE')
      .replace(/\bBINARY\b/gi, 'BLOB')
  }
  return out
}

/** What a query request asks besides its SQL. */
export interface RequestOptions {
  /** Compile only (snowflake-sdk's `describeOnly`): result columns and statement type, nothing runs. */
  describeOnly: boolean
  /** Statement parameters of the request, e.g. `MULTI_STATEMENT_COUNT`. */
  parameters: Record<string, unknown>
}

const EXECUTED = [['Statement executed successfully.']]

/**
 * `ALTER SESSION SET name = value, ...` (kept in `params`, reported with every result) and `USE SCHEMA "S"`
 * (the session's search path); undefined for any other statement.
 */
export async function sessionStatement(
  conn: DuckDBConnection,
  params: Map<string, string>,
  text: string,
  queryId: string,
): Promise<unknown> {
  if (/^ALTER SESSION SET /i.test(text)) {
    for (const m of text.slice(18).matchAll(/(\w+)\s*=\s*('(?:[^']|'')*'|[^,\s]+)/g))
      params.set((m[1] as string).toUpperCase(), (m[2] as string).replace(/^'|'$/g, '').replaceAll("''", "'"))
    return ok(queryId, ['status'], EXECUTED, undefined, parametersOf(params))
  }
  const use = /^USE SCHEMA ("(?:[^"]|"")*")$/i.exec(text)
  if (!use) return undefined
  const schema = unq(use[1] as string)
  const found = await conn.runAndReadAll('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
    schema,
  ])
  if (found.getRows().length === 0)
    throw Object.assign(new Error(`Schema '${schema}' does not exist or not authorized.`), { code: '002003' })
  await conn.run(`SET search_path = '${(use[1] as string).replaceAll("'", "''")}'`)
  return ok(queryId, ['status'], EXECUTED, undefined, parametersOf(params))
}

/**
 * Runs (or with `describeOnly` compiles) translated SQL: Snowflake refuses a request whose statement count is not
 * the one MULTI_STATEMENT_COUNT (of the request, else the session) asks for.
 */
export async function runSql(
  conn: DuckDBConnection,
  duckSql: string,
  binds: unknown[],
  request: RequestOptions,
  parameters: ReadonlyMap<string, string>,
  queryId: string,
): Promise<unknown> {
  const wanted = Number(
    request.parameters['MULTI_STATEMENT_COUNT'] ?? parameters.get('MULTI_STATEMENT_COUNT'),
  )
  const count = (await conn.extractStatements(duckSql)).count
  if (wanted !== 0 && count !== wanted)
    throw Object.assign(
      new Error(`Actual statement count ${count} did not match the desired statement count ${wanted}.`),
      { code: '000008' },
    )
  if (request.describeOnly) {
    const { rowtype, statementTypeId } = await describe(conn, duckSql)
    return result(queryId, rowtype, [], parameters, statementTypeId)
  }
  const values = binds.map((b) => (b === null || b === undefined ? null : String(b)))
  const reader = await conn.runAndReadAll(duckSql, values.length ? values : undefined)
  const types = reader.columnTypes()
  const rowtype = reader.columnNames().map((n, i) => rowType(n.toUpperCase(), types[i] as DuckDBType))
  return result(
    queryId,
    rowtype,
    reader.getRows().map((r) => r.map(cell)),
    parameters,
  )
}
