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
    a.every((k, i) => k.key === b[i]!.key && k.column === b[i]!.column && k.type === b[i]!.type)
  )
}

let available = true

/** The test that a (non-null) value `v` fits a column of `type` without coercion, as code. */
export function flatCheck(v: string, type: FlatKey['type']): string {
  switch (type) {
    case 'text':
      return `typeof ${v} === 'string'`
    case 'bigint':
      return `typeof ${v} === 'number' && Number.isSafeInteger(${v})`
    case 'double':
      return `typeof ${v} === 'number'`
    case 'bool':
      return `typeof ${v} === 'boolean'`
    case 'timestamp':
      return `typeof ${v} === 'string' && isTs(${v})`
    default:
      return 'false'
  }
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
): FlatRowFn | undefined {
  if (!available) return undefined
  const lines: string[] = []
  const props: string[] = []
  lines.push('let n = 0', 'for (const k in row) n++', `if (n !== ${keys.length}) return undefined`)
  keys.forEach((k, i) => {
    const v = `v${i}`
    lines.push(`const ${v} = row[${JSON.stringify(k.key)}]`)
    if (k.column === undefined) {
      lines.push(`if (${v} !== null) return undefined`)
    } else {
      lines.push(`if (${v} !== null && !(${flatCheck(v, k.type)})) return undefined`)
      props.push(`${JSON.stringify(k.column)}: ${v}`)
    }
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
 */
export function compileFlatShape(ts: TableState): void {
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
    keys.push({ key: e.key, column: col.name, type: col.type as FlatKey['type'] })
  }
  // a row that left the compiled path for a value (e.g. one for a variant column) has a compiled shape already
  const same = ts.fastKeys.findIndex((k) => sameFlatKeys(k, keys))
  if (same >= 0) {
    ts.fast.push(...ts.fast.splice(same, 1))
    ts.fastKeys.push(...ts.fastKeys.splice(same, 1))
    return
  }
  ts.fastCompiles++
  const fn = compileFlatRow(keys, { loadId: SYSTEM_COLUMNS.loadId, id: SYSTEM_COLUMNS.id })
  if (fn === undefined) return
  if (ts.fast.length >= MAX_FAST_SHAPES) {
    ts.fast.shift()
    ts.fastKeys.shift()
  }
  ts.fast.push(fn)
  ts.fastKeys.push(keys)
}
