import { flatCheck } from '../normalize/flat-row-compiler.ts'
import type { FlatKey } from '../normalize/normalize-types.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'
import { isPlainUtcTimestamp } from '../normalize/value-coercion.ts'
import {
  type CsvColumn,
  columnsOf,
  FIXED_BYTES,
  putBool,
  putCode,
  putJson,
  putNumber,
  putText,
  putValue,
} from './csv-encoder.ts'

/** What a {@link FlatCsvRowFn} returns for a row that is not of its shape (nothing written that counts). */
export const NOT_THIS_SHAPE = -2

/**
 * Writes one source row of a compiled flat shape as the csv line its normalized row would have (the same bytes as
 * the normalizer's compiled row, then `CsvRowEncoder`), with `loadId` and an id from `putId`; returns where the
 * line ends, -1 when it might not fit before the end of `out` (write out and retry), or {@link NOT_THIS_SHAPE}.
 */
export type FlatCsvRowFn = (
  row: Record<string, unknown>,
  out: Uint8Array,
  p: number,
  loadId: string,
  putId: (out: Uint8Array, p: number) => number,
) => number

/**
 * Compiles the normalizer's compiled flat row (see `compileFlatRow`) and the csv line encoder of `header` into
 * one function: the row's values are checked as the normalizer checks them, then written in the header's order,
 * without a normalized row object in between. Undefined where code cannot be generated.
 */
export function compileFlatCsvRow(
  keys: readonly FlatKey[],
  header: readonly CsvColumn[],
): FlatCsvRowFn | undefined {
  const cols = columnsOf(header)
  const reserve = FIXED_BYTES * (cols.length + 1)
  const lines = [
    'let n = 0',
    'for (const k in row) n++',
    `if (n !== ${keys.length}) return ${NOT_THIS_SHAPE}`,
  ]
  const varOf = new Map<string, string>()
  keys.forEach((k, i) => {
    const v = `v${i}`
    lines.push(`const ${v} = row[${JSON.stringify(k.key)}]`)
    if (k.column === undefined) lines.push(`if (${v} !== null) return ${NOT_THIS_SHAPE}`)
    else {
      lines.push(`if (${v} !== null && !(${flatCheck(v, k.type)})) return ${NOT_THIS_SHAPE}`)
      varOf.set(k.column, v)
    }
  })
  lines.push('const end = out.length - ' + reserve, 'if (p > end) return -1', 'let x')
  cols.forEach((c, i) => {
    if (i > 0) lines.push('out[p++] = 44')
    if (c.name === SYSTEM_COLUMNS.loadId) lines.push('p = T(out, p, end, loadId)', 'if (p < 0) return -1')
    else if (c.name === SYSTEM_COLUMNS.id) lines.push('p = putId(out, p)')
    else {
      const v = varOf.get(c.name)
      if (v !== undefined)
        lines.push(`x = ${v}`, `if (x != null) { ${putCode(c.dataType)}; if (p < 0) return -1 }`)
    }
  })
  lines.push('out[p++] = 10', 'return p')
  try {
    const factory = new Function(
      'isTs',
      'T',
      'N',
      'B',
      'V',
      'J',
      `'use strict'; return function flatCsvRow(row, out, p, loadId, putId) {\n${lines.join('\n')}\n}`,
    )
    return factory(isPlainUtcTimestamp, putText, putNumber, putBool, putValue, putJson) as FlatCsvRowFn
  } catch {
    return undefined
  }
}
