import type { Normalizer, NormalizerOptions, ResourceTableSpec } from '../../src/normalize/normalize-types.ts'
import type { Column, Schema, SchemaChange, Table } from '../../src/schema/schema-types.ts'

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .toLowerCase()
}

/**
 * A tiny normalizer for runner tests: flat rows, every value kept as is, lists under `items` become a child
 * table `<table>__items`. Columns are typed `text` except numbers (`bigint`).
 */
export function fakeNormalizer(schema: Schema | undefined, options: NormalizerOptions): Normalizer {
  const current: Schema = schema ?? {
    name: options.schemaName,
    version: 1,
    versionHash: 'h',
    previousHashes: [],
    tables: {},
  }
  const specs = new Map<string, ResourceTableSpec>()
  let seq = 0
  const column = (name: string, value: unknown): Column => ({
    name,
    dataType: typeof value === 'number' ? 'bigint' : 'text',
    nullable: true,
  })
  const ensureTable = (name: string, spec: ResourceTableSpec, parent?: string): SchemaChange[] => {
    if (current.tables[name]) return []
    const table: Table = {
      name,
      columns: [
        { name: '_sluice_id', dataType: 'text', nullable: false },
        { name: '_sluice_load_id', dataType: 'text', nullable: false },
      ],
      writeDisposition: spec.writeDisposition,
      ...(parent ? { parent } : { resource: spec.resource }),
    }
    for (const [c, hint] of Object.entries(spec.columns ?? {})) {
      table.columns.push({ name: snake(c), dataType: hint.dataType ?? 'text', ...hint })
    }
    if (!parent) {
      for (const pk of spec.primaryKey ?? []) {
        table.columns.push({ name: snake(pk), dataType: 'bigint', primaryKey: true })
      }
    }
    current.tables[name] = table
    return [{ kind: 'add-table', table: structuredClone(table) }]
  }
  const addColumns = (table: string, row: Record<string, unknown>, changes: SchemaChange[]): void => {
    const t = current.tables[table]!
    for (const [k, v] of Object.entries(row)) {
      if (!t.columns.some((c) => c.name === k)) {
        const col = column(k, v)
        t.columns.push(col)
        changes.push({ kind: 'add-column', table, column: col })
      }
    }
  }
  return {
    get schema() {
      return current
    },
    registerResource(spec) {
      specs.set(spec.resource, spec)
      return ensureTable(snake(spec.table ?? spec.resource), spec)
    },
    normalizePage(resource, rows, loadId) {
      const spec = specs.get(resource)!
      const table = snake(spec.table ?? spec.resource)
      const out = new Map<string, Record<string, unknown>[]>([[table, []]])
      const changes: SchemaChange[] = []
      for (const raw of rows) {
        const row: Record<string, unknown> = { _sluice_id: `id${++seq}`, _sluice_load_id: loadId }
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
          if (k === 'items' && Array.isArray(v)) {
            const child = `${table}__items`
            changes.push(...ensureTable(child, spec, table))
            const list = out.get(child) ?? []
            out.set(child, list)
            v.forEach((value, i) => {
              const c = {
                _sluice_id: `id${++seq}`,
                _sluice_load_id: loadId,
                _sluice_parent_id: row._sluice_id,
                _sluice_list_idx: i,
                value,
              }
              addColumns(child, c, changes)
              list.push(c)
            })
            continue
          }
          row[snake(k)] = v
        }
        addColumns(table, row, changes)
        out.get(table)!.push(row)
      }
      return { tables: out, changes, discardedRows: 0 }
    },
    normalizeIdentifier: snake,
    tableOf(resource) {
      const spec = specs.get(resource)
      return snake(spec?.table ?? resource)
    },
  }
}
