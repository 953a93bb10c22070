import type { FlatKey, FlatRowFn } from './normalize-types.ts'
import { T_JSON as JSON_CODE, T_OTHER as OTHER, type TableState } from './normalizer-state.ts'
import { SYSTEM_COLUMNS } from './system-columns.ts'
import { isPlainUtcTimestamp } from './value-coercion.ts'

// type codes as constants of this module (see normalizer-state.ts)
const T_OTHER = OTHER
const T_JSON = JSON_CODE

/** Compiled shapes kept per root table and tried in turn (rows of a few alternating shapes all stay fast). */
const MAX_FAST_SHAPES = 8

function sameFlatKeys(a: readonly FlatKey[], b: readonly FlatKey[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (k, i) =>
        k.key === b[i]!.key &&
        k.column === b[i]!.column &&
        k.type === b[i]!.type &&
        k.required === b[i]!.required,
    )
  )
}

let available = true

/**
 * The test that a (non-null) value `v` fits a column of `type` without coercion, as code: text no longer than
 * `maxTextChars` (when given), safe integers, finite doubles, plain UTC timestamps of the years 1 to 9999.
 */
export function flatCheck(v: string, type: FlatKey['type'], maxTextChars?: number): string {
  switch (type) {
    case 'text':
      return maxTextChars === undefined
        ? `typeof ${v} === 'string'`
        : `typeof ${v} === 'string' && ${v}.length <= ${maxTextChars}`
    case 'bigint':
      return `typeof ${v} === 'number' && Number.isSafeInteger(${v})`
    case 'double':
      return `typeof ${v} === 'number' && ${v} - ${v} === 0`
    case 'bool':
      return `typeof ${v} === 'boolean'`
    case 'timestamp':
      return `typeof ${v} === 'string' && isTs(${v})`
    default:
      return 'false'
  }
}

/** The code that leaves a compiled row function with `fail` unless value `v` fits key `k` as it is. */
export function flatKeyCheck(k: FlatKey, v: string, fail: string, maxTextChars?: number): string {
  if (k.column === undefined) return `if (${v} !== null) return ${fail}`
  const check = flatCheck(v, k.type, maxTextChars)
  return k.required
    ? `if (${v} == null || !(${check})) return ${fail}`
    : `if (${v} !== null && !(${check})) return ${fail}`
}

/**
 * Compiles a function that normalizes rows of one exact flat shape with a single object literal (one hidden class,
 * no per-key dynamic stores, much faster than building rows key by key). Keys are embedded with
 * `JSON.stringify`, so data cannot inject code. Returns undefined where code generation is not allowed (e.g. a
 * CSP without `unsafe-eval`); callers then keep the generic path.
 */
export function compileFlatRow(
  keys: readonly FlatKey[],
  systemColumns: { loadId: string; id: string },
  maxTextChars?: number,
): FlatRowFn | undefined {
  if (!available) return undefined
  const lines: string[] = []
  const props: string[] = []
  lines.push('let n = 0', 'for (const k in row) n++', `if (n !== ${keys.length}) return undefined`)
  keys.forEach((k, i) => {
    const v = `v${i}`
    lines.push(`const ${v} = row[${JSON.stringify(k.key)}]`, flatKeyCheck(k, v, 'undefined', maxTextChars))
    if (k.column !== undefined) props.push(`${JSON.stringify(k.column)}: ${v}`)
  })
  props.push(`${JSON.stringify(systemColumns.loadId)}: loadId`, `${JSON.stringify(systemColumns.id)}: ''`)
  lines.push(`return { ${props.join(', ')} }`)
  try {
    const factory = new Function(
      'isTs',
      `'use strict'; return function flatRow(row, loadId) {\n${lines.join('\n')}\n}`,
    )
    return factory(isPlainUtcTimestamp) as FlatRowFn
  } catch {
    available = false
    return undefined
  }
}

/**
 * Compiles the root plan's last shape (the keys of the row just normalized) when it is flat and every column has
 * a fast type, into `ts.fast`: the most recent shapes are tried first, at most {@link MAX_FAST_SHAPES} kept.
 * Primary key columns of tables with ordered ids are required (see `FlatKey.required`).
 */
export function compileFlatShape(ts: TableState, maxTextChars?: number): void {
  const plan = ts.plan
  const keys: FlatKey[] = []
  const seen = new Set<string>()
  for (let i = 0; i < plan.shapeLen; i++) {
    const e = plan.shape[i]
    if (e === undefined || e.sub !== undefined || e.child !== undefined) return
    const col = e.col
    if (col === undefined) {
      keys.push({ key: e.key, column: undefined, type: undefined })
      continue
    }
    if (col.code === T_OTHER || col.code === T_JSON || seen.has(col.name)) return
    seen.add(col.name)
    const key: FlatKey = { key: e.key, column: col.name, type: col.type as FlatKey['type'] }
    if (ts.idMode === 'ordered' && ts.keyCols.includes(col.name)) key.required = true
    keys.push(key)
  }
  // a shape without the primary key never goes fast: its rows fail (PRIMARY_KEY_MISSING) on the generic path
  if (ts.idMode === 'ordered' && !ts.keyCols.every((c) => seen.has(c))) return
  // a row that left the compiled path for a value (e.g. one for a variant column) has a compiled shape already
  const same = ts.fastKeys.findIndex((k) => sameFlatKeys(k, keys))
  if (same >= 0) {
    ts.fast.push(...ts.fast.splice(same, 1))
    ts.fastKeys.push(...ts.fastKeys.splice(same, 1))
    return
  }
  ts.fastCompiles++
  const fn = compileFlatRow(keys, { loadId: SYSTEM_COLUMNS.loadId, id: SYSTEM_COLUMNS.id }, maxTextChars)
  if (fn === undefined) return
  if (ts.fast.length >= MAX_FAST_SHAPES) {
    ts.fast.shift()
    ts.fastKeys.shift()
  }
  ts.fast.push(fn)
  ts.fastKeys.push(keys)
}
