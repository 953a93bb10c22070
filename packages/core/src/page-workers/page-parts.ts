// A large body's row list parsed in parts on a page worker, so that no string of the body reaches V8's
// large-object space (see parseInParts).
import type { BodyText } from './page-bytes.ts'
import type { PageParseOptions } from './page-types.ts'

/**
 * Bytes of body text per part (default of {@link parseInParts}). V8 keeps a string over 128 KiB in its
 * large-object space, mapped fresh for each string and given back once it dies: a 660 KB page of 1,000 Clockodo
 * entries read as one string cost its page worker 0.36-0.59 ms of system time per page in page faults, and
 * 2.55-2.72 ms in all against 2.18-2.30 ms read in parts of this size (one process, in turns). A part ends at
 * the end of a row, so it is this size plus at most one row; 48 KiB keeps it and the part after the last
 * boundary under the limit for rows under 32 KiB.
 */
export const PART_BYTES: number = 48 * 1024

/** Where the last row ends and the row list with it. */
const LAST = '}]'
/** How many places are tried for a cut (a place inside a row fails to parse). */
const TRIES = 4

/**
 * `JSON.parse` of `body` (valid UTF-8 read as `text.latin1`, see {@link BodyText}) with its row list parsed in
 * parts of about `partBytes`, or undefined when the body cannot be read so (the caller parses it whole). The list
 * is the body when it is an array, else the first of `options.dataKeys` found as `"<key>":[`. Every part is a
 * run of whole rows by construction: it is parsed as `[` + its text + `]`, and a cut that is not between two
 * rows of the list (inside a string, or inside a row's own lists) makes that text invalid JSON. A part that does
 * not parse, a list that ends in a way not looked for, and a body whose other fields could hold a second list of
 * that name give undefined. The rest of the body is parsed with the list replaced by `0`, which must come back
 * at that key: so the value is the one `JSON.parse` gives for the whole text.
 */
export function parseInParts(
  body: Uint8Array,
  text: BodyText,
  options: PageParseOptions,
  partBytes: number = PART_BYTES,
): unknown {
  let open = -1
  let key: string | undefined
  if (body[0] === 0x5b) open = 1
  else {
    for (const k of options.dataKeys ?? []) {
      const at = text.indexOf(body, `"${k}":[`, 0)
      if (at >= 0) {
        key = k
        open = at + k.length + 4
        break
      }
    }
  }
  if (open < 0) return undefined
  if (body[open] !== 0x7b) return undefined // `{`: an empty list, or whitespace first
  // rows begin alike (`{"id":`): a cut goes before the next row's first key, after the end of a row
  const colon = text.indexOf(body, '":', open)
  const first = colon > open && colon - open < 64 ? text.latin1(body.subarray(open, colon + 2)) : '{"'
  const boundary = first.startsWith('{"') && !first.includes('\\') ? `},${first}` : '},{"'
  const rows: unknown[] = []
  const part = (start: number, end: number): boolean => {
    let list: unknown
    try {
      list = JSON.parse(`[${text.latin1(body.subarray(start, end))}]`)
    } catch {
      return false
    }
    for (const row of list as unknown[]) rows.push(row)
    return true
  }
  let start = open
  for (;;) {
    let cut = text.indexOf(body, boundary, start + partBytes)
    for (let i = 1; cut >= 0 && !part(start, cut + 1); i++) {
      if (i === TRIES) return undefined
      cut = text.indexOf(body, boundary, cut + 1)
    }
    if (cut < 0) break
    start = cut + 2
  }
  // the list ends at the last `}]` that parses: a later one is past its end, an earlier one inside its last row
  let close = -1
  let last = text.lastIndexOf(body, LAST, body.length)
  for (let i = 0; i < TRIES && last >= start && close < 0; i++) {
    if (part(start, last + 1)) close = last + 1
    else last = last > 0 ? text.lastIndexOf(body, LAST, last - 1) : -1
  }
  if (close < 0) return undefined
  const after = text.latin1(body.subarray(close + 1))
  if (key === undefined) return after.trim() === '' ? rows : undefined
  const outerText = `${text.latin1(body.subarray(0, open - 1))}0${after}`
  // an escape could spell the key, and a second key of that name would win over the first
  if (outerText.includes('\\') || outerText.includes(`"${key}":`, open)) return undefined
  let outer: unknown
  try {
    outer = JSON.parse(outerText)
  } catch {
    return undefined
  }
  if (outer === null || typeof outer !== 'object' || Array.isArray(outer)) return undefined
  const rec = outer as Record<string, unknown>
  if (!Object.hasOwn(rec, key) || rec[key] !== 0) return undefined
  // a key tried before this one that holds a list (written with whitespace) is where the rows are
  for (const k of options.dataKeys ?? []) {
    if (k === key) break
    if (Array.isArray(rec[k])) return undefined
  }
  rec[key] = rows
  return rec
}
