// The normalizer's path for values its row path does not take as they are: coercion, variant columns, and what
// the destination cannot store (see ValueLimits), counted in notes. Internal to the normalize area.
import type { DataType } from '../schema/schema-types.ts'
import { inferDataType } from '../schema/type-inference.ts'
import type { SchemaEvolution } from './normalize-evolution.ts'
import type { NormalizedRow, NormalizerOptions } from './normalize-types.ts'
import type { ColState, Entry, TableState } from './normalizer-state.ts'
import { coerceValue } from './value-coercion.ts'
import type { ValueNotes } from './value-notes.ts'

const encoder = new TextEncoder()

/** UTF-8 bytes of `s`. */
function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n++
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/** `s` cut to at most `maxBytes` of UTF-8, at a character boundary. */
export function cutText(s: string, maxBytes: number): string {
  const bytes = encoder.encode(s)
  if (bytes.length <= maxBytes) return s
  let end = maxBytes
  // back to the first byte of a character (continuation bytes are 10xxxxxx)
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return new TextDecoder().decode(bytes.subarray(0, end))
}

const RE_DATE_START = /^[+-]?\d{4,6}-\d{2}-\d{2}/
const RE_NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/

/** True when a value that did not fit `type` has that kind anyway: it is out of the column's range. */
function ofKind(v: unknown, type: DataType): boolean {
  switch (type) {
    case 'bigint':
      return typeof v === 'number' ? Number.isInteger(v) : typeof v === 'bigint'
    case 'decimal':
      return typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && RE_NUMERIC.test(v))
    case 'timestamp':
      // numbers are Unix seconds
      return (
        typeof v === 'number' || v instanceof Date || (typeof v === 'string' && RE_DATE_START.test(v.trim()))
      )
    case 'date':
      return v instanceof Date || (typeof v === 'string' && RE_DATE_START.test(v.trim()))
    default:
      return inferDataType(v) === type
  }
}

/**
 * Values the row path hands over: coerced into their column, else into a variant column `col__v_<type>` (data_type
 * contract), else into `col__v_text`; NaN and ±Infinity left out; integers beyond ±2^53 and values out of a
 * column's range counted; text cut to the destination's `maxTextBytes`. Counts go to `notes`.
 */
export class ValuePath {
  /** Text of at most this many UTF-16 units fits `maxTextBytes` whatever it holds (3 bytes per unit at most). */
  readonly textChars: number
  private readonly maxTextBytes: number

  constructor(
    private readonly evolution: SchemaEvolution,
    private readonly notes: ValueNotes,
    options: NormalizerOptions,
  ) {
    this.maxTextBytes = options.values?.maxTextBytes ?? Number.POSITIVE_INFINITY
    this.textChars = Math.floor(this.maxTextBytes / 3)
  }

  /** A value whose column does not exist yet: the column is added (or the value dropped) by the contract. */
  newColumn(ts: TableState, e: Entry, v: unknown, out: NormalizedRow, forced: DataType | undefined): void {
    if (typeof v === 'number' && v - v !== 0) {
      // like null, a number that is not one makes no column
      this.notes.add(ts.name, e.name, 'not-finite')
      return
    }
    const col = ts.cols.get(e.name) ?? this.evolution.addValueColumn(ts, e, v, forced)
    if (col === undefined) return
    e.col = col
    this.value(ts, col, v, out)
  }

  /** Coerces into the column, else into a variant column (data_type contract), counting what it changes. */
  value(ts: TableState, col: ColState, v: unknown, out: NormalizedRow): void {
    if (typeof v === 'number') {
      if (v - v !== 0) {
        this.notes.add(ts.name, col.name, 'not-finite')
        return
      }
      if (col.type !== 'double' && Number.isInteger(v) && !Number.isSafeInteger(v))
        this.notes.add(ts.name, col.name, 'imprecise-integer')
    }
    const r = coerceValue(v, col.type, col.column)
    if (r.ok) {
      out[col.name] = col.type === 'text' ? this.text(ts, col, r.value as string) : r.value
      return
    }
    const outOfRange = ofKind(v, col.type)
    let vtype = inferDataType(v) ?? 'text'
    if (vtype === col.type) vtype = 'text'
    let variant = col.variants?.get(vtype) ?? this.evolution.addVariant(ts, col, vtype)
    if (variant === undefined) return
    let rv = coerceValue(v, variant.type, variant.column)
    if (!rv.ok && variant.type !== 'text') {
      // e.g. a JS bigint beyond a decimal's precision: text holds anything
      variant = col.variants?.get('text') ?? this.evolution.addVariant(ts, col, 'text')
      if (variant === undefined) return
      rv = coerceValue(v, 'text')
    }
    if (!rv.ok) return
    out[variant.name] = variant.type === 'text' ? this.text(ts, variant, rv.value as string) : rv.value
    if (outOfRange) this.notes.add(ts.name, col.name, 'out-of-range', 1, variant.name)
  }

  /** A text value within the destination's `maxTextBytes` (cut and counted when longer). */
  private text(ts: TableState, col: ColState, s: string): string {
    if (s.length <= this.textChars || utf8Length(s) <= this.maxTextBytes) return s
    this.notes.add(ts.name, col.name, 'text-cut')
    return cutText(s, this.maxTextBytes)
  }
}
