import { SluiceError } from '../errors.ts'
import { canonicalJson } from '../schema/schema-versioning.ts'
import type { NormalizedRow } from './normalize-types.ts'
import type { TableState } from './normalizer-state.ts'
import { SYSTEM_COLUMN_PREFIX } from './system-columns.ts'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** All 4096 two-character base64url strings, indexed by 12 bits. */
const PAIRS: string[] = Array.from({ length: 4096 }, (_, i) => B64URL[i >> 6]! + B64URL[i & 63]!)

function encode(bytes: Uint8Array, start: number, length: number): string {
  let out = ''
  const end = start + length
  for (let i = start; i + 2 < end; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += PAIRS[n >> 12]! + PAIRS[n & 4095]!
  }
  return out
}

const ID_BYTES = 12
const BATCH = 2048

/**
 * Returns a function producing random 16-character base64url ids (96 random bits each), drawing from
 * `crypto.getRandomValues` in batches so a row costs no system call.
 */
export function createRandomIds(): () => string {
  const buf = new Uint8Array(ID_BYTES * BATCH)
  let pos = buf.length
  return () => {
    if (pos >= buf.length) {
      crypto.getRandomValues(buf)
      pos = 0
    }
    const id = encode(buf, pos, ID_BYTES)
    pos += ID_BYTES
    return id
  }
}

const B64URL_CODES = Uint8Array.from(B64URL, (c) => c.charCodeAt(0))

/** Digits of an ordered id's position: 10^12 rows of one resource in one package. */
export const ORDER_DIGITS = 12
/** `0000` .. `9999`. */
const FOUR_DIGITS: string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'))

/**
 * Returns a function producing the ids of merge rows: the row's position in extraction order as
 * {@link ORDER_DIGITS} digits, then a random 16-character id. Within a package, the ids of one resource sort
 * (as text, in every collation: the digits decide) in extraction order, so "the last row of a key wins" is
 * `ORDER BY _sluice_id DESC`; the random part keeps ids unique across packages. Positions from 10^12 on wrap.
 */
export function createOrderedIds(): (order: number) => string {
  const random = createRandomIds()
  // the first 8 digits change every 10,000 rows
  let block = -1
  let head = ''
  return (order) => {
    const b = Math.floor(order / 10_000)
    if (b !== block) {
      block = b
      head = FOUR_DIGITS[Math.floor(b / 10_000) % 10_000]! + FOUR_DIGITS[b % 10_000]!
    }
    return head + FOUR_DIGITS[order - b * 10_000]! + random()
  }
}

/** Writes an ordered id's position (its first {@link ORDER_DIGITS} characters) into `out` from `p`. */
export function putOrderDigits(out: Uint8Array, p: number, order: number): void {
  let n = order
  for (let i = p + ORDER_DIGITS - 1; i >= p; i--) {
    const q = Math.floor(n / 10)
    out[i] = 48 + n - q * 10
    n = q
  }
}

/** Like {@link createOrderedIds}, writing the id's ASCII into `out` from `p`; returns the end. */
export function createOrderedIdWriter(): (out: Uint8Array, p: number, order: number) => number {
  const random = createRandomIdWriter()
  return (out, p, order) => {
    putOrderDigits(out, p, order)
    return random(out, p + ORDER_DIGITS)
  }
}

/**
 * Writes the positions of ordered ids written before the position was known (as position 0, see
 * `EncodedTable.orderedIdsAt`): the row at index `i` of the page starts its id at `at[i]` in `bytes`; the rows
 * `keep` keeps (all without it) get `first`, `first + 1`, ... in page order, as if encoded with their position.
 */
export function putOrderedPositions(
  bytes: Uint8Array,
  at: Uint32Array,
  keep: Uint8Array | undefined,
  first: number,
): void {
  let k = 0
  for (let i = 0; i < at.length; i++) {
    if (keep && keep[i] !== 1) continue
    putOrderDigits(bytes, at[i]!, first + k++)
  }
}

/**
 * Like {@link createRandomIds}, but writes each id's 16 characters (ASCII) straight into `out` from `p` and
 * returns the end: no string per row.
 */
export function createRandomIdWriter(): (out: Uint8Array, p: number) => number {
  const buf = new Uint8Array(ID_BYTES * BATCH)
  let pos = buf.length
  return (out, p) => {
    if (pos >= buf.length) {
      crypto.getRandomValues(buf)
      pos = 0
    }
    for (let i = pos; i < pos + ID_BYTES; i += 3) {
      const n = (buf[i]! << 16) | (buf[i + 1]! << 8) | buf[i + 2]!
      out[p] = B64URL_CODES[n >> 18]!
      out[p + 1] = B64URL_CODES[(n >> 12) & 63]!
      out[p + 2] = B64URL_CODES[(n >> 6) & 63]!
      out[p + 3] = B64URL_CODES[n & 63]!
      p += 4
    }
    pos += ID_BYTES
    return p
  }
}

/**
 * A deterministic 16-character base64url id (96 bits) of `content`, from a fast non-cryptographic 128-bit string
 * hash (cyrb128 over UTF-16 code units). Used for key, row and child ids, where a cryptographic hash per row would
 * cost more than the rest of normalization. Not for security purposes.
 */
export function digestId(content: string): string {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < content.length; i++) {
    const k = content.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return (
    PAIRS[h1 >>> 20]! +
    PAIRS[(h1 >>> 8) & 4095]! +
    PAIRS[h2 >>> 20]! +
    PAIRS[(h2 >>> 8) & 4095]! +
    PAIRS[h3 >>> 20]! +
    PAIRS[(h3 >>> 8) & 4095]! +
    PAIRS[h4 >>> 20]! +
    PAIRS[(h4 >>> 8) & 4095]!
  )
}

/** The id of a row by its content (scd2): a digest of its values without system columns, keys sorted. */
export function rowDigest(row: NormalizedRow): string {
  const data: Record<string, unknown> = {}
  for (const k in row) {
    const v = row[k]
    if (v !== null && v !== undefined && !k.startsWith(SYSTEM_COLUMN_PREFIX)) data[k] = v
  }
  return digestId(canonicalJson(data))
}

/**
 * Throws `PRIMARY_KEY_MISSING` when a root row of a merge table (`out`, normalized) has no value for a primary key
 * column: merged, every such row would collapse into one. `order` is its extraction position (for the message).
 */
export function requireKey(ts: TableState, out: NormalizedRow, order: number): void {
  const cols = ts.keyCols
  for (let i = 0; i < cols.length; i++) {
    const v = out[cols[i]!]
    if (v !== undefined && v !== null) continue
    const variants = [...(ts.cols.get(cols[i]!)?.variants?.values() ?? [])]
    const moved = variants.find((c) => out[c.name] !== undefined && out[c.name] !== null)
    throw new SluiceError(
      'PRIMARY_KEY_MISSING',
      `a row of ${ts.spec?.resource ?? ts.name} (extraction position ${order}) has no value for its primary key column ${cols[i]}${moved ? ` (its value did not fit the column and went to ${moved.name})` : ''}; merging it would collapse every such row into one`,
      {
        hint: 'make the source send the key in every row (or drop rows without one), or load the resource with write disposition append',
      },
    )
  }
}
