import type { ReplaceRange, Schema, Table } from '../../schema/schema-types.ts'
import type { SqlNames } from './sql-ddl.ts'
import { SYSTEM_COLUMNS, stagingColumns, validityColumnsOf } from './sql-ddl.ts'
import {
  columnList,
  dedupSortOf,
  deleteInSql,
  hardDeleteOf,
  insertFromStagingSql,
  keyMatch,
  mergeKeyOf,
  notDeletedSql,
  notLoadedYetSql,
  primaryKeyOf,
  rootLinkOf,
  type SqlStatement,
  tableFamily,
} from './sql-publish-common.ts'

/** Options of the merge SQL builders. */
export interface MergeSqlOptions {
  /**
   * The caller checked (with {@link stagingDuplicateKeysSql}, in the same transaction) that staging holds no two
   * rows with the same primary key: the de-duplicating window is left out. Default false.
   */
  stagingUnique?: boolean
  /**
   * The load id, for a publish without a transaction that may be repeated after a failure: an insert that no
   * delete precedes (an append, a merge without keys) skips a table that holds rows of this load already, so a
   * repeated publish adds nothing twice. Default none: every insert runs.
   */
  onceForLoad?: string
}

/**
 * A query that returns one row when the root's staging table holds a primary key more than once, none when
 * every key is unique (or the table has no primary key: then undefined, there is nothing to check).
 * Dialect-neutral and cheap: it reads the key columns only. With `SqlDialect.checkDuplicateKeys:
 * 'count-distinct'`, a one-column key compares `COUNT(*)` with `COUNT(DISTINCT key)` instead of grouping (a NULL
 * key then counts as a duplicate too: the merge de-duplicates, the same rows either way).
 */
export function stagingDuplicateKeysSql(names: SqlNames, root: Table): string | undefined {
  const pk = primaryKeyOf(root)
  if (pk.length === 0) return undefined
  const dup = names.q('_sluice_dup')
  const staging = names.table(root.name, true)
  if (pk.length === 1 && names.dialect.checkDuplicateKeys === 'count-distinct') {
    const key = names.q(pk[0]!)
    return `SELECT 1 AS ${dup} FROM (SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS d FROM ${staging}) s WHERE n <> d`
  }
  const keys = pk.map((k) => names.q(k)).join(', ')
  return `SELECT 1 AS ${dup} FROM ${staging} GROUP BY ${keys} HAVING COUNT(*) > 1 LIMIT 1`
}

/**
 * Staging rows of the root, de-duplicated by primary key: the winner per key is the largest (`dedupSort: desc`)
 * or smallest (`asc`) value of the dedup-sort column, then the largest `_sluice_id`. The normalizer starts the
 * ids of merge rows with their position in extraction order (digits, so every collation sorts them alike): of
 * rows that tie, the last extracted wins, on every destination. Selects the staging columns. With
 * `stagingUnique` (keys known to be unique) it selects staging as is.
 */
export function dedupedStagingSql(names: SqlNames, root: Table, options: MergeSqlOptions = {}): string {
  const cols = stagingColumns(root)
  const pk = primaryKeyOf(root)
  const staging = names.table(root.name, true)
  if (pk.length === 0 || options.stagingUnique) return `SELECT ${columnList(names, cols)} FROM ${staging}`
  const sort = dedupSortOf(root)
  const order: string[] = []
  if (sort) order.push(`${names.q(sort.name)} ${sort.dedupSort === 'asc' ? 'ASC' : 'DESC'}`)
  if (cols.some((c) => c.name === SYSTEM_COLUMNS.id)) order.push(`${names.q(SYSTEM_COLUMNS.id)} DESC`)
  const over = `PARTITION BY ${columnList(
    names,
    pk.map((name) => ({ name, dataType: 'text' as const })),
  )}${order.length ? ` ORDER BY ${order.join(', ')}` : ''}`
  const rn = names.q('_sluice_dedup_rn')
  return `SELECT ${columnList(names, cols, 'r')} FROM (SELECT ${columnList(names, cols)}, ROW_NUMBER() OVER (${over}) AS ${rn} FROM ${staging}) AS r WHERE r.${rn} = 1`
}

/** Range condition on alias `t` with typed parameters starting at `firstParam`. */
function rangeCondition(
  names: SqlNames,
  root: Table,
  ranges: readonly ReplaceRange[],
  firstParam: number,
): { sql: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  for (const r of ranges) {
    const column = root.columns.find((c) => c.name === r.column)
    if (!column) continue
    const ref = `t.${names.q(column.name)}`
    const a = firstParam + params.length
    parts.push(`(${ref} >= ${names.typedParam(a, column)} AND ${ref} < ${names.typedParam(a + 1, column)})`)
    params.push(r.from, r.to)
  }
  return { sql: parts.join(' OR '), params }
}

/**
 * Deletes target rows of the family matching `condition` on the root (alias `t`): descendants first (tied by
 * `_sluice_root_id`), then the root rows.
 */
function deleteWhere(
  names: SqlNames,
  schema: Schema,
  root: Table,
  condition: string,
  params: unknown[],
): SqlStatement[] {
  const out: SqlStatement[] = []
  const doomed = `SELECT t.${names.q(SYSTEM_COLUMNS.id)} FROM ${names.table(root.name)} AS t WHERE ${condition}`
  for (const child of tableFamily(schema, root).slice(1).reverse()) {
    const link = rootLinkOf(child, root)
    if (!link) continue
    out.push(deleteInSql(names, names.table(child.name), link, doomed, params))
  }
  out.push(deleteInSql(names, names.table(root.name), SYSTEM_COLUMNS.id, doomed, params))
  return out
}

/**
 * Inserts the staging rows of descendants whose root is among `rootIds` (a subquery of root `_sluice_id`s); with
 * `onceForLoad`, only into tables that hold no row of that load yet.
 */
function insertChildren(
  names: SqlNames,
  schema: Schema,
  root: Table,
  rootIds: string,
  onceForLoad?: string,
): SqlStatement[] {
  return tableFamily(schema, root)
    .slice(1)
    .map((child) => {
      const link = rootLinkOf(child, root)
      const where = link ? [`s.${names.q(link)} IN (${rootIds})`] : []
      const guard = onceForLoad === undefined ? undefined : notLoadedYetSql(names, child, 1)
      if (guard) where.push(guard)
      const sql = insertFromStagingSql(names, child, where.length ? where.join(' AND ') : undefined)
      return guard ? { sql, params: [onceForLoad] } : { sql }
    })
}

/**
 * Merge `delete-insert`: de-duplicate staging by primary key, delete target rows whose primary key or merge key
 * is in staging (and rows in `replaceRanges`), with their child rows, then insert the winners that are not
 * hard-delete markers and their child rows. Without keys this is an append through staging.
 */
export function deleteInsertSql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  replaceRanges: readonly ReplaceRange[] = [],
  options: MergeSqlOptions = {},
): SqlStatement[] {
  const out: SqlStatement[] = []
  const staging = names.table(root.name, true)
  const pk = primaryKeyOf(root)
  const mk = mergeKeyOf(root)
  const conditions: string[] = []
  if (pk.length)
    conditions.push(`EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keyMatch(names, pk, 's', 't')})`)
  if (mk.length)
    conditions.push(`EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keyMatch(names, mk, 's', 't')})`)
  const range = rangeCondition(names, root, replaceRanges, 1)
  if (range.sql) conditions.push(range.sql)
  if (conditions.length) out.push(...deleteWhere(names, schema, root, conditions.join(' OR '), range.params))
  // nothing deleted first: a repeated publish must not insert twice
  const once = conditions.length === 0 ? options.onceForLoad : undefined
  const guard = once === undefined ? undefined : notLoadedYetSql(names, root, 1)
  const cols = stagingColumns(root)
  const deduped = dedupedStagingSql(names, root, options)
  const winners = `SELECT ${columnList(names, cols, 'w')} FROM (${deduped}) AS w WHERE ${notDeletedSql(names, hardDeleteOf(root), 'w')}${guard ? ` AND ${guard}` : ''}`
  const insert = `INSERT INTO ${names.table(root.name)} (${columnList(names, cols)}) ${winners}`
  out.push(guard ? { sql: insert, params: [once] } : { sql: insert })
  const ids = `SELECT w.${names.q(SYSTEM_COLUMNS.id)} FROM (${deduped}) AS w WHERE ${notDeletedSql(names, hardDeleteOf(root), 'w')}`
  out.push(...insertChildren(names, schema, root, ids, once))
  return out
}

/**
 * Merge `upsert`: rows of staging (de-duplicated by primary key) update the target row with the same key or are
 * inserted; hard-delete markers delete it. Child rows of touched roots are replaced. Written as MERGE INTO when
 * the dialect's `upsertSyntax` is `merge`, else as UPDATE .. FROM + INSERT .. WHERE NOT EXISTS (needs no unique
 * constraint).
 */
export function upsertSql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  replaceRanges: readonly ReplaceRange[] = [],
  options: MergeSqlOptions = {},
): SqlStatement[] {
  const pk = primaryKeyOf(root)
  if (pk.length === 0) return deleteInsertSql(names, schema, root, replaceRanges, options)
  const out: SqlStatement[] = []
  const staging = names.table(root.name, true)
  const target = names.table(root.name)
  const cols = stagingColumns(root)
  const hd = hardDeleteOf(root)
  const deduped = dedupedStagingSql(names, root, options)
  // children of every touched root are replaced
  const touched = `EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keyMatch(names, pk, 's', 't')})`
  const range = rangeCondition(names, root, replaceRanges, 1)
  for (const child of tableFamily(schema, root).slice(1).reverse()) {
    const link = rootLinkOf(child, root)
    if (!link) continue
    const cond = range.sql ? `${touched} OR ${range.sql}` : touched
    const ids = `SELECT t.${names.q(SYSTEM_COLUMNS.id)} FROM ${target} AS t WHERE ${cond}`
    out.push(deleteInSql(names, names.table(child.name), link, ids, range.params))
  }
  if (range.sql) {
    const ids = `SELECT t.${names.q(SYSTEM_COLUMNS.id)} FROM ${target} AS t WHERE ${range.sql}`
    out.push(deleteInSql(names, target, SYSTEM_COLUMNS.id, ids, range.params))
  }
  if (hd) {
    const deleted = `SELECT 1 FROM (${deduped}) AS d WHERE ${keyMatch(names, pk, 'd', 't')} AND NOT ${notDeletedSql(names, hd, 'd')}`
    const ids = `SELECT t.${names.q(SYSTEM_COLUMNS.id)} FROM ${target} AS t WHERE EXISTS (${deleted})`
    out.push(deleteInSql(names, target, SYSTEM_COLUMNS.id, ids))
  }
  const live = `SELECT ${columnList(names, cols, 'w')} FROM (${deduped}) AS w WHERE ${notDeletedSql(names, hd, 'w')}`
  const nonKey = cols.filter((c) => !pk.includes(c.name))
  if (names.dialect.upsertSyntax === 'merge') {
    const set = nonKey.map((c) => `${names.q(c.name)} = s.${names.q(c.name)}`).join(', ')
    out.push({
      sql: `MERGE INTO ${target} AS t USING (${live}) AS s ON (${keyMatch(names, pk, 't', 's')})${set ? ` WHEN MATCHED THEN UPDATE SET ${set}` : ''} WHEN NOT MATCHED THEN INSERT (${columnList(names, cols)}) VALUES (${columnList(names, cols, 's')})`,
    })
  } else {
    if (nonKey.length) {
      const set = nonKey.map((c) => `${names.q(c.name)} = s.${names.q(c.name)}`).join(', ')
      const match = pk.map((k) => `${target}.${names.q(k)} = s.${names.q(k)}`).join(' AND ')
      out.push({ sql: `UPDATE ${target} SET ${set} FROM (${live}) AS s WHERE ${match}` })
    }
    out.push({
      sql: `INSERT INTO ${target} (${columnList(names, cols)}) SELECT ${columnList(names, cols, 'n')} FROM (${live}) AS n WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE ${keyMatch(names, pk, 't', 'n')})`,
    })
  }
  const ids = `SELECT w.${names.q(SYSTEM_COLUMNS.id)} FROM (${deduped}) AS w WHERE ${notDeletedSql(names, hd, 'w')}`
  out.push(...insertChildren(names, schema, root, ids))
  return out
}

/**
 * Merge `insert-only`: staging rows (de-duplicated by primary key, hard-delete markers left out) whose key the
 * target lacks are inserted, with their child rows; rows that are there are never changed. Safe to repeat: a key
 * is inserted once, a child row once (by its `_sluice_id`). Without a primary key every staged row is inserted
 * (once per load with `onceForLoad`). Replace ranges do not apply: nothing that is there is deleted.
 */
export function insertOnlySql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  options: MergeSqlOptions = {},
): SqlStatement[] {
  const pk = primaryKeyOf(root)
  const target = names.table(root.name)
  const id = names.q(SYSTEM_COLUMNS.id)
  const cols = stagingColumns(root)
  const deduped = dedupedStagingSql(names, root, options)
  // without a key a repeated publish must not insert twice
  const guard =
    pk.length === 0 && options.onceForLoad !== undefined ? notLoadedYetSql(names, root, 1) : undefined
  const missing = pk.length
    ? ` AND NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE ${keyMatch(names, pk, 't', 'w')})`
    : guard
      ? ` AND ${guard}`
      : ''
  const insert = `INSERT INTO ${target} (${columnList(names, cols)}) SELECT ${columnList(names, cols, 'w')} FROM (${deduped}) AS w WHERE ${notDeletedSql(names, hardDeleteOf(root), 'w')}${missing}`
  const out: SqlStatement[] = [guard ? { sql: insert, params: [options.onceForLoad] } : { sql: insert }]
  // the roots inserted now are the staged ones whose _sluice_id the target holds
  const inserted = `SELECT t.${id} FROM ${target} AS t INNER JOIN ${names.table(root.name, true)} AS r ON t.${id} = r.${id}`
  for (const child of tableFamily(schema, root).slice(1)) {
    const link = rootLinkOf(child, root)
    const notThere = `NOT EXISTS (SELECT 1 FROM ${names.table(child.name)} AS c WHERE c.${id} = s.${id})`
    out.push({
      sql: insertFromStagingSql(
        names,
        child,
        link ? `s.${names.q(link)} IN (${inserted}) AND ${notThere}` : notThere,
      ),
    })
  }
  return out
}

/**
 * Merge `scd2`: rows are told apart by their version, the row hash in `_sluice_id` (or the table's
 * `scd2.rowVersionColumnName`). Active target rows (valid-to NULL, or `scd2.activeRecordTimestamp`) whose version
 * is not in the (full) extract are retired at the boundary (`scd2.boundaryTimestamp`, else `now`); with a merge key
 * only those in a partition (merge key value) the extract holds. Staging rows whose version is not active are
 * inserted as new versions valid from the boundary. Hard-delete markers only retire. Child rows are inserted for
 * new versions. Validity columns: `scd2.validityColumnNames`, else `SCD2_COLUMNS`.
 */
export function scd2Sql(names: SqlNames, schema: Schema, root: Table, now: string): SqlStatement[] {
  const out: SqlStatement[] = []
  const options = root.scd2 ?? {}
  const target = names.table(root.name)
  const staging = names.table(root.name, true)
  const id = names.q(SYSTEM_COLUMNS.id)
  const version = names.q(options.rowVersionColumnName ?? SYSTEM_COLUMNS.id)
  const validity = validityColumnsOf(root)
  const from = names.q(validity.from)
  const to = names.q(validity.to)
  const hd = hardDeleteOf(root)
  const ts = { name: validity.to, dataType: 'timestamp' as const }
  const boundary = options.boundaryTimestamp ?? now
  // $1 is the boundary, $2 the active record timestamp (when set)
  const activeValue = options.activeRecordTimestamp
  const params = activeValue === undefined ? [boundary] : [boundary, activeValue]
  const isActive = (ref: string, param = 2) =>
    activeValue === undefined ? `${ref} IS NULL` : `${ref} = ${names.typedParam(param, ts)}`
  const notNull = options.rowVersionColumnName ? ` AND s.${version} IS NOT NULL` : ''
  const live = `SELECT s.${version} FROM ${staging} AS s WHERE ${notDeletedSql(names, hd, 's')}${notNull}`
  const mk = mergeKeyOf(root)
  const partition = mk.length
    ? ` AND ${version} IN (SELECT t.${version} FROM ${target} AS t INNER JOIN ${staging} AS s ON ${keyMatch(names, mk, 's', 't')} WHERE ${isActive(`t.${to}`)})`
    : ''
  out.push({
    sql: `UPDATE ${target} SET ${to} = ${names.typedParam(1, ts)} WHERE ${isActive(to)} AND ${version} NOT IN (${live})${partition}`,
    params,
  })
  const cols = stagingColumns(root)
  const rn = names.q('_sluice_dedup_rn')
  const distinct = `SELECT ${columnList(names, cols, 'r')} FROM (SELECT ${columnList(names, cols)}, ROW_NUMBER() OVER (PARTITION BY ${version}) AS ${rn} FROM ${staging}) AS r WHERE r.${rn} = 1`
  const newRows = (param: number) =>
    `FROM (${distinct}) AS n WHERE ${notDeletedSql(names, hd, 'n')} AND NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE t.${version} = n.${version} AND ${isActive(`t.${to}`, param)})`
  const children = tableFamily(schema, root).slice(1)
  for (const child of children) {
    const link = rootLinkOf(child, root)
    const notThere = `NOT EXISTS (SELECT 1 FROM ${names.table(child.name)} AS c WHERE c.${id} = s.${id})`
    // a child insert's one parameter ($1) is the active record timestamp, when set
    const where = link ? `s.${names.q(link)} IN (SELECT n.${id} ${newRows(1)}) AND ${notThere}` : notThere
    out.push(
      link && activeValue !== undefined
        ? { sql: insertFromStagingSql(names, child, where), params: [activeValue] }
        : { sql: insertFromStagingSql(names, child, where) },
    )
  }
  const activeLiteral = activeValue === undefined ? 'NULL' : names.typedParam(2, ts)
  out.push({
    sql: `INSERT INTO ${target} (${columnList(names, cols)}, ${from}, ${to}) SELECT ${columnList(names, cols, 'n')}, ${names.typedParam(1, ts)}, ${activeLiteral} ${newRows(2)}`,
    params,
  })
  return out
}
