import { flatKeyCheck } from '../normalize/flat-row-compiler.ts'
import type { FlatKey } from '../normalize/normalize-types.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'
import { isPlainUtcTimestamp } from '../normalize/value-coercion.ts'
import {
  type CsvColumn,
  countOnce,
  FIXED_BYTES,
  putTimestamp,
  type TextCleaning,
  writersFor,
} from './csv-encoder.ts'
import { columnsOf, putCode } from './csv-row-encoder.ts'

/** What a {@link FlatCsvRowFn} returns for a row that is not of its shape (nothing written that counts). */
export const NOT_THIS_SHAPE = -2

/**
 * Writes the `_sluice_id` of the row at index `i` of its page (random ids ignore `i`; ordered ids are the page's
 * first position plus `i`) as ASCII into `out` from `p`; returns the end.
 */
export type IdWriter = (out: Uint8Array, p: number, i: number) => number

/**
 * Writes one source row of a compiled flat shape as the csv line its normalized row would have (the same bytes as
 * the normalizer's compiled row, then `CsvRowEncoder`), with `loadId` and an id from `putId` (for the row at
 * index `i` of its page); returns where the line ends, -1 when it might not fit before the end of `out` (write out
 * and retry), or {@link NOT_THIS_SHAPE}.
 */
export type FlatCsvRowFn = (
  row: Record<string, unknown>,
  out: Uint8Array,
  p: number,
  loadId: string,
  putId: IdWriter,
  i: number,
) => number

/** Options of {@link compileFlatCsvRow}: what the destination cannot store (see `ValueLimits`). */
export interface FlatCsvOptions {
  /** Text values longer than this (UTF-16 units) leave the compiled path (`FlatShapes.maxTextChars`). */
  maxTextChars?: number
  /** Text and JSON values lose U+0000, counted here. */
  cleaning?: TextCleaning
  /**
   * The rows' strings are strings of bytes (a body decoded as Latin-1 from valid UTF-8, see `BodyText`): written
   * byte by byte. Default false.
   */
  bytes?: boolean
}

/**
 * Compiles the normalizer's compiled flat row (see `compileFlatRow`) and the csv line encoder of `header` into
 * one function: the row's values are checked as the normalizer checks them, then written in the header's order,
 * without a normalized row object in between. Undefined where code cannot be generated.
 */
export function compileFlatCsvRow(
  keys: readonly FlatKey[],
  header: readonly CsvColumn[],
  options: FlatCsvOptions = {},
): FlatCsvRowFn | undefined {
  const cols = columnsOf(header)
  const reserve = FIXED_BYTES * (cols.length + 1)
  const lines = [
    'let n = 0',
    'for (const k in row) n++',
    `if (n !== ${keys.length}) return ${NOT_THIS_SHAPE}`,
  ]
  const varOf = new Map<string, string>()
  // checked by isPlainUtcTimestamp: written as they are, without a look at each character
  const timestamps = new Set<string>()
  keys.forEach((k, i) => {
    const v = `v${i}`
    lines.push(
      `const ${v} = row[${JSON.stringify(k.key)}]`,
      flatKeyCheck(k, v, String(NOT_THIS_SHAPE), options.maxTextChars),
    )
    if (k.column === undefined) return
    varOf.set(k.column, v)
    if (k.type === 'timestamp') timestamps.add(v)
  })
  lines.push('const end = out.length - ' + reserve, 'if (p > end) return -1', 'let x')
  cols.forEach((c, i) => {
    if (i > 0) lines.push('out[p++] = 44')
    if (c.name === SYSTEM_COLUMNS.loadId) lines.push('p = T(out, p, end, loadId)', 'if (p < 0) return -1')
    else if (c.name === SYSTEM_COLUMNS.id) lines.push('p = putId(out, p, i)')
    else {
      const v = varOf.get(c.name)
      if (v !== undefined && timestamps.has(v)) lines.push(`if (${v} != null) p = S(out, p, ${v})`)
      else if (v !== undefined)
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
      'S',
      `'use strict'; return function flatCsvRow(row, out, p, loadId, putId, i) {\n${lines.join('\n')}\n}`,
    )
    const w = writersFor(options.cleaning, options.bytes)
    const fn = factory(isPlainUtcTimestamp, w.T, w.N, w.B, w.V, w.J, putTimestamp) as FlatCsvRowFn
    return countOnce(fn, options.cleaning)
  } catch {
    return undefined
  }
}
