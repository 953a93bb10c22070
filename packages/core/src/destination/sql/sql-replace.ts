import type { Schema, Table } from '../../schema/schema-types.ts'
import { deleteAllSql, type SqlNames } from './sql-ddl.ts'
import { insertFromStagingSql, type SqlStatement, tableFamily } from './sql-publish-common.ts'

/** Append: every table of the family gets its staging rows. */
export function appendSql(names: SqlNames, schema: Schema, root: Table): SqlStatement[] {
  return tableFamily(schema, root).map((t) => ({ sql: insertFromStagingSql(names, t) }))
}

/**
 * Replace (all strategies): empty the root and its child tables, then insert from staging. Run inside the
 * publish transaction this is atomic; an empty staging table empties the target.
 */
export function replaceSql(names: SqlNames, schema: Schema, root: Table): SqlStatement[] {
  const family = tableFamily(schema, root)
  const out: SqlStatement[] = []
  for (const t of family.slice().reverse()) out.push({ sql: deleteAllSql(names, t.name) })
  for (const t of family) out.push({ sql: insertFromStagingSql(names, t) })
  return out
}
