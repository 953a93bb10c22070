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

/**
 * Deletes the rows of `table` (qualified) whose `column` is among `ids`, a subquery whose one column is
 * `_sluice_id`: `DELETE FROM table WHERE column IN (ids)`, or with the dialect's `deleteSyntax: 'merge'` a
 * `MERGE INTO table USING (SELECT DISTINCT ...) ON ... WHEN MATCHED THEN DELETE`, which deletes the same rows.
 */
export function deleteInSql(
  names: SqlNames,
  table: string,
  column: string,
  ids: string,
  params?: unknown[],
): SqlStatement {
  const col = names.q(column)
  const id = names.q(SYSTEM_COLUMNS.id)
  const sql =
    names.dialect.deleteSyntax === 'merge'
      ? `MERGE INTO ${table} AS d USING (SELECT DISTINCT i.${id} FROM (${ids}) AS i) AS k ON d.${col} = k.${id} WHEN MATCHED THEN DELETE`
      : `DELETE FROM ${table} WHERE ${col} IN (${ids})`
  return params ? { sql, params } : { sql }
}

/**
 * For a publish without a transaction, repeated after a failure: the condition (one typed parameter, `param`,
 * the load id) under which an insert into `table` still has to run: the table holds no row of the load yet.
 * Undefined for a table without `_sluice_load_id`.
 */
export function notLoadedYetSql(names: SqlNames, table: Table, param: number): string | undefined {
  const column = table.columns.find((c) => c.name === SYSTEM_COLUMNS.loadId)
  if (!column) return undefined
  return `NOT EXISTS (SELECT 1 FROM ${names.table(table.name)} AS g WHERE g.${names.q(column.name)} = ${names.typedParam(param, column)})`
}

/** A statement with its parameters. */
export interface SqlStatement {
  sql: string
  params?: unknown[]
}
