import type { Schema, Table } from '../../schema/schema-types.ts'
import type { PackageLoad } from '../destination-types.ts'
import { fold, withChildren } from './sql-catalog.ts'
import { createTableSql, dropTableSql, isScd2Root, type SqlNames, targetColumns } from './sql-ddl.ts'
import { insertFromStagingSql, type SqlStatement, tableFamily } from './sql-publish-common.ts'

// A refresh that drops tables (`TableLoad.recreate`, `PackageLoad.dropTables`) does so when the package is
// published, so that readers see the old tables until the new ones are committed.

/**
 * The statements that replace a root table and its children by new tables with the package's columns: drop the
 * targets (children first), then per table rename the table staged in the dataset into place (see
 * `publishByRename`), or create the target anew and copy staging into it. For engines with transactional DDL,
 * inside the publish transaction.
 */
export function recreateSql(names: SqlNames, schema: Schema, root: Table): SqlStatement[] {
  const family = tableFamily(schema, root)
  const out: SqlStatement[] = []
  for (const t of family.slice().reverse()) out.push({ sql: dropTableSql(names, t.name) })
  for (const t of family) {
    const swap = names.stagedInDataset(t.name)
    // an scd2 root needs its validity columns, which its staging table does not have
    if (swap !== undefined && !isScd2Root(t)) {
      out.push({ sql: `ALTER TABLE ${names.table(swap)} RENAME TO ${names.q(t.name)}` })
      continue
    }
    out.push({ sql: createTableSql(names, t.name, targetColumns(t)) })
    out.push({ sql: insertFromStagingSql(names, t) })
    if (swap !== undefined) out.push({ sql: dropTableSql(names, swap) })
  }
  return out
}

/**
 * For engines without transactional DDL, the part of {@link recreateSql} that runs before the publish transaction,
 * as late as possible: each table replaced by a clone of its staging table in one statement where the dialect
 * can clone (`cloneTableSql`; not for scd2 roots), else dropped and created empty (its rows are inserted in the
 * publish transaction, see {@link recreateInsertSql}).
 */
export function recreateBeforePublishSql(names: SqlNames, schema: Schema, root: Table): string[] {
  const clone = names.dialect.cloneTableSql
  return tableFamily(schema, root).flatMap((t) =>
    clone && !isScd2Root(t)
      ? [clone.call(names.dialect, names.table(t.name), names.table(t.name, true))]
      : [dropTableSql(names, t.name), createTableSql(names, t.name, targetColumns(t))],
  )
}

/** The inserts {@link recreateBeforePublishSql} leaves to the publish transaction (tables it did not clone). */
export function recreateInsertSql(names: SqlNames, schema: Schema, root: Table): SqlStatement[] {
  const cloned = names.dialect.cloneTableSql !== undefined
  return tableFamily(schema, root)
    .filter((t) => !cloned || isScd2Root(t))
    .map((t) => ({ sql: insertFromStagingSql(names, t) }))
}

/**
 * The drops a refresh leaves to the publish: the tables it removed (`PackageLoad.dropTables`) and the child tables
 * of refreshed tables (`recreated`) that the package's schema no longer has, found in the catalog (`existing`,
 * see `existingColumns`), each with its staging table and rename staging table (`swapName`).
 */
export function refreshDropSql(
  names: SqlNames,
  load: PackageLoad,
  recreated: ReadonlySet<string>,
  existing: ReadonlyMap<string, unknown>,
  swapName: (table: string) => string | undefined,
): string[] {
  const kept = new Set(Object.keys(load.schema.tables).map(fold))
  const removed = withChildren(existing, names.dataset, [...(load.dropTables ?? []), ...recreated])
  return [...removed]
    .filter((t) => !kept.has(fold(t)))
    .flatMap((t) => {
      const swap = swapName(t)
      return [
        dropTableSql(names, t),
        dropTableSql(names, t, true),
        ...(swap ? [dropTableSql(names, swap)] : []),
      ]
    })
}
