// How a resource's write disposition is resolved against what the destination offers, before anything is fetched.
import type { DestinationCapabilities } from '../destination/destination-types.ts'
import { SluiceError } from '../errors.ts'
import type { ResourceTableSpec } from '../normalize/normalize-types.ts'
import type {
  MergeStrategy,
  ReplaceStrategy,
  SchemaContract,
  WriteDisposition,
} from '../schema/schema-types.ts'
import type { Resource } from '../source/source-types.ts'
import { hasNoKeys, scd2OptionsOf } from '../source/write-disposition.ts'

function asArray(v: string | readonly string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? [v] : v
}

const REPLACE_FALLBACK: Record<ReplaceStrategy, ReplaceStrategy | undefined> = {
  'staging-optimized': 'insert-from-staging',
  'insert-from-staging': 'truncate-and-insert',
  'truncate-and-insert': undefined,
}

/** How a table is published on a destination with `caps`: the declared strategy or a supported fallback. */
export interface EffectiveDisposition {
  disposition: WriteDisposition
  mergeStrategy?: MergeStrategy
  replaceStrategy?: ReplaceStrategy
  warning?: string
}

/**
 * Resolves a resource's disposition against the destination's capabilities. A merge strategy the destination
 * does not list in `capabilities.mergeStrategies` is refused (SluiceError DESTINATION_UNSUPPORTED, naming the
 * resource, the strategy and the ones offered), as dlt does: another strategy would change what the table
 * holds. Replace strategies fall back staging-optimized → insert-from-staging → truncate-and-insert (with a
 * warning). A `delete-insert` merge without a primary or merge key appends through staging, as dlt does: its
 * warning says so. Defaults: `delete-insert`, `insert-from-staging`.
 */
export function effectiveDisposition(
  spec: ResourceTableSpec,
  caps:
    | Pick<DestinationCapabilities, 'writeDispositions' | 'mergeStrategies' | 'replaceStrategies'>
    | undefined,
): EffectiveDisposition {
  const name = spec.resource
  if (spec.writeDisposition === 'merge') {
    const wanted = spec.mergeStrategy ?? 'delete-insert'
    if (!caps || (caps.writeDispositions.includes('merge') && caps.mergeStrategies.includes(wanted)))
      return {
        disposition: 'merge',
        mergeStrategy: wanted,
        ...(wanted === 'delete-insert' && hasNoKeys(spec)
          ? {
              warning: `${name}: merge without a primary key or merge key appends its rows (through staging); set primaryKey or mergeKey to update rows`,
            }
          : {}),
      }
    if (!caps.writeDispositions.includes('merge') || caps.mergeStrategies.length === 0) {
      // Appending instead would duplicate every re-read row: refuse before anything is fetched.
      throw new SluiceError(
        'DESTINATION_UNSUPPORTED',
        `resource ${name} asks for merge${spec.mergeStrategy ? ` (${spec.mergeStrategy})` : ''}, but the destination offers only ${caps.writeDispositions.join(' and ')}`,
        {
          hint: `load ${name} with write disposition append or replace, or pick a destination with merge (duckdb, postgres, bigquery, snowflake)`,
        },
      )
    }
    const offered = caps.mergeStrategies.join(', ')
    throw new SluiceError(
      'DESTINATION_UNSUPPORTED',
      `resource ${name} asks for the ${wanted} merge strategy, but the destination offers only ${offered}`,
      {
        hint: `set the write disposition of ${name} to { disposition: 'merge', strategy: '${caps.mergeStrategies[0]}' } (one of ${offered}), or pick a destination with ${wanted}`,
      },
    )
  }
  if (spec.writeDisposition === 'replace') {
    const wanted = spec.replaceStrategy ?? 'insert-from-staging'
    let strategy: ReplaceStrategy | undefined = wanted
    while (strategy && caps && !caps.replaceStrategies.includes(strategy))
      strategy = REPLACE_FALLBACK[strategy]
    const replaceStrategy = strategy ?? 'truncate-and-insert'
    return {
      disposition: 'replace',
      replaceStrategy,
      ...(replaceStrategy !== wanted
        ? { warning: `${name}: the destination has no ${wanted} replace; used ${replaceStrategy}` }
        : {}),
    }
  }
  return { disposition: spec.writeDisposition }
}

/** The normalizer spec of a resource. */
export function resourceSpec(resource: Resource<object>, contract?: SchemaContract): ResourceTableSpec {
  const wd = resource.writeDisposition ?? 'append'
  const spec: ResourceTableSpec = {
    resource: resource.name,
    writeDisposition: typeof wd === 'string' ? wd : wd.disposition,
  }
  if (typeof wd === 'object' && wd.strategy !== undefined) {
    if (wd.disposition === 'merge') spec.mergeStrategy = wd.strategy
    else spec.replaceStrategy = wd.strategy
  }
  const scd2 = scd2OptionsOf(wd)
  if (scd2) spec.scd2 = scd2
  if (resource.tableName !== undefined) spec.table = resource.tableName
  const pk = asArray(resource.primaryKey)
  if (pk) spec.primaryKey = pk
  const mk = asArray(resource.mergeKey)
  if (mk) spec.mergeKey = mk
  if (resource.columns) spec.columns = resource.columns
  const c = resource.contract ?? contract
  if (c !== undefined) spec.contract = c
  if (resource.maxTableNesting !== undefined) spec.maxTableNesting = resource.maxTableNesting
  return spec
}
