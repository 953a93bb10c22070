import type { ReplaceStrategy, Schema, Table } from '../../schema/schema-types.ts'
import type { PackageLoad, TableLoad } from '../destination-types.ts'
import type { SqlNames } from './sql-ddl.ts'
import { deleteInsertSql, insertOnlySql, type MergeSqlOptions, scd2Sql, upsertSql } from './sql-merge.ts'
import { rootOf, type SqlStatement } from './sql-publish-common.ts'
import { appendSql, cloneReplaceSql, moveReplaceSql, replaceSql } from './sql-replace.ts'

/**
 * How `staging-optimized` replace is done on this engine: `move` (the dialect's `moveTableSql`, with
 * transactional DDL), `clone` (its `cloneTableSql`), or undefined: it copies like `insert-from-staging`.
 */
export type OptimizedReplace = 'move' | 'clone' | undefined

/** What decides how a root table is published, besides its load. */
export interface PublishRules {
  /** Replace strategy for tables that set none. */
  replaceStrategy: ReplaceStrategy
  optimizedReplace: OptimizedReplace
}

/** The replace strategy of a root table's load: the load's, else the table's, else the destination's. */
export function replaceStrategyOf(root: Table, tl: TableLoad, rules: PublishRules): ReplaceStrategy {
  return tl.replaceStrategy ?? root.replaceStrategy ?? rules.replaceStrategy
}

/** True when the root table's publish is a `staging-optimized` replace done by cloning. */
export function isCloneReplace(root: Table, tl: TableLoad, rules: PublishRules): boolean {
  return (
    rules.optimizedReplace === 'clone' &&
    (tl.disposition ?? root.writeDisposition) === 'replace' &&
    replaceStrategyOf(root, tl, rules) === 'staging-optimized'
  )
}

/** The SQL that publishes one root table and its children for its disposition. */
export function publishSql(
  names: SqlNames,
  schema: Schema,
  root: Table,
  tl: TableLoad,
  now: string,
  rules: PublishRules,
  options: MergeSqlOptions = {},
): SqlStatement[] {
  const disposition = tl.disposition ?? root.writeDisposition
  if (disposition === 'replace') {
    if (replaceStrategyOf(root, tl, rules) === 'staging-optimized') {
      const { moveTableSql, cloneTableSql } = names.dialect
      if (rules.optimizedReplace === 'move' && moveTableSql)
        return moveReplaceSql(names, schema, root, (s, d) => moveTableSql.call(names.dialect, s, d))
      if (rules.optimizedReplace === 'clone' && cloneTableSql)
        return cloneReplaceSql(names, schema, root, (t, s) => cloneTableSql.call(names.dialect, t, s))
    }
    return replaceSql(names, schema, root)
  }
  if (disposition === 'merge') {
    const strategy = tl.mergeStrategy ?? root.mergeStrategy ?? 'delete-insert'
    if (strategy === 'scd2') return scd2Sql(names, schema, root, now)
    if (strategy === 'upsert') return upsertSql(names, schema, root, tl.replaceRanges, options)
    if (strategy === 'insert-only') return insertOnlySql(names, schema, root, options)
    return deleteInsertSql(names, schema, root, tl.replaceRanges, options)
  }
  if (tl.replaceRanges?.length)
    return deleteInsertSql(
      names,
      schema,
      { ...root, columns: root.columns.map(({ primaryKey: _p, mergeKey: _m, ...c }) => c) },
      tl.replaceRanges,
      options.onceForLoad === undefined ? {} : { onceForLoad: options.onceForLoad },
    )
  return appendSql(names, schema, root, options.onceForLoad)
}

/** Each root table of a load once, with its own table load (or the first of its family's). */
export function rootsOf(load: PackageLoad): { root: Table; rootLoad: TableLoad }[] {
  const out = new Map<string, { root: Table; rootLoad: TableLoad }>()
  for (const tl of load.tables) {
    const root = rootOf(load.schema, load.schema.tables[tl.table.name] ?? tl.table)
    if (out.has(root.name)) continue
    out.set(root.name, { root, rootLoad: load.tables.find((x) => x.table.name === root.name) ?? tl })
  }
  return [...out.values()]
}
