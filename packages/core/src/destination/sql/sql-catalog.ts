import { isSluiceError, SluiceError } from '../../errors.ts'
import type { SqlNames } from './sql-ddl.ts'
import type { SqlClient } from './sql-types.ts'

/** A name as core compares it with the catalog: case-insensitively, whatever the engine's case rule. */
export function fold(name: string): string {
  return name.toLowerCase()
}

/** The key of a table in {@link existingColumns}' map. */
export function catalogKey(schema: string, table: string): string {
  return `${fold(schema)}\u0000${fold(table)}`
}

/**
 * The columns (folded) of every table in the dataset and its staging schema, keyed by {@link catalogKey}: from the
 * client's `listColumns`, else from `information_schema.columns`. A failure is `DESTINATION_MIGRATE`, except a
 * transient `SluiceError` of the client, which passes through unchanged.
 */
export async function existingColumns(client: SqlClient, n: SqlNames): Promise<Map<string, Set<string>>> {
  let rows: Record<string, unknown>[]
  try {
    const schemas = [n.stored(n.dataset), n.stored(n.staging)]
    rows = client.listColumns
      ? (await client.listColumns(schemas)).map((c) => ({
          table_schema: c.schema,
          table_name: c.table,
          column_name: c.column,
        }))
      : await client.query(
          `SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema IN (${n.param(1)}, ${n.param(2)})`,
          schemas,
        )
  } catch (cause) {
    // a lost connection or a conflict stays transient, so that the load is retried rather than given up
    if (isSluiceError(cause) && cause.transient) throw cause
    throw new SluiceError('DESTINATION_MIGRATE', `[${n.dialect.name}] could not read the dataset's tables`, {
      cause,
      hint: 'check that the user may read information_schema',
    })
  }
  const out = new Map<string, Set<string>>()
  for (const r of rows) {
    const k = catalogKey(String(r['table_schema']), String(r['table_name']))
    let set = out.get(k)
    if (!set) {
      set = new Set()
      out.set(k, set)
    }
    set.add(fold(String(r['column_name'])))
  }
  return out
}

/**
 * The tables with the child tables the dataset has for them (`<table>__...`, names as the catalog folds them),
 * from a map of {@link existingColumns}.
 */
export function withChildren(
  existing: ReadonlyMap<string, unknown>,
  dataset: string,
  tables: readonly string[],
): Set<string> {
  const out = new Set<string>()
  for (const name of tables) {
    out.add(name)
    for (const k of existing.keys()) {
      const [schemaName, table] = k.split('\u0000') as [string, string]
      if (schemaName === fold(dataset) && table.startsWith(`${fold(name)}__`)) out.add(table)
    }
  }
  return out
}
