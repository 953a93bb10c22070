import type { FlatKey, NormalizedRow } from './normalize-types.ts'
import { isPlainUtcTimestamp } from './value-coercion.ts'

/**
 * A compiled row function: returns the normalized row (system columns `_sluice_load_id` set and `_sluice_id`
 * empty, null values as `null`) or undefined when the row does not have exactly the compiled keys or a value does not
 * fit its column without coercion, in which case the caller takes the generic path.
 */
export type FlatRowFn = (row: Record<string, unknown>, loadId: string) => NormalizedRow | undefined

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
 * no per-key dynamic stores: about 10x faster than building rows key by key). Keys are embedded with
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
