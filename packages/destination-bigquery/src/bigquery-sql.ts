// How the BigQuery client writes statements and reads results: qualified names, query parameters, result cells and
// the one script a transaction becomes.

/** Splits `` `a`.`b` `` (as the dialect quotes) into the unquoted dataset and table. */
export function splitQualified(qualified: string): [string, string] {
  const m = /^`((?:[^`\\]|\\.)*)`\.`((?:[^`\\]|\\.)*)`$/.exec(qualified)
  if (!m) throw new Error(`not a qualified BigQuery table name: ${qualified}`)
  const unq = (s: string) => s.replace(/\\(.)/g, '$1')
  return [unq(m[1] as string), unq(m[2] as string)]
}

const QUALIFIED = '`(?:[^`\\\\]|\\\\.)*`\\.`(?:[^`\\\\]|\\\\.)*`'
/** `DELETE FROM <table>` without a WHERE, which BigQuery refuses: the client adds `WHERE TRUE`. */
export const DELETE_ALL: RegExp = new RegExp(`^DELETE FROM (${QUALIFIED})$`)
/** `CREATE SCHEMA IF NOT EXISTS <dataset>`: the client adds the dataset's location. */
export const CREATE_SCHEMA: RegExp = /^CREATE SCHEMA IF NOT EXISTS (`(?:[^`\\]|\\.)*`)$/

/** The query parameter type for a JS value (BigQuery needs a type for NULL). */
export function paramType(value: unknown): string {
  if (typeof value === 'boolean') return 'BOOL'
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64'
  return 'STRING'
}

/** A JS value as a query parameter value (bigint and Date as text, objects as JSON). */
export function paramValue(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') return JSON.stringify(value)
  return value
}

/** A result field's name and type, as BigQuery returns them. */
export interface FieldSchema {
  name: string
  type: string
}

/** A cell of a `getQueryResults` row as core expects it (timestamps ISO, INT64/NUMERIC as strings). */
export function cell(field: FieldSchema | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null
  const text = String(v)
  switch (field?.type) {
    case 'TIMESTAMP':
      return /^-?\d+$/.test(text)
        ? new Date(Number(BigInt(text) / 1000n)).toISOString()
        : new Date(Number(text) * 1000).toISOString()
    case 'BOOL':
    case 'BOOLEAN':
      return text === 'true'
    default:
      return text
  }
}

/** A statement of a transaction script. */
export interface Buffered {
  sql: string
  params: readonly unknown[]
}

/** Positional parameters as BigQuery's named ones (`@p1`, `@p2` ...). */
export function named(params: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  params.forEach((v, i) => {
    out[`p${i + 1}`] = v
  })
  return out
}

/**
 * One BigQuery script for a transaction: every statement's `@pN` renamed to `@sK_pN`, wrapped in
 * BEGIN TRANSACTION / COMMIT TRANSACTION with an exception handler that rolls back and re-raises.
 */
export function transactionScript(statements: readonly Buffered[]): {
  script: string
  params: Record<string, unknown>
} {
  const params: Record<string, unknown> = {}
  const lines = statements.map((st, k) => {
    st.params.forEach((v, i) => {
      params[`s${k}_p${i + 1}`] = v
    })
    return `  ${st.sql.replace(/@p(\d+)\b/g, (_, i: string) => `@s${k}_p${i}`)};`
  })
  const script = [
    'BEGIN',
    '  BEGIN TRANSACTION;',
    ...lines,
    '  COMMIT TRANSACTION;',
    'EXCEPTION WHEN ERROR THEN',
    '  ROLLBACK TRANSACTION;',
    '  RAISE USING MESSAGE = @@error.message;',
    'END;',
  ].join('\n')
  return { script, params }
}

/** A statement shortened to one line of at most 80 characters, for error messages. */
export function summarize(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim()
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
