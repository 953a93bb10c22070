import { decodeUtf8 } from '../http/http-body.ts'
import { BodyDecodeError, bodySnippet } from '../http/http-error.ts'
import type { JsonValue } from '../json.ts'
import { type BodyText, bodyBytes, textOfBytes, valueOfBytes } from './page-bytes.ts'
import { PART_BYTES, parseInParts } from './page-parts.ts'
import type { PageParseOptions, PageReader, ParsedPage } from './page-types.ts'

/**
 * True for a {@link ParsedPage} (as opposed to an array of rows). Where its rows are is told by its class:
 * {@link LocalPage} here, `RemotePage` on a page worker (not part of what a source sees).
 */
export function isParsedPage(value: unknown): value is ParsedPage {
  return value instanceof PageFacts
}

/** What a body holds, without the page around it. */
export interface PageBody {
  rows: readonly object[]
  found: boolean
  bodyKeys: string[] | undefined
  keys: unknown[] | undefined
  meta: Record<string, JsonValue | undefined>
  /** Characters of the body that were not UTF-8 (decoded as U+FFFD). */
  invalidUtf8: number
  /**
   * The rows' strings (values and keys) are strings of bytes (see {@link BodyText}); `keys`, `meta` and
   * `bodyKeys` are text all the same. False unless read with `text`.
   */
  bytes: boolean
}

/**
 * Decodes (UTF-8, invalid sequences replaced and counted) and parses a body (or takes its text); throws
 * {@link BodyDecodeError} for invalid JSON. With `fast` (a page worker's), valid UTF-8 is read as bytes where it
 * can be (see `bodyAsText`), and the row list of a body over twice {@link PART_BYTES} in parts (see
 * {@link parseInParts}).
 */
export function readPageBody(
  body: Uint8Array | string,
  options: PageParseOptions,
  fast?: BodyText,
): PageBody {
  const mode = fast && typeof body !== 'string' ? bodyMode(body, options, fast) : undefined
  const inParts =
    fast && mode !== undefined && typeof body !== 'string' && body.length > 2 * PART_BYTES
      ? parseInParts(body, fast, options)
      : undefined
  const bytes = mode ?? false
  let value: unknown = inParts
  let invalidUtf8 = 0
  if (inParts === undefined) {
    const decoded =
      typeof body === 'string'
        ? { text: body, invalid: 0 }
        : fast && mode !== undefined
          ? { text: fast.latin1(body), invalid: 0 }
          : decodeUtf8(body)
    const text = decoded.text
    invalidUtf8 = decoded.invalid
    if (text.trim() !== '') {
      try {
        value = JSON.parse(text)
      } catch (cause) {
        // the error as the text reads (its message quotes the text)
        if (bytes) return readPageBody(body, options)
        throw new BodyDecodeError(
          cause instanceof Error ? cause.message : String(cause),
          bodySnippet(text),
          /^\s*[[{]/.test(text),
        )
      }
    }
  }
  let rows: readonly object[] | undefined
  let bodyKeys: string[] | undefined
  const meta: Record<string, JsonValue | undefined> = {}
  if (Array.isArray(value)) rows = value
  else if (value !== null && typeof value === 'object') {
    const rec = value as Record<string, JsonValue | undefined>
    for (const key of options.dataKeys ?? []) {
      const v = rec[key]
      if (Array.isArray(v)) {
        rows = v as object[]
        break
      }
    }
    for (const key of options.meta ?? []) meta[key] = bytes ? valueOfBytes(rec[key]) : rec[key]
    if (rows === undefined) bodyKeys = Object.keys(rec).map((k) => (bytes ? textOfBytes(k) : k))
  }
  const list = rows ?? []
  const key = options.key
  const keys = key === undefined ? undefined : list.map((r) => (r as Record<string, unknown> | null)?.[key])
  if (bytes && keys)
    for (let i = 0; i < keys.length; i++) if (typeof keys[i] !== 'number') keys[i] = valueOfBytes(keys[i])
  return { rows: list, found: rows !== undefined, bodyKeys, keys, meta, invalidUtf8, bytes }
}

const ASCII = /^[\x00-\x7f]*$/

/**
 * How a page worker reads `body` (see `bodyBytes`): false for ASCII, true for a string of bytes, undefined when it
 * must be decoded as UTF-8 (or the keys `options` name are not ASCII).
 */
export function bodyMode(body: Uint8Array, options: PageParseOptions, fast: BodyText): boolean | undefined {
  return asciiOptions(options) ? bodyBytes(body, fast) : undefined
}

/** True when the keys the options name are ASCII (a body read as bytes finds them as they are). */
function asciiOptions(options: PageParseOptions): boolean {
  const names = [...(options.dataKeys ?? []), ...(options.meta ?? []), options.key ?? '']
  return names.every((n) => ASCII.test(n))
}

/** What every parsed page knows of its body (see {@link ParsedPage}). */
export abstract class PageFacts {
  readonly found: boolean
  readonly bodyKeys: readonly string[] | undefined
  readonly count: number
  readonly keys: readonly unknown[] | undefined
  readonly meta: Readonly<Record<string, JsonValue | undefined>>
  /** Characters of the body that were not UTF-8 (decoded as U+FFFD); read by the HTTP client. */
  readonly invalidUtf8: number

  constructor(
    facts: Pick<PageFacts, 'found' | 'bodyKeys' | 'count' | 'keys' | 'meta'> & { invalidUtf8?: number },
  ) {
    this.found = facts.found
    this.bodyKeys = facts.bodyKeys
    this.count = facts.count
    this.keys = facts.keys
    this.meta = facts.meta
    this.invalidUtf8 = facts.invalidUtf8 ?? 0
  }
}

/** A page parsed on this thread: its rows are here. */
export class LocalPage extends PageFacts implements ParsedPage {
  /** The rows left after {@link select}. */
  rows: readonly object[]

  constructor(body: PageBody) {
    super({ ...body, count: body.rows.length })
    this.rows = body.rows
  }

  get size(): number {
    return this.rows.length
  }

  private selected = false

  select(keep: (index: number) => boolean): void {
    if (this.selected) throw new Error('select() may be called once per page')
    this.selected = true
    this.rows = this.rows.filter((_, i) => keep(i))
  }
}

/** Reads pages on this thread (what a resource uses when the pipeline offers no page workers). */
export const pageReaderHere: PageReader<LocalPage> = (options) => ({
  parse: (bytes) => parsePageHere(bytes, options),
  invalidUtf8: (page) => page.invalidUtf8,
})

/** Parses a body on this thread (what a resource does when the pipeline offers no page workers). */
export function parsePageHere(bytes: Uint8Array, options: PageParseOptions): Promise<LocalPage> {
  try {
    return Promise.resolve(new LocalPage(readPageBody(bytes, options)))
  } catch (error) {
    return Promise.reject(error)
  }
}

/** The rows of a page a resource yielded: the array itself, or the rows of a page parsed here. */
export function pageRows(page: readonly object[] | ParsedPage): readonly object[] {
  if (!isParsedPage(page)) return page
  if (page instanceof LocalPage) return page.rows
  throw new Error('the rows of this page are on a page worker')
}
