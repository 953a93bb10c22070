import { DuckDBBlobValue, type DuckDBConnection, DuckDBTimestampTZValue } from '@duckdb/node-api'

/** `"name"` for DuckDB. */
export function dq(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `'text'` for DuckDB. */
export function sq(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** Columns of a DuckDB table (case-insensitive lookup), in order. */
export async function tableColumns(
  conn: DuckDBConnection,
  schema: string,
  table: string,
): Promise<{ name: string; type: string }[]> {
  const r = await conn.runAndReadAll(
    'SELECT column_name, data_type FROM information_schema.columns WHERE lower(table_schema) = lower($1) AND lower(table_name) = lower($2) ORDER BY ordinal_position',
    [schema, table],
  )
  return r.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }))
}

/**
 * Loads an NDJSON file (optionally gzip-compressed) into a table the way a warehouse's JSON load does: keys are
 * matched to columns case-insensitively, values are converted to the column type from their JSON text
 * (lossless for big numbers), binary columns from base64 (`binary: 'base64'`). Returns the rows loaded.
 */
export async function loadNdjson(
  conn: DuckDBConnection,
  schema: string,
  table: string,
  file: string,
  options: { binary: 'base64' | 'utf8'; compression?: 'gzip' | 'auto' } = { binary: 'base64' },
): Promise<number> {
  const compression = `compression = '${options.compression === 'gzip' ? 'gzip' : 'auto_detect'}'`
  const columns = await tableColumns(conn, schema, table)
  if (columns.length === 0) throw new Error(`Table '${schema}.${table}' does not exist`)
  const keysResult = await conn.runAndReadAll(
    `SELECT DISTINCT unnest(json_keys(json)) FROM read_ndjson_objects(${sq(file)}, ${compression})`,
  )
  const keys = keysResult.getRows().map(([k]) => String(k))
  const count = await conn.runAndReadAll(
    `SELECT count(*) FROM read_ndjson_objects(${sq(file)}, ${compression})`,
  )
  const rows = Number(count.getRows()[0]?.[0] ?? 0)
  if (rows === 0) return 0
  const targets: string[] = []
  const exprs: string[] = []
  for (const key of keys) {
    const col = columns.find((c) => c.name.toLowerCase() === key.toLowerCase())
    if (!col) continue
    const ref = `src.${dq(key)}`
    targets.push(dq(col.name))
    if (col.type === 'JSON') exprs.push(`CASE WHEN json_type(${ref}) = 'NULL' THEN NULL ELSE ${ref} END`)
    else if (col.type === 'BLOB')
      exprs.push(
        options.binary === 'base64'
          ? `from_base64(json_extract_string(${ref}, '$'))`
          : `encode(json_extract_string(${ref}, '$'))`,
      )
    else exprs.push(`CAST(json_extract_string(${ref}, '$') AS ${col.type})`)
  }
  const struct = keys.map((k) => `${sq(k)}: 'JSON'`).join(', ')
  await conn.run(
    `INSERT INTO ${dq(schema)}.${dq(table)} (${targets.join(', ')}) SELECT ${exprs.join(', ')} FROM read_json(${sq(file)}, format = 'newline_delimited', ${compression}, columns = {${struct}}) AS src`,
  )
  return rows
}

/** Rows of a table as plain JS (blob → bytes, timestamps → ISO, other objects → string), keys lower-cased. */
export async function readRows(
  conn: DuckDBConnection,
  schema: string,
  table: string,
): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(`SELECT * FROM ${dq(schema)}.${dq(table)}`)
  return reader.getRowObjects().map((row) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(row)) out[k.toLowerCase()] = jsValue(v)
    return caseInsensitive(out)
  })
}

/**
 * A row whose keys are looked up case-insensitively: the warehouse folds identifiers (Snowflake upper-cases
 * them), so `x"; DROP TABLE t; --` comes back as `X"; DROP TABLE T; --`.
 */
function caseInsensitive(row: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(row, {
    get(target, key) {
      if (typeof key !== 'string' || key in target) return Reflect.get(target, key)
      const lower = key.toLowerCase()
      return Object.hasOwn(target, lower) ? target[lower] : undefined
    },
  })
}

/** A DuckDB value as JS. */
export function jsValue(v: unknown): unknown {
  if (v instanceof DuckDBBlobValue) return v.bytes
  if (v instanceof DuckDBTimestampTZValue) return new Date(Number(v.micros / 1000n)).toISOString()
  if (typeof v === 'bigint') return v.toString()
  if (v !== null && typeof v === 'object') return String(v)
  return v
}
