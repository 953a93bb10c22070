import { getPath, parsePath } from './json-path.ts'

const KNOWN_KEYS = [
  'data',
  'items',
  'results',
  'entries',
  'records',
  'rows',
  'entities',
  'payload',
  'content',
  'objects',
  'values',
]

/**
 * Finds the path of the rows in a response body as dlt does: a top-level list is `$`; otherwise the first
 * list (at most 2 levels deep) under one of data, items, results, entries, records, rows, entities,
 * payload, content, objects, values; failing that, the least-nested list; with no list, `$`.
 */
export function detectDataSelector(body: unknown): string {
  if (Array.isArray(body) || !body || typeof body !== 'object') return '$'
  const obj = body as Record<string, unknown>
  for (const key of KNOWN_KEYS) {
    const v = obj[key]
    if (Array.isArray(v)) return key
    if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v)) if (Array.isArray(v2)) return `${key}.${k2}`
    }
  }
  // least-nested list, breadth first
  let level: [string, unknown][] = Object.entries(obj)
  for (let depth = 0; depth < 5 && level.length > 0; depth++) {
    const next: [string, unknown][] = []
    for (const [path, v] of level) {
      if (Array.isArray(v)) return path
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) next.push([`${path}.${k}`, c])
    }
    level = next
  }
  return '$'
}

/**
 * The rows a body holds at `selector`: a list as it is, a single object as a one-row list, nothing as an
 * empty list. `selector` undefined means auto-detect (see {@link detectDataSelector}).
 */
export function selectData<T = unknown>(body: unknown, selector?: string): T[] {
  const path = selector ?? detectDataSelector(body)
  const value = parsePath(path).length === 0 ? body : getPath(body, path)
  if (Array.isArray(value)) return value as T[]
  if (value === null || value === undefined) return []
  return [value as T]
}
