import type { Schema, Table } from '../../schema/schema-types.ts'
import { createTableSql, deleteAllSql, type SqlNames, stagingColumns } from './sql-ddl.ts'
import {
  insertFromStagingSql,
  notLoadedYetSql,
  type SqlStatement,
  tableFamily,
} from './sql-publish-common.ts'

/**
 * Append: every table of the family gets its staging rows. With `onceForLoad` (a publish without a transaction,
 * see `MergeSqlOptions`), a table that holds rows of that load already gets none.
 */
export function appendSql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  onceForLoad?: string,
): SqlStatement[] {
  return tableFamily(schema, root).map((t) => {
    const guard = onceForLoad === undefined ? undefined : notLoadedYetSql(names, t, 1)
    return guard
      ? { sql: insertFromStagingSql(names, t, guard), params: [onceForLoad] }
      : { sql: insertFromStagingSql(names, t) }
  })
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

/**
 * `staging-optimized` replace by moving (`SqlDialect.moveTableSql`, in the publish transaction): drop the targets
 * (children first), then per table rename the table staged in the dataset for a rename publish into place, or
 * move `<staging>.<table>` into the dataset and create an empty staging table in its stead.
 */
export function moveReplaceSql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  move: (source: string, schema: string) => string,
): SqlStatement[] {
  const family = tableFamily(schema, root)
  const out: SqlStatement[] = []
  for (const t of family.slice().reverse()) out.push({ sql: `DROP TABLE IF EXISTS ${names.table(t.name)}` })
  for (const t of family) {
    const swap = names.stagedInDataset(t.name)
    if (swap !== undefined) {
      out.push({ sql: `ALTER TABLE ${names.table(swap)} RENAME TO ${names.q(t.name)}` })
      continue
    }
    out.push({ sql: move(names.table(t.name, true), names.q(names.dataset)) })
    out.push({ sql: createTableSql(names, t.name, stagingColumns(t), true) })
  }
  return out
}

/** `staging-optimized` replace by cloning (`SqlDialect.cloneTableSql`): each target becomes a copy of its staging table. */
export function cloneReplaceSql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  clone: (target: string, source: string) => string,
): SqlStatement[] {
  return tableFamily(schema, root).map((t) => ({
    sql: clone(names.table(t.name), names.table(t.name, true)),
  }))
}
