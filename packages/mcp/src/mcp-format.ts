// Tool results as text an agent reads: markdown tables or JSON lines, and values made JSON-safe.

/** How a tool prints rows: a markdown table (default) or one JSON object per line. */
export type OutputFormat = 'markdown' | 'jsonl'

/** A tabular result: column names and rows as tuples in that order. */
export interface TableResult {
  columns: string[]
  rows: unknown[][]
}

/**
 * A value as JSON can carry it: bigint as a number when exact (else a string), Date as ISO text, bytes as
 * `<N bytes>`, nested objects made safe the same way.
 */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  }
  return value
}

const MAX_CELL = 200

function cell(value: unknown): string {
  const safe = jsonSafe(value)
  const text =
    safe === null ? 'null' : typeof safe === 'object' ? JSON.stringify(safe) : String(safe as string)
  const one = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|')
  return one.length > MAX_CELL ? `${one.slice(0, MAX_CELL - 1)}…` : one
}

/** A markdown pipe table followed by `*(N rows)*` (and a note, e.g. that more rows exist). */
export function markdownTable(result: TableResult, note?: string): string {
  const head = `| ${result.columns.map(cell).join(' | ')} |`
  const rule = `|${result.columns.map(() => ' --- ').join('|')}|`
  const body = result.rows.map((r) => `| ${result.columns.map((_, i) => cell(r[i])).join(' | ')} |`)
  const count = `*(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${note ? `; ${note}` : ''})*`
  return [head, rule, ...body, '', count].join('\n')
}

/** One JSON object per row (keys in column order). */
export function jsonLines(result: TableResult): string {
  return result.rows.map((r) => JSON.stringify(rowObject(result.columns, r))).join('\n')
}

/** A tuple as an object of JSON-safe values. */
export function rowObject(columns: readonly string[], row: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c, i) => [c, jsonSafe(row[i])]))
}

/** The text of a tabular result in the chosen format. */
export function formatTable(result: TableResult, format: OutputFormat, note?: string): string {
  if (format === 'markdown') return markdownTable(result, note)
  const lines = jsonLines(result)
  return note ? `${lines}${lines ? '\n' : ''}${JSON.stringify({ note })}` : lines
}
