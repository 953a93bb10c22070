import { shake128 } from '@noble/hashes/sha3.js'

/** Separator between nested path parts: column `a__b` for field `b` of object `a`, table `t__items` for list `items`. */
export const PATH_SEPARATOR = '__'

/** Identifier limit used when none is given: effectively unlimited. */
export const DEFAULT_MAX_IDENTIFIER_LENGTH = 65536

const TAG_BYTES = 4
const RE_NON_ALPHANUMERIC = /[^a-zA-Z\p{Nd}_]+/gu
const RE_LEADING_DIGITS = /^\p{Nd}/u
const RE_UNDERSCORES = /__+/g
const RE_SNAKE_BREAK_1 = /([^_])([A-Z][a-z]+)/g
const RE_SNAKE_BREAK_2 = /([a-z0-9])([A-Z])/g
const RE_REDUCE_ALPHABET = /[+\-*@|]/g
const REDUCE_ALPHABET: Record<string, string> = { '+': 'x', '-': '_', '*': 'x', '@': 'a', '|': 'l' }
const RE_TRAILING_UNDERSCORES = /_+$/
// Python's str.strip() whitespace (differs from String.prototype.trim: adds \x1c-\x1f and \x85, lacks \ufeff)
const PY_WS =
  '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const RE_PY_STRIP = new RegExp(`^${PY_WS}+|${PY_WS}+$`, 'g')

/** Strips whitespace like Python's `str.strip()`, which dlt applies before normalizing. */
function pyStrip(s: string): string {
  return s.replace(RE_PY_STRIP, '')
}

const encoder = new TextEncoder()
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function base64NoPad(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]!
  }
  return out
}

/**
 * The 6-character tag dlt puts into shortened names: lowercased base64 (no padding, `/`→`a`, `+`→`b`) of
 * the first 4 bytes of shake_128 over the UTF-8 of `identifier` (the raw, un-normalized name).
 */
export function identifierTag(identifier: string): string {
  const digest = shake128(encoder.encode(identifier), { dkLen: TAG_BYTES })
  return base64NoPad(digest).replace(/\//g, 'a').replace(/\+/g, 'b').toLowerCase()
}

/** Cuts `identifier` to `maxLength` keeping its head and tail, with `tag` in the middle (dlt's `_trim_and_tag`). */
function trimAndTag(identifier: string, tag: string, maxLength: number): string {
  if (tag.length > maxLength)
    throw new RangeError(`identifier limit ${maxLength} is shorter than the name tag`)
  const remaining = maxLength - tag.length
  const head = Math.floor(remaining / 2) + (remaining % 2)
  const tail = Math.floor(remaining / 2)
  return identifier.slice(0, head) + tag + identifier.slice(identifier.length - tail)
}

/**
 * Shortens an already normalized `name` to `maxLength` the way dlt does: when longer, keeps the head and the tail
 * and puts a 6-character shake_128 tag in the middle. The tag is computed over `raw` (default `name`), so two
 * different source names that normalize alike still get different short names. Names within the limit are returned
 * unchanged. `maxLength` MUST be at least 6.
 */
export function shortenIdentifier(name: string, maxLength: number, raw: string = name): string {
  if (!maxLength || name.length <= maxLength) return name
  return trimAndTag(name, identifierTag(raw), maxLength)
}

function toSnakeCase(identifier: string): string {
  let s = identifier.replace(RE_SNAKE_BREAK_1, '$1_$2').replace(RE_SNAKE_BREAK_2, '$1_$2').toLowerCase()
  if (RE_LEADING_DIGITS.test(s)) s = '_' + s
  const trailing = RE_TRAILING_UNDERSCORES.exec(s)
  if (trailing) s = s.slice(0, trailing.index) + 'x'.repeat(trailing[0].length)
  return s.replace(RE_UNDERSCORES, '_')
}

const caches = new Map<number, Map<string, string>>()
const CACHE_LIMIT = 100_000

/**
 * Normalizes one identifier with dlt's `snake_case` convention (no `__` splitting): trims; maps `+`,`*`→`x`,
 * `-`→`_`, `@`→`a`, `|`→`l`; every other run of characters outside `[A-Za-z0-9_]` (non-ASCII too) becomes `_`;
 * breaks CamelCase (`HTTPResponseCode`→`http_response_code`, `userID`→`user_id`); lowercases; prefixes a leading
 * digit with `_`; turns trailing underscores into `x`; collapses runs of `_`; shortens names over `maxLength`
 * (default {@link DEFAULT_MAX_IDENTIFIER_LENGTH}) with {@link shortenIdentifier}. Results are cached.
 * Throws a `RangeError` for an empty or blank name.
 */
export function normalizeIdentifier(name: string, maxLength: number = DEFAULT_MAX_IDENTIFIER_LENGTH): string {
  let cache = caches.get(maxLength)
  if (cache === undefined) {
    cache = new Map()
    caches.set(maxLength, cache)
  }
  const hit = cache.get(name)
  if (hit !== undefined) return hit
  const trimmed = pyStrip(name)
  if (trimmed === '') throw new RangeError('an identifier cannot be empty or blank')
  const reduced = trimmed
    .replace(RE_REDUCE_ALPHABET, (c) => REDUCE_ALPHABET[c] ?? '_')
    .replace(RE_NON_ALPHANUMERIC, '_')
  const result = shortenIdentifier(toSnakeCase(reduced), maxLength, trimmed)
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(name, result)
  return result
}

/**
 * Joins already normalized path parts with `__` (blank parts are skipped) and shortens the whole path to
 * `maxLength` with a tag computed over the joined path (dlt's `shorten_fragments`).
 */
export function shortenFragments(
  parts: readonly string[],
  maxLength: number = DEFAULT_MAX_IDENTIFIER_LENGTH,
): string {
  const path = parts.filter((p) => p.trim() !== '').join(PATH_SEPARATOR)
  return shortenIdentifier(path, maxLength)
}

/**
 * Normalizes each part with {@link normalizeIdentifier}, joins them with `__` and shortens the result over
 * `maxLength` with a tag over the raw joined path (dlt's `normalize_path`). Blank parts are skipped.
 * `normalizePath(['Customer', 'Name'])` is `customer__name`.
 */
export function normalizePath(
  parts: readonly string[],
  maxLength: number = DEFAULT_MAX_IDENTIFIER_LENGTH,
): string {
  const raw = parts.filter((p) => pyStrip(p) !== '')
  const normalized = raw.map((p) => normalizeIdentifier(p, maxLength))
  return shortenIdentifier(normalized.join(PATH_SEPARATOR), maxLength, raw.join(PATH_SEPARATOR))
}

/** Splits a path such as `a__b__c` into its parts (blank parts dropped), like dlt's `break_path`. */
export function breakPath(path: string): string[] {
  return path.split(PATH_SEPARATOR).filter((p) => pyStrip(p) !== '')
}
