// Which compiled flat shape a row read by transcodePage is of, checked as the compiled rows check their values.
import {
  T_BIGINT as BIGINT,
  T_BOOL as BOOL,
  T_DOUBLE as DOUBLE,
  T_TEXT as TEXT,
  T_TIMESTAMP as TIMESTAMP,
} from '../normalize/normalizer-state.ts'
import { isPlainUtcTimestampAt } from '../normalize/value-coercion.ts'
import { WHOLE } from './json-bytes.ts'
import type { BodyText } from './page-bytes.ts'
import {
  FALSE,
  NULL,
  NUMBER,
  type RowValues,
  type ShapePlan,
  STRING,
  TRUE,
  type TranscodePlan,
} from './page-transcode-plan.ts'

// the normalizer's type codes as constants of this module (see normalizer-state.ts)
const T_TEXT = TEXT
const T_BIGINT = BIGINT
const T_DOUBLE = DOUBLE
const T_BOOL = BOOL
const T_TIMESTAMP = TIMESTAMP

/**
 * The value of the number at dict index `at` of the row in `r` (read once; whole numbers as written digit by
 * digit), from the body `b`.
 */
export function numberOf(r: RowValues, b: Uint8Array, text: BodyText, at: number): number {
  let x = r.number[at]!
  if (!Number.isNaN(x)) return x
  const from = r.start[at]!
  const to = r.end[at]!
  if (r.flag[at] === WHOLE) {
    const negative = b[from] === 0x2d
    x = 0
    for (let j = negative ? from + 1 : from; j < to; j++) x = x * 10 + (b[j]! - 48)
    if (negative) x = -x
  } else x = Number(text.latin1(b.subarray(from, to)))
  r.number[at] = x
  return x
}

/**
 * The first shape of `plan` (the most recent first, as `encodeFlatRows` tries them) that the row in `r` is of, as
 * `compileFlatCsvRow` checks it, or undefined: `count` keys whose dict indexes sum to `keySum`, each of the shape's
 * keys present, its value of the key's type as it is (text within the limit, plain timestamps, safe integers,
 * finite numbers, booleans), null only where the key is not required.
 */
export function pickShape(
  plan: TranscodePlan,
  r: RowValues,
  count: number,
  keySum: number,
  b: Uint8Array,
  text: BodyText,
): ShapePlan | undefined {
  const max = plan.maxTextChars
  next: for (const s of plan.shapes) {
    if (s.keys.length !== count || s.keySum !== keySum) continue
    for (let k = 0; k < s.keys.length; k++) {
      const at = s.keys[k]!
      if (r.seen[at] !== r.stamp) continue next
      const kind = r.kind[at]
      if (kind === NULL) {
        if (s.required[k] === 1) continue next
        continue
      }
      switch (s.types[k]) {
        case T_TEXT:
          if (kind !== STRING || r.end[at]! - r.start[at]! - r.flag[at]! > max) continue next
          break
        case T_TIMESTAMP:
          if (kind !== STRING) continue next
          if (r.timestamp[at] === 1) break
          if (r.flag[at] !== 0 || r.end[at]! - r.start[at]! !== 20) continue next
          if (!isPlainUtcTimestampAt(b, r.start[at]!)) continue next
          break
        case T_BIGINT:
          // as written: a whole number of at most 15 digits, or a fraction (never whole)
          if (kind !== NUMBER) continue next
          if (r.flag[at] === 0 ? !Number.isSafeInteger(numberOf(r, b, text, at)) : r.flag[at] !== WHOLE)
            continue next
          break
        case T_DOUBLE:
          if (kind !== NUMBER || (r.flag[at] === 0 && !Number.isFinite(numberOf(r, b, text, at))))
            continue next
          break
        case T_BOOL:
          if (kind !== TRUE && kind !== FALSE) continue next
          break
        default:
          // a key without a column, or a type the compiled rows do not take: only null fits
          continue next
      }
    }
    return s
  }
  return undefined
}
