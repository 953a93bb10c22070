// A resource's write disposition: what is checked when a resource is declared (defineResource, a rest_api config)
// and the scd2 options it carries, in either spelling (sluice's camelCase, dlt's snake_case).
import type { ColumnHints, MergeStrategy, Scd2Options } from '../schema/schema-types.ts'

const DISPOSITIONS = ['append', 'replace', 'merge']
const MERGE_STRATEGIES: readonly MergeStrategy[] = ['delete-insert', 'upsert', 'insert-only', 'scd2']
const REPLACE_STRATEGIES = ['truncate-and-insert', 'insert-from-staging', 'staging-optimized']

/** The scd2 options of a write disposition, camelCase name → dlt's name. */
const SCD2_KEYS: Record<keyof Scd2Options, string> = {
  validityColumnNames: 'validity_column_names',
  activeRecordTimestamp: 'active_record_timestamp',
  boundaryTimestamp: 'boundary_timestamp',
  rowVersionColumnName: 'row_version_column_name',
}

/** What a write disposition is checked against: the resource's keys and column hints. */
export interface DispositionKeys {
  writeDisposition?: unknown
  primaryKey?: unknown
  mergeKey?: unknown
  columns?: ColumnHints
}

/** A problem with a write disposition: what is wrong (after the key it is about) and what to do. */
export interface DispositionProblem {
  problem: string
  hint?: string
}

type Obj = Record<string, unknown>

const isObject = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)

/** The value of an scd2 option in either spelling (camelCase first). */
function option(wd: Obj, key: keyof Scd2Options): unknown {
  return wd[key] !== undefined ? wd[key] : wd[SCD2_KEYS[key]]
}

function timestamp(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString()
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined
}

/**
 * The problem with a resource's write disposition, or undefined when it is fine: an unknown disposition or
 * strategy, an unknown key, scd2 options on another strategy or of the wrong shape, or `upsert` / `insert-only`
 * without a primary key (they match rows by it). A merge without any key is fine: it appends through staging.
 */
export function writeDispositionProblem(r: DispositionKeys): DispositionProblem | undefined {
  const wd = r.writeDisposition
  if (wd === undefined) return undefined
  const d = isObject(wd) ? wd['disposition'] : wd
  if (!DISPOSITIONS.includes(d as string))
    return { problem: `"${String(d)}" is unknown; use append, replace or merge` }
  if (!isObject(wd)) return undefined
  const strategy = wd['strategy']
  if (strategy !== undefined) {
    const allowed = d === 'merge' ? MERGE_STRATEGIES : d === 'replace' ? REPLACE_STRATEGIES : []
    if (!allowed.includes(strategy as never))
      return {
        problem: `strategy "${String(strategy)}" is not a ${String(d)} strategy`,
        hint: allowed.length ? `use one of ${allowed.join(', ')}` : `${String(d)} has no strategies`,
      }
  }
  const known = new Set(['disposition', 'strategy', ...Object.keys(SCD2_KEYS), ...Object.values(SCD2_KEYS)])
  const unknown = Object.keys(wd).find((k) => !known.has(k))
  if (unknown !== undefined)
    return {
      problem: `has the unknown key ${unknown}`,
      hint: `a write disposition takes disposition, strategy and (scd2) ${Object.keys(SCD2_KEYS).join(', ')}`,
    }
  const given = (Object.keys(SCD2_KEYS) as (keyof Scd2Options)[]).filter((k) => option(wd, k) !== undefined)
  if (given.length > 0 && (d !== 'merge' || strategy !== 'scd2'))
    return {
      problem: `${given[0]} is an scd2 option, but the strategy is ${String(strategy ?? 'the default')}`,
      hint: "set { disposition: 'merge', strategy: 'scd2' } or leave the option out",
    }
  const names = option(wd, 'validityColumnNames')
  if (
    names !== undefined &&
    (!Array.isArray(names) ||
      names.length !== 2 ||
      names.some((n) => typeof n !== 'string' || n === '') ||
      names[0] === names[1])
  )
    return { problem: 'validityColumnNames must be two different column names [from, to]' }
  for (const key of ['activeRecordTimestamp', 'boundaryTimestamp'] as const) {
    const v = option(wd, key)
    if (v !== undefined && v !== null && timestamp(v) === undefined)
      return {
        problem: `${key} must be a timestamp (an ISO string or a Date)`,
        hint: 'e.g. "9999-12-31T00:00:00Z"',
      }
  }
  const version = option(wd, 'rowVersionColumnName')
  if (version !== undefined && (typeof version !== 'string' || version === ''))
    return { problem: 'rowVersionColumnName must be a column name' }
  if (d === 'merge' && (strategy === 'upsert' || strategy === 'insert-only')) {
    const hinted = Object.values(r.columns ?? {}).some((c) => c.primaryKey)
    if (r.primaryKey === undefined && !hinted)
      return {
        problem: `is merge ${strategy} but the resource has no primaryKey`,
        hint: `${strategy} matches rows by their primary key: set primaryKey, or use delete-insert`,
      }
  }
  return undefined
}

/** The scd2 options of a (checked) write disposition, in either spelling; timestamps as ISO strings. */
export function scd2OptionsOf(wd: unknown): Scd2Options | undefined {
  if (!isObject(wd) || wd['disposition'] !== 'merge' || wd['strategy'] !== 'scd2') return undefined
  const out: Scd2Options = {}
  const names = option(wd, 'validityColumnNames')
  if (Array.isArray(names)) out.validityColumnNames = [String(names[0]), String(names[1])]
  const active = timestamp(option(wd, 'activeRecordTimestamp'))
  if (active !== undefined) out.activeRecordTimestamp = active
  const boundary = timestamp(option(wd, 'boundaryTimestamp'))
  if (boundary !== undefined) out.boundaryTimestamp = boundary
  const version = option(wd, 'rowVersionColumnName')
  if (typeof version === 'string') out.rowVersionColumnName = version
  return Object.keys(out).length > 0 ? out : undefined
}

/** True when a resource declares no primary or merge key (by name or by a column hint). */
export function hasNoKeys(r: DispositionKeys): boolean {
  const hinted = Object.values(r.columns ?? {}).some((c) => c.primaryKey || c.mergeKey)
  return r.primaryKey === undefined && r.mergeKey === undefined && !hinted
}
