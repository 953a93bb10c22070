import { DuckDBBlobValue, DuckDBTimestampTZValue, type DuckDBValue } from '@duckdb/node-api'

/** The error body of a failed statement. */
export interface StatementFailure {
  error_code: string
  message: string
  sql_state?: string
}

const BAD_COLUMN_CHARS = /[ ,;{}()\n\t=]/
const UC_BAD_NAME = /[. /\u0000-\u001f\u007f]/

export function failure(error_code: string, message: string, sql_state?: string): StatementFailure {
  return { error_code, message, ...(sql_state ? { sql_state } : {}) }
}

/** A failed statement's error as Databricks words it. */
export class DatabricksSqlError extends Error {
  constructor(
    message: string,
    readonly sqlState: string,
  ) {
    super(message)
  }
}

export function toFailure(error: unknown): StatementFailure {
  if (error instanceof DatabricksSqlError)
    return failure('BAD_REQUEST', `${error.message} SQLSTATE: ${error.sqlState}`, error.sqlState)
  const message = error instanceof Error ? error.message : String(error)
  if (/Parser Error/.test(message))
    return failure('BAD_REQUEST', `[PARSE_SYNTAX_ERROR] Syntax error: ${message}`, '42601')
  if (/SET schema|No catalog \+ schema named/.test(message))
    return failure('BAD_REQUEST', `[SCHEMA_NOT_FOUND] ${message}`, '42704')
  if (/Catalog Error: Table.*does not exist/.test(message))
    return failure('BAD_REQUEST', `[TABLE_OR_VIEW_NOT_FOUND] ${message}`, '42P01')
  if (/Conversion Error|Invalid Input Error|Out of Range/.test(message))
    return failure('BAD_REQUEST', `[CAST_INVALID_INPUT] ${message}`, '22018')
  return failure('BAD_REQUEST', message, 'XX000')
}

/** Rules of Databricks SQL that DuckDB would not apply. */
export function checkDatabricksRules(sql: string): void {
  if (/;/.test(stripQuoted(sql).replace(/;\s*$/, '')))
    throw new DatabricksSqlError(
      "[PARSE_SYNTAX_ERROR] Syntax error at or near ';': one statement per request",
      '42601',
    )
  const bare = stripQuoted(sql)
  if (/^DELETE\b/i.test(bare) && (bare.match(/\(\s*SELECT\b/gi)?.length ?? 0) > 1)
    throw new DatabricksSqlError(
      '[DELTA_UNSUPPORTED_NESTED_SUBQUERY] Nested subquery is not supported in the DELETE condition.',
      '0A000',
    )
  if (/^UPDATE\b/i.test(bare) && /\bFROM\b/i.test(bare.replace(/\(\s*SELECT\b[\s\S]*\)/gi, '()')))
    throw new DatabricksSqlError("[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.", '42601')
  const object = /^CREATE (?:SCHEMA|TABLE|VOLUME) IF NOT EXISTS ((?:`(?:[^`]|``)*`\.?)+)/.exec(sql)
  if (object) {
    for (const m of (object[1] as string).matchAll(/`((?:[^`]|``)*)`/g)) {
      if (UC_BAD_NAME.test(unq(m[0])))
        throw new DatabricksSqlError(
          `[INVALID_SCHEMA_OR_RELATION_NAME] \`${unq(m[0])}\` is not a valid name for tables/schemas.`,
          '42602',
        )
    }
  }
  if (/^CREATE TABLE IF NOT EXISTS /.test(sql)) {
    const at = sql.indexOf(' USING DELTA TBLPROPERTIES (')
    const mapped = at >= 0 && /'delta\.columnMapping\.mode' = 'name'/.test(sql.slice(at))
    const columns = sql.slice(sql.indexOf(' ('), at >= 0 ? at : undefined)
    for (const m of columns.matchAll(/`((?:[^`]|``)*)`/g)) {
      if (!mapped && BAD_COLUMN_CHARS.test(unq(m[0])))
        throw new DatabricksSqlError(
          "[DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES] Found invalid character(s) among ' ,;{}()\\n\\t=' in the column names of your schema.",
          '42K05',
        )
    }
  }
}

/** The SQL with every quoted identifier and string literal blanked (for the rule checks). */
export function stripQuoted(sql: string): string {
  return sql.replace(/`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'/g, '_')
}

export function unq(quoted: string): string {
  return quoted.slice(1, -1).replaceAll('``', '`')
}

/**
 * Translates the Databricks SQL sluice sends to DuckDB: backtick identifiers → double quotes, `:pN` → `$N`,
 * `STRING` → `VARCHAR`, `BINARY` → `BLOB`, `TIMESTAMP` → `TIMESTAMPTZ`, the Delta `USING ... TBLPROPERTIES` clause
 * dropped. String literals are left alone.
 */
export function toDuck(sql: string): string {
  let out = ''
  const re = /(`(?:[^`]|``)*`)|('(?:[^'\\]|\\.)*')|([^`']+)/gs
  for (const m of sql.matchAll(re)) {
    if (m[1]) out += `"${unq(m[1]).replaceAll('"', '""')}"`
    else if (m[2]) out += m[2]
    else
      out += (m[3] as string)
        .replace(/:p(\d+)\b/g, '$$$1')
        .replace(/\bSTRING\b/g, 'VARCHAR')
        .replace(/\bBINARY\b/g, 'BLOB')
        .replace(/\bTIMESTAMP\b/g, 'TIMESTAMPTZ')
  }
  return out.replace(/ USING DELTA TBLPROPERTIES \(.*\)$/s, '')
}

export function paramValue(p: { value?: string; type?: string }): DuckDBValue {
  if (p.value === undefined || p.value === null) return null
  switch (p.type) {
    case 'BIGINT':
    case 'INT':
      return BigInt(p.value)
    case 'DOUBLE':
      return Number(p.value)
    case 'BOOLEAN':
      return p.value === 'true'
    default:
      return p.value
  }
}

/** Databricks' `type_name` and `type_text` of a DuckDB result type. */
export function typeOf(duck: string): { type_name: string; type_text: string } {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(duck)
  if (decimal) return { type_name: 'DECIMAL', type_text: `decimal(${decimal[1]},${decimal[2]})` }
  const names: Record<string, string> = {
    BIGINT: 'LONG',
    INTEGER: 'INT',
    SMALLINT: 'SHORT',
    TINYINT: 'BYTE',
    HUGEINT: 'DECIMAL',
    DOUBLE: 'DOUBLE',
    FLOAT: 'FLOAT',
    BOOLEAN: 'BOOLEAN',
    'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
    TIMESTAMP: 'TIMESTAMP_NTZ',
    DATE: 'DATE',
    BLOB: 'BINARY',
    VARCHAR: 'STRING',
  }
  const name = names[duck] ?? (duck.endsWith('[]') ? 'ARRAY' : 'STRING')
  return { type_name: name, type_text: name === 'LONG' ? 'bigint' : name.toLowerCase() }
}

/** A DuckDB value as a `JSON_ARRAY` cell: text, ISO timestamps, base64 binary. */
export function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('base64')
  if (v instanceof DuckDBTimestampTZValue) return new Date(Number(v.micros / 1000n)).toISOString()
  return String(v)
}
