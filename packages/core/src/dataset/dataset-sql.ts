// The small SQL AST relations compile to, and its rendering through a reader's dialect. Names in the AST are
// already resolved against the schema; the dialect quotes them (and applies the engine's identifier case).
import type { ReaderDialect } from '../destination/destination-reader.ts'

/** A column of a table in the FROM clause (by its alias), or of the wrapped query. */
export interface SqlColumnRef {
  /** Alias of the table (`t0`, `t1` ...). */
  alias: string
  column: string
}

/** An expression of the select list. */
export type SqlExpr =
  | { kind: 'column'; ref: SqlColumnRef }
  | { kind: 'aggregate'; fn: 'min' | 'max'; ref: SqlColumnRef }

/** A comparison operator of {@link SqlPredicate}. */
export type SqlCompareOp = '=' | '<>' | '>' | '<' | '>=' | '<='

/** One condition of a WHERE clause (all are joined with AND). */
export type SqlPredicate =
  | { kind: 'compare'; ref: SqlColumnRef; op: SqlCompareOp; value: unknown }
  | { kind: 'in'; ref: SqlColumnRef; values: readonly unknown[]; negated: boolean }
  | { kind: 'null'; ref: SqlColumnRef; negated: boolean }
  /** A fragment the user wrote, put in parentheses as it is. */
  | { kind: 'sql'; sql: string }

/** What a SELECT reads from: a table of the dataset, or a query the user wrote. */
export type SqlSource = { kind: 'table'; table: string } | { kind: 'query'; sql: string }

/** A SELECT over one table (or query) and tables joined to it. */
export interface SqlSelect {
  from: SqlSource & { alias: string }
  joins: readonly {
    kind: 'inner' | 'left'
    table: string
    alias: string
    /** `left` = `right` in the ON clause. */
    on: readonly [SqlColumnRef, SqlColumnRef]
  }[]
  /** Select list with output names; `*` for every column. */
  columns: readonly { expr: SqlExpr; as: string }[] | '*'
  where: readonly SqlPredicate[]
  orderBy: readonly { ref: SqlColumnRef; direction: 'asc' | 'desc' }[]
  limit?: number
}

/** SQL text and its positional parameters. */
export interface SqlText {
  sql: string
  params: unknown[]
}

const COMPARE_OPS: ReadonlySet<string> = new Set(['=', '<>', '>', '<', '>=', '<='])

/** A user's query as a subquery: without trailing semicolons and whitespace. */
function subquery(sql: string): string {
  return sql.replace(/[\s;]+$/, '')
}

/** Renders a SELECT in the reader's dialect, parameters numbered in order of appearance. */
export function renderSelect(select: SqlSelect, dialect: ReaderDialect): SqlText {
  const params: unknown[] = []
  const q = (name: string): string => dialect.quoteIdentifier(name)
  const param = (value: unknown): string => {
    params.push(value)
    return dialect.param(params.length)
  }
  const ref = (r: SqlColumnRef): string => `${q(r.alias)}.${q(r.column)}`
  const expr = (e: SqlExpr): string =>
    e.kind === 'column' ? ref(e.ref) : `${e.fn.toUpperCase()}(${ref(e.ref)})`

  const columns =
    select.columns === '*' ? '*' : select.columns.map((c) => `${expr(c.expr)} AS ${q(c.as)}`).join(', ')
  const source =
    select.from.kind === 'table' ? dialect.table(select.from.table) : `(${subquery(select.from.sql)})`
  let sql = `SELECT ${columns} FROM ${source} AS ${q(select.from.alias)}`
  for (const j of select.joins) {
    sql += ` ${j.kind === 'left' ? 'LEFT JOIN' : 'JOIN'} ${dialect.table(j.table)} AS ${q(j.alias)}`
    sql += ` ON ${ref(j.on[0])} = ${ref(j.on[1])}`
  }
  const conditions = select.where.map((p): string => {
    switch (p.kind) {
      case 'compare':
        if (!COMPARE_OPS.has(p.op)) throw new RangeError(`unknown comparison ${p.op}`)
        return `${ref(p.ref)} ${p.op} ${param(p.value)}`
      case 'in':
        // an empty list matches nothing (IN) or everything (NOT IN), as in SQL over a non-null column
        if (p.values.length === 0) return p.negated ? '1 = 1' : '1 = 0'
        return `${ref(p.ref)} ${p.negated ? 'NOT IN' : 'IN'} (${p.values.map(param).join(', ')})`
      case 'null':
        return `${ref(p.ref)} IS ${p.negated ? 'NOT ' : ''}NULL`
      default:
        return `(${p.sql})`
    }
  })
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`
  if (select.orderBy.length > 0)
    sql += ` ORDER BY ${select.orderBy.map((o) => `${ref(o.ref)} ${o.direction.toUpperCase()}`).join(', ')}`
  if (select.limit !== undefined) sql += ` LIMIT ${select.limit}`
  return { sql, params }
}

/**
 * One query counting the rows of each table (`UNION ALL`), as `(i, n)` pairs where `i` is the table's index in
 * `tables`; with `loadId`, only the rows of that load in the tables listed in `filtered`.
 */
export function renderRowCounts(
  tables: readonly string[],
  dialect: ReaderDialect,
  filter?: { loadId: string; column: string; tables: ReadonlySet<string> },
): SqlText {
  const params: unknown[] = []
  const parts = tables.map((table, i) => {
    let sql = `SELECT ${i} AS ${dialect.quoteIdentifier('i')}, COUNT(*) AS ${dialect.quoteIdentifier('n')} FROM ${dialect.table(table)}`
    if (filter?.tables.has(table)) {
      params.push(filter.loadId)
      sql += ` WHERE ${dialect.quoteIdentifier(filter.column)} = ${dialect.param(params.length)}`
    }
    return sql
  })
  return { sql: parts.join(' UNION ALL '), params }
}
