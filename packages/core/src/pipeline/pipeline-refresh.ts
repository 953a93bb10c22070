import type { Schema } from '../schema/schema-types.ts'
import type { Resource, Source } from '../source/source-types.ts'
import type { PackageManifest, PipelineState, RefreshMode } from '../storage/package-types.ts'
import { setResourceState, tablesOfResource, tableWithChildren } from './pipeline-state.ts'

/** The refresh a package applies when it loads (see `RunOptions.refresh`). */
export type RefreshPlan = NonNullable<PackageManifest['refresh']>

/** The given root tables with their child tables, each once. */
export function refreshTables(schema: Schema | undefined, roots: readonly string[]): string[] {
  const out: string[] = []
  for (const r of roots) for (const t of tableWithChildren(schema, r)) if (!out.includes(t)) out.push(t)
  return out
}

/**
 * Resets `base` (the state the run starts from) for the refresh `mode` and returns the tables to drop or empty
 * at load time; undefined without a refresh.
 */
export function refreshPlan(
  mode: RefreshMode | undefined,
  source: Source,
  resources: readonly Resource<object>[],
  schema: Schema | undefined,
  base: PipelineState,
): RefreshPlan | undefined {
  if (!mode) return undefined
  if (mode === 'drop_sources') {
    base.sources[source.name] = { resources: {} }
    const roots = Object.values(schema?.tables ?? {})
      .filter((t) => t.parent === undefined)
      .map((t) => t.name)
    return { mode, dropTables: refreshTables(schema, roots), truncateTables: [] }
  }
  const tables: string[] = []
  for (const r of resources) {
    setResourceState(base, source.name, r.name, undefined)
    for (const t of tablesOfResource(schema, r.name)) if (!tables.includes(t)) tables.push(t)
  }
  return mode === 'drop_resources'
    ? { mode, dropTables: tables, truncateTables: [] }
    : { mode, dropTables: [], truncateTables: tables }
}

/** The schema the run normalizes against: without the source's tables (drop_sources) or the dropped ones. */
export function schemaAfterRefresh(
  schema: Schema | undefined,
  refresh: RefreshPlan | undefined,
): Schema | undefined {
  if (refresh?.mode === 'drop_sources') return undefined
  if (refresh?.mode === 'drop_resources' && schema) {
    const drop = new Set(refresh.dropTables)
    return {
      ...schema,
      tables: Object.fromEntries(Object.entries(schema.tables).filter(([n]) => !drop.has(n))),
    }
  }
  return schema
}
