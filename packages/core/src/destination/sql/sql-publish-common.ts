import type { Column, Schema, Table } from '../../schema/schema-types.ts'
import { type SqlNames, SYSTEM_COLUMNS, stagingColumns } from './sql-ddl.ts'

/** A root table and its descendants (child tables from lists), parents before children. */
export function tableFamily(schema: Schema, root: Table): Table[] {
  const out: Table[] = [root]
  for (let i = 0; i < out.length; i++) {
    const parent = out[i]!
    for (const t of Object.values(schema.tables)) if (t.parent === parent.name) out.push(t)
  }
  return out
}

/** The root table of a (child) table. */
export function rootOf(schema: Schema, table: Table): Table {
  let t = table
  const seen = new Set<string>()
  while (t.parent && !seen.has(t.name)) {
    seen.add(t.name)
    const p = schema.tables[t.parent]
    if (!p) break
    t = p
  }
  return t
}

/** Comma-separated quoted column names, optionally prefixed with an alias. */
export function columnList(names: SqlNames, columns: readonly Column[], alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.${names.q(c.name)}` : names.q(c.name))).join(', ')
}

/** `INSERT INTO target (cols) SELECT cols FROM staging AS s [WHERE ...]`. */
export function insertFromStagingSql(names: SqlNames, table: Table, where?: string): string {
  const cols = stagingColumns(table)
  return `INSERT INTO ${names.table(table.name)} (${columnList(names, cols)}) SELECT ${columnList(names, cols, 's')} FROM ${names.table(table.name, true)} AS s${where ? ` WHERE ${where}` : ''}`
}

/** Column names of the primary key. */
export function primaryKeyOf(table: Table): string[] {
  return table.columns.filter((c) => c.primaryKey).map((c) => c.name)
}

/** Column names of the merge key. */
export function mergeKeyOf(table: Table): string[] {
  return table.columns.filter((c) => c.mergeKey).map((c) => c.name)
}

/** The hard-delete column, if any. */
export function hardDeleteOf(table: Table): Column | undefined {
  return table.columns.find((c) => c.hardDelete)
}

/** The dedup-sort column, if any. */
export function dedupSortOf(table: Table): Column | undefined {
  return table.columns.find((c) => c.dedupSort)
}

/** `a.k1 = b.k1 AND a.k2 = b.k2`. */
export function keyMatch(names: SqlNames, keys: readonly string[], a: string, b: string): string {
  return keys.map((k) => `${a}.${names.q(k)} = ${b}.${names.q(k)}`).join(' AND ')
}

/** Condition that keeps a row that is not a hard-delete marker (alias `a`). */
export function notDeletedSql(names: SqlNames, column: Column | undefined, a: string): string {
  if (!column) return '1 = 1'
  const ref = `${a}.${names.q(column.name)}`
  return column.dataType === 'bool' ? `(${ref} IS NULL OR ${ref} = FALSE)` : `${ref} IS NULL`
}

/**
 * The column that ties a descendant table to its root's `_sluice_id`: `_sluice_root_id`, or `_sluice_parent_id`
 * for a direct child without it. Undefined when the table cannot be tied to its root.
 */
export function rootLinkOf(table: Table, root: Table): string | undefined {
  if (table.columns.some((c) => c.name === SYSTEM_COLUMNS.rootId)) return SYSTEM_COLUMNS.rootId
  if (table.parent === root.name && table.columns.some((c) => c.name === SYSTEM_COLUMNS.parentId)) {
    return SYSTEM_COLUMNS.parentId
  }
  return undefined
}

/** A statement with its parameters. */
export interface SqlStatement {
  sql: string
  params?: unknown[]
}
