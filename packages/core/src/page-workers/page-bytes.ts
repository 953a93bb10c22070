// Bodies read as strings of bytes on page workers: the runtime's fast text primitives and the way back to text.
import { setField } from '../json.ts'

/**
 * Fast checks and decoding of response bodies, where the runtime has them (Node.js: `node:buffer`, see
 * `nodeBodyText`). With them a page worker reads a body of valid UTF-8 that is not ASCII as Latin-1, one
 * character per byte, and its job-file encoders write those strings back byte by byte: the same bytes in the job
 * file, without building UTF-16 strings first (decoding took about half of a page's parse time). A worker without
 * them decodes every body as UTF-8.
 */
export interface BodyText {
  /** True when `bytes` are valid UTF-8. */
  isUtf8(bytes: Uint8Array): boolean
  /** True when every byte is ASCII (below 0x80). */
  isAscii(bytes: Uint8Array): boolean
  /** `bytes` as Latin-1: character i is byte i. */
  latin1(bytes: Uint8Array): string
  /** True when `bytes` hold the ASCII text `needle`. */
  includes(bytes: Uint8Array, needle: string): boolean
  /** Where the ASCII text `needle` first is in `bytes` from `from`, or -1. */
  indexOf(bytes: Uint8Array, needle: string, from: number): number
  /** Where the ASCII text `needle` last begins in `bytes` at or before `from`, or -1. */
  lastIndexOf(bytes: Uint8Array, needle: string, from: number): number
}

/** A body's text read with {@link BodyText}: `bytes` when its strings are strings of bytes. */
export interface BodyAsText {
  text: string
  bytes: boolean
}

/**
 * A body's text with `text`'s primitives, or undefined when it must be decoded as UTF-8 (invalid UTF-8, which is
 * counted there; a byte order mark; `\u` escapes, which would put characters that are not bytes among bytes).
 * ASCII comes as it is; other valid UTF-8 as a string of bytes.
 */
export function bodyAsText(body: Uint8Array, text: BodyText): BodyAsText | undefined {
  const bytes = bodyBytes(body, text)
  return bytes === undefined ? undefined : { text: text.latin1(body), bytes }
}

/**
 * How {@link bodyAsText} reads a body, without reading it: false for ASCII, true for a string of bytes, undefined
 * when it must be decoded as UTF-8.
 */
export function bodyBytes(body: Uint8Array, text: BodyText): boolean | undefined {
  if (text.isAscii(body)) return false
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return undefined
  if (!text.isUtf8(body) || text.includes(body, '\\u')) return undefined
  return true
}

const utf8 = new TextDecoder()

/** The text a string of bytes holds (the string itself when it is ASCII). */
export function textOfBytes(s: string): string {
  let i = 0
  while (i < s.length && s.charCodeAt(i) < 0x80) i++
  if (i === s.length) return s
  const bytes = new Uint8Array(s.length)
  for (let j = 0; j < s.length; j++) bytes[j] = s.charCodeAt(j)
  return utf8.decode(bytes)
}

/** A parsed JSON value with every string and key read back from bytes (see {@link textOfBytes}); a new value. */
export function valueOfBytes<T>(value: T): T {
  if (typeof value === 'string') return textOfBytes(value) as T
  if (Array.isArray(value)) return value.map(valueOfBytes) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) setField(out, textOfBytes(k), valueOfBytes(v))
  return out as T
}
