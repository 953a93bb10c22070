import type { Column, Schema, SchemaChange, Table } from './schema-types.ts'
import { bumpSchemaVersion, cloneSchema } from './schema-versioning.ts'

/**
 * Applies additive changes to a copy of `schema` and returns it: `add-table` adds the table when missing (or adds
 * its missing columns when present), `add-column` appends the column when the table lacks it. Changes that are
 * already present are skipped. The version and hash are bumped only when the tables changed. Throws a `RangeError`
 * for a column added to an unknown table.
 */
export function applySchemaChanges(schema: Schema, changes: readonly SchemaChange[]): Schema {
  const next = cloneSchema(schema)
  for (const change of changes) {
    if (change.kind === 'add-table') {
      const existing = next.tables[change.table.name]
      if (existing === undefined) {
        next.tables[change.table.name] = structuredClone(change.table)
      } else {
        for (const col of change.table.columns) addColumn(existing, col)
      }
    } else {
      const table = next.tables[change.table]
      if (table === undefined)
        throw new RangeError(`cannot add column "${change.column.name}" to unknown table "${change.table}"`)
      addColumn(table, change.column)
    }
  }
  bumpSchemaVersion(next)
  return next
}

function addColumn(table: Table, column: Column): void {
  if (table.columns.some((c) => c.name === column.name)) return
  table.columns.push(structuredClone(column))
}

/**
 * The additive changes that bring a destination holding `stored` (or nothing) to `current`: an `add-table` for every
 * table missing from `stored` (parents before children), then an `add-column` for every column a stored table
 * lacks, in `current`'s column order. Type changes and removals are not reported (schemas only grow).
 */
export function diffSchemas(stored: Schema | undefined, current: Schema): SchemaChange[] {
  const changes: SchemaChange[] = []
  const emitted = new Set<string>()
  const emit = (table: Table): void => {
    if (emitted.has(table.name)) return
    emitted.add(table.name)
    const parent = table.parent === undefined ? undefined : current.tables[table.parent]
    if (parent !== undefined) emit(parent)
    const old = stored?.tables[table.name]
    if (old === undefined) {
      changes.push({ kind: 'add-table', table: structuredClone(table) })
      return
    }
    const have = new Set(old.columns.map((c) => c.name))
    for (const col of table.columns) {
      if (!have.has(col.name))
        changes.push({ kind: 'add-column', table: table.name, column: structuredClone(col) })
    }
  }
  for (const table of Object.values(current.tables)) emit(table)
  return changes
}

/**
 * Merges a schema restored from a destination (`stored`) with the local one: the result starts from `stored`
 * and gains every table and column that only `local` has (hints of columns both have are taken from `stored`).
 * Returns `stored` itself when `local` is undefined. The higher version wins and is bumped when the tables changed.
 */
export function mergeStoredSchema(local: Schema | undefined, stored: Schema): Schema {
  if (local === undefined) return stored
  const base = local.version > stored.version ? { ...stored, version: local.version } : stored
  return applySchemaChanges(base, diffSchemas(stored, local))
}
