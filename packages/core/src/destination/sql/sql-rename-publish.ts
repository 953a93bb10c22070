import type { Schema, Table } from '../../schema/schema-types.ts'
import type { TableLoad } from '../destination-types.ts'
import type { SqlNames } from './sql-ddl.ts'
import type { MergeSqlOptions } from './sql-merge.ts'
import { hardDeleteOf, primaryKeyOf, type SqlStatement, tableFamily } from './sql-publish-common.ts'
import type { PublishByRename, SqlExecutor } from './sql-types.ts'

/** Prefix of the dataset tables that stage a table for a rename publish: `_sluice_swap__<table>`. */
export const SWAP_PREFIX = '_sluice_swap__'

/** The dataset table staging `table` for a rename publish. */
export function swapTableName(table: string): string {
  return SWAP_PREFIX + table
}

/** True when the table's target holds no row. */
async function isEmpty(db: SqlExecutor, names: SqlNames, table: string): Promise<boolean> {
  return (await db.query(`SELECT 1 AS ${names.q('one')} FROM ${names.table(table)} LIMIT 1`)).length === 0
}

/**
 * Whether to stage `table` for a rename publish: it is replaced, or its target is empty (a first load). The
 * publish checks everything again; staging there only makes the rename possible.
 */
export async function stageForRename(db: SqlExecutor, names: SqlNames, table: Table): Promise<boolean> {
  return table.writeDisposition === 'replace' || (await isEmpty(db, names, table.name))
}

/** Column names per table of the dataset (names as given), lower-cased. */
async function datasetColumns(
  db: SqlExecutor,
  names: SqlNames,
  tables: readonly string[],
): Promise<Map<string, Set<string>>> {
  const list = tables.map((_, i) => names.param(i + 2)).join(', ')
  const rows = await db.query(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ${names.param(1)} AND table_name IN (${list})`,
    [names.stored(names.dataset), ...tables.map((t) => names.stored(t))],
  )
  const out = new Map<string, Set<string>>()
  for (const r of rows) {
    const table = String(r['table_name']).toLowerCase()
    const set = out.get(table) ?? new Set<string>()
    set.add(String(r['column_name']).toLowerCase())
    out.set(table, set)
  }
  return out
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (!a || !b || a.size !== b.size) return false
  for (const x of a) if (!b.has(x)) return false
  return true
}

/**
 * The statements that publish a root table and its children by rename, or undefined when the family must be
 * copied: some table is not staged for a rename, the publish keeps old rows (a merge or append into a target
 * that holds rows), it filters staging (a merge with duplicate keys or a hard-delete column, scd2), the target
 * has columns staging lacks, or `publishByRename.hasExtras` says the drop would lose something. Runs inside the
 * publish transaction, so its checks see what the publish changes.
 */
export async function renamePublishSql(
  db: SqlExecutor,
  names: SqlNames,
  schema: Schema,
  root: Table,
  tl: TableLoad,
  options: MergeSqlOptions,
  publishByRename: PublishByRename,
): Promise<SqlStatement[] | undefined> {
  const family = tableFamily(schema, root)
  const swaps = family.map((t) => names.stagedInDataset(t.name))
  if (swaps.some((s) => s === undefined)) return undefined
  const disposition = tl.disposition ?? root.writeDisposition
  if (disposition === 'merge') {
    const strategy = tl.mergeStrategy ?? root.mergeStrategy ?? 'delete-insert'
    if (strategy === 'scd2' || hardDeleteOf(root)) return undefined
    if (primaryKeyOf(root).length > 0 && !options.stagingUnique) return undefined
  }
  if (disposition !== 'replace') {
    for (const t of family) if (!(await isEmpty(db, names, t.name))) return undefined
  }
  const targets = family.map((t) => t.name)
  const columns = await datasetColumns(db, names, [...targets, ...(swaps as string[])])
  for (let i = 0; i < family.length; i++) {
    const target = columns.get(targets[i]!.toLowerCase())
    if (!sameSet(target, columns.get(swaps[i]!.toLowerCase()))) return undefined
  }
  const stored = targets.map((t) => names.stored(t))
  if (await publishByRename.hasExtras?.(db, names.stored(names.dataset), stored)) return undefined
  const out: SqlStatement[] = []
  for (const t of targets.slice().reverse()) out.push({ sql: `DROP TABLE ${names.table(t)}` })
  for (let i = 0; i < family.length; i++) {
    out.push({ sql: `ALTER TABLE ${names.table(swaps[i]!)} RENAME TO ${names.q(targets[i]!)}` })
  }
  return out
}

/** Drops the rename staging tables of a family that was copied instead (inside the publish transaction). */
export function dropSwapTablesSql(names: SqlNames, schema: Schema, root: Table): SqlStatement[] {
  return tableFamily(schema, root).flatMap((t) => {
    const swap = names.stagedInDataset(t.name)
    return swap === undefined ? [] : [{ sql: `DROP TABLE IF EXISTS ${names.table(swap)}` }]
  })
}
