// What the normalizer's tests share: a normalizer with one resource, the rows of a table, schema changes as text.

import type { NormalizedRow, Normalizer, ResourceTableSpec } from '../../src/normalize/normalize-types.ts'
import { createNormalizer } from '../../src/normalize/normalizer.ts'
import type { Schema, SchemaChange, SchemaContract } from '../../src/schema/schema-types.ts'

/** The load id the tests normalize with. */
export const LOAD = '1764300000.123'

/** A normalizer of schema `test` with the resource `items` (append, unless `spec` says otherwise). */
export function setup(
  spec: Partial<ResourceTableSpec> = {},
  schema?: Schema,
  contract?: SchemaContract,
): Normalizer {
  const n = createNormalizer(schema, { schemaName: 'test', ...(contract ? { contract } : {}) })
  n.registerResource({ resource: 'items', writeDisposition: 'append', ...spec })
  return n
}

/** The rows a normalized page has for `table` (none: an empty list). */
export function rows(page: { tables: Map<string, NormalizedRow[]> }, table: string): NormalizedRow[] {
  return page.tables.get(table) ?? []
}

/** Schema changes as `table <name>` and `<table>.<column>:<type>`. */
export function describeChanges(changes: SchemaChange[]): string[] {
  return changes.map((c) =>
    c.kind === 'add-table' ? `table ${c.table.name}` : `${c.table}.${c.column.name}:${c.column.dataType}`,
  )
}

/** A table's columns and their data types. */
export function columnsOf(schema: Schema, table: string): Record<string, string> {
  return Object.fromEntries((schema.tables[table]?.columns ?? []).map((c) => [c.name, c.dataType]))
}
