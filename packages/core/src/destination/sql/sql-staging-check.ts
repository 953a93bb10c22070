// Checks of a load's staging tables before it is published: whether a merge must de-duplicate, and which tables
// the load touches.
import type { Table } from '../../schema/schema-types.ts'
import type { PackageLoad, TableLoad } from '../destination-types.ts'
import type { SqlNames } from './sql-ddl.ts'
import { type MergeSqlOptions, stagingDuplicateKeysSql } from './sql-merge.ts'
import { rootsOf } from './sql-publish.ts'
import { rootOf, tableFamily } from './sql-publish-common.ts'
import type { SqlClient, SqlExecutor } from './sql-types.ts'

/**
 * For a merge (delete-insert, upsert) on a primary key: one cheap query tells whether staging holds a key
 * twice; when it does not, the merge skips its de-duplicating window. Off when the dialect says so.
 */
export async function stagingMergeOptions(
  db: Pick<SqlExecutor, 'query'>,
  names: SqlNames,
  root: Table,
  tl: TableLoad,
): Promise<MergeSqlOptions> {
  if (names.dialect.checkDuplicateKeys === false) return {}
  if ((tl.disposition ?? root.writeDisposition) !== 'merge') return {}
  if ((tl.mergeStrategy ?? root.mergeStrategy) === 'scd2') return {}
  const check = stagingDuplicateKeysSql(names, root)
  if (!check) return {}
  const duplicates = await db.query(check)
  return { stagingUnique: duplicates.length === 0 }
}

/**
 * The merge options of the load's root tables, from duplicate-key checks run before the publish transaction
 * through the client's `readStaging` (staging is complete by then). Empty without `readStaging`; a check that
 * fails here (staging gone because a crashed run had published the load already) runs in the transaction.
 */
export async function checkStagingFirst(
  client: SqlClient,
  names: SqlNames,
  load: PackageLoad,
): Promise<Map<string, MergeSqlOptions>> {
  const checked = new Map<string, MergeSqlOptions>()
  if (!client.readStaging) return checked
  const db: Pick<SqlExecutor, 'query'> = { query: (sql, params) => client.readStaging!(sql, params) }
  for (const { root, rootLoad } of rootsOf(load)) {
    try {
      checked.set(root.name, await stagingMergeOptions(db, names, root, rootLoad))
    } catch {
      // checked again inside the publish transaction, where the load's published state is known
    }
  }
  return checked
}

/** Every table of the families (root and children) the load's tables belong to. */
export function familiesOf(load: PackageLoad): Table[] {
  const out = new Map<string, Table>()
  for (const tl of load.tables) {
    const table = load.schema.tables[tl.table.name] ?? tl.table
    for (const t of tableFamily(load.schema, rootOf(load.schema, table))) out.set(t.name, t)
  }
  return [...out.values()]
}
