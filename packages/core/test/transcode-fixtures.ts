// What the tests of transcodePage and its generated reader share: the shapes a normalizer would have compiled,
// ids they can compare, a deterministic random generator and the body's bytes as text.
import type { IdWriter } from '../src/job-files/flat-csv-encoder.ts'
import { nodeBodyText } from '../src/node/node-body-text.ts'
import type { FlatKey } from '../src/normalize/normalize-types.ts'

/** A key of a shape: its column of the same name (none when `type` is undefined). */
export const key = (k: string, type: FlatKey['type'], required = false): FlatKey => ({
  key: k,
  column: type === undefined ? undefined : k,
  type,
  ...(required ? { required } : {}),
})

/**
 * Shapes as a normalizer compiles them, oldest first: the full row, a short one, one where `note` has no column
 * yet, and the short one again after a value went to a variant column (the most recent shape is tried first).
 */
export const SHAPES: FlatKey[][] = [
  [
    key('id', 'bigint', true),
    key('name', 'text'),
    key('amount', 'double'),
    key('ok', 'bool'),
    key('at', 'timestamp'),
    key('note', 'text'),
    key('gone', undefined),
  ],
  [key('id', 'bigint', true), key('name', 'text'), key('amount', 'double')],
  [key('id', 'bigint', true), key('at', 'timestamp'), key('note', undefined)],
  [
    key('id', 'bigint', true),
    key('name', 'text'),
    { key: 'amount', column: 'amount__v_double', type: 'double' },
  ],
]

/** A load id that needs quoting in csv. */
export const LOAD_ID = 'load,1'

/** Ids the tests can compare: `r<index>`. */
export const putId: IdWriter = (out, p, i) => {
  for (const c of `r${i}`) out[p++] = c.charCodeAt(0)
  return p
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
export const latin1 = (bytes: Uint8Array): string => nodeBodyText.latin1(bytes)

/** A random generator (deterministic per seed). */
export function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x7fffffff
  }
}
