import type { Column } from '../schema/schema-types.ts'

/** Names of the columns the normalizer adds to rows (the SQL layer imports them from here). */
export const SYSTEM_COLUMNS: {
  readonly id: '_sluice_id'
  readonly loadId: '_sluice_load_id'
  readonly parentId: '_sluice_parent_id'
  readonly listIdx: '_sluice_list_idx'
  readonly rootId: '_sluice_root_id'
} = Object.freeze({
  id: '_sluice_id',
  loadId: '_sluice_load_id',
  parentId: '_sluice_parent_id',
  listIdx: '_sluice_list_idx',
  rootId: '_sluice_root_id',
} as const)

/** Prefix shared by every system column; columns with it are skipped by row hashes. */
export const SYSTEM_COLUMN_PREFIX = '_sluice_'

/**
 * The system columns a table carries, in order: child tables `_sluice_parent_id`, `_sluice_list_idx` and (when the
 * root table merges) `_sluice_root_id`; every table `_sluice_load_id` and `_sluice_id` (unique).
 */
export function systemColumnsFor(child: boolean, withRootId: boolean): Column[] {
  const cols: Column[] = []
  if (child) {
    cols.push({ name: SYSTEM_COLUMNS.parentId, dataType: 'text', nullable: false })
    cols.push({ name: SYSTEM_COLUMNS.listIdx, dataType: 'bigint', nullable: false })
    if (withRootId) cols.push({ name: SYSTEM_COLUMNS.rootId, dataType: 'text', nullable: false })
  }
  cols.push({ name: SYSTEM_COLUMNS.loadId, dataType: 'text', nullable: false })
  cols.push({ name: SYSTEM_COLUMNS.id, dataType: 'text', nullable: false, unique: true })
  return cols
}
