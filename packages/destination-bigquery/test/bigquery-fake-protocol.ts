import { DuckDBTimestampTZValue } from '@duckdb/node-api'
import { jsValue } from '@sluice/destination-testkit/warehouse'
import { HttpResponse } from 'msw'

// BigQuery's wire format for the fake (test/bigquery-fake.ts): API errors, multipart load uploads, query
// parameters, result types and cells, statement types, and the translation of GoogleSQL to DuckDB.

/** A query the fake refuses, with BigQuery's error reason (`invalidQuery`, `notFound`, `accessDenied` ...). */
export class QueryError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message)
  }
}

/** BigQuery's statement types, by DuckDB's statement type name. */
export const STATEMENT_TYPES: Readonly<Record<string, string>> = {
  SELECT: 'SELECT',
  INSERT: 'INSERT',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
  MERGE_INTO: 'MERGE',
  CREATE: 'CREATE_TABLE',
  DROP: 'DROP_TABLE',
  ALTER: 'ALTER_TABLE',
  TRANSACTION: 'BEGIN_TRANSACTION',
}

/** A query job's named parameters (`queryParameters`), as text. */
export function queryParams(query: Record<string, unknown>): Map<string, string | null> {
  const params = new Map<string, string | null>()
  for (const qp of (query['queryParameters'] ?? []) as {
    name: string
    parameterValue?: { value?: string }
  }[])
    params.set(qp.name, qp.parameterValue?.value ?? null)
  return params
}

export function bqType(duck: string): string {
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT)$/.test(duck)) return 'INT64'
  if (duck.startsWith('DECIMAL')) return 'NUMERIC'
  if (duck === 'DOUBLE' || duck === 'FLOAT') return 'FLOAT64'
  if (duck === 'BOOLEAN') return 'BOOL'
  if (duck === 'TIMESTAMP WITH TIME ZONE') return 'TIMESTAMP'
  if (duck === 'BLOB') return 'BYTES'
  if (duck === 'JSON') return 'JSON'
  if (duck === 'DATE' || duck === 'TIME') return duck
  return 'STRING'
}

export function cellOut(type: string | undefined, v: unknown, int64Timestamp: boolean): unknown {
  if (v === null || v === undefined) return null
  if (type === 'TIMESTAMP' && v instanceof DuckDBTimestampTZValue)
    return int64Timestamp ? v.micros.toString() : String(Number(v.micros) / 1e6)
  if (type === 'BYTES') return Buffer.from(jsValue(v) as Uint8Array).toString('base64')
  return String(jsValue(v))
}

export function apiError(status: number, reason: string, message: string): Response {
  return HttpResponse.json(
    { error: { code: status, message, errors: [{ reason, message, domain: 'global' }], status: reason } },
    { status },
  )
}

export async function parseMultipart(
  request: Request,
): Promise<{ metadata: Record<string, unknown>; data: Buffer }> {
  const type = request.headers.get('content-type') ?? ''
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1]
  if (!boundary) throw new Error(`not multipart: ${type}`)
  const body = Buffer.from(await request.arrayBuffer())
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Buffer[] = []
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    const start = at + delimiter.length
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    parts.push(body.subarray(start, next))
    at = next
  }
  const content = parts.map((p) => {
    const headerEnd = p.indexOf('\r\n\r\n')
    let data = p.subarray(headerEnd + 4)
    if (data.subarray(-2).toString() === '\r\n') data = data.subarray(0, -2)
    return data
  })
  return {
    metadata: JSON.parse((content[0] ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>,
    data: content[1] ?? Buffer.alloc(0),
  }
}

/**
 * Translates the GoogleSQL sluice sends to DuckDB: backtick identifiers → double quotes, types (STRING, INT64,
 * FLOAT64, BOOL, TIMESTAMP, NUMERIC, BIGNUMERIC, BYTES), `@name` parameters → `$n`, `CREATE SCHEMA .. OPTIONS`,
 * `` `ds`.INFORMATION_SCHEMA.COLUMNS ``. String literals are left alone.
 */
export function toDuck(
  sql: string,
  params: Map<string, string | null>,
): { text: string; values: (string | null)[] } {
  const values: (string | null)[] = []
  sql = sql.replace(/ OPTIONS \(location = '[^']*'\)$/, '')
  const index = new Map<string, number>()
  let text = ''
  const re = /(`(?:[^`\\]|\\.)*`)|('(?:[^'\\]|\\.)*')|([^`']+)/gs
  for (const m of sql.matchAll(re)) {
    if (m[1]) {
      const name = m[1].slice(1, -1).replace(/\\(.)/g, '$1')
      text += `"${name.replaceAll('"', '""')}"`
      continue
    }
    if (m[2]) {
      text += m[2]
      continue
    }
    text += (m[3] as string)
      .replace(/@(\w+)/g, (_, name: string) => {
        if (!params.has(name)) throw new QueryError('invalidQuery', `Query parameter '${name}' not found`)
        let i = index.get(name)
        if (i === undefined) {
          values.push(params.get(name) ?? null)
          i = values.length
          index.set(name, i)
        }
        return `$${i}`
      })
      .replace(/\bBIGNUMERIC(\(\d+, ?\d+\))?/g, 'DECIMAL(38,9)')
      .replace(/\bNUMERIC\((\d+), ?(\d+)\)/g, 'DECIMAL($1,$2)')
      .replace(/\bNUMERIC\b/g, 'DECIMAL(38,9)')
      .replace(/\bSTRING\b/g, 'VARCHAR')
      .replace(/\bINT64\b/g, 'BIGINT')
      .replace(/\bFLOAT64\b/g, 'DOUBLE')
      .replace(/\bBOOL\b/g, 'BOOLEAN')
      .replace(/\bTIMESTAMP\b/g, 'TIMESTAMPTZ')
      .replace(/\bBYTES\b/g, 'BLOB')
  }
  text = text.replace(
    /(\$\d+) AS table_schema, table_name, column_name FROM ("(?:[^"]|"")*")\.INFORMATION_SCHEMA\.COLUMNS/g,
    (_, p: string, ds: string) =>
      `${p} AS table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema = '${ds.slice(1, -1).replaceAll('""', '"').replaceAll("'", "''")}'`,
  )
  return { text, values }
}
