import { SluiceError } from '../errors.ts'

/** One step of a parsed path: a key or an array index; `*` selects all items. */
export type PathSegment = string | number

const cache = new Map<string, PathSegment[]>()

/**
 * Parses the JSONPath subset sluice supports: `$`, `$.a.b`, `a.b`, `a[0].b`, `a['x y']`, `a[*]`
 * (a trailing `[*]` / `.*` is the same as the list itself). Throws `CONFIG_INVALID` on other syntax.
 */
export function parsePath(path: string): PathSegment[] {
  const hit = cache.get(path)
  if (hit) return hit
  const segs: PathSegment[] = []
  let s = path.trim()
  if (s.startsWith('$')) s = s.slice(1)
  let i = 0
  while (i < s.length) {
    const ch = s[i]!
    if (ch === '.') {
      i++
      continue
    }
    if (ch === '[') {
      const end = s.indexOf(']', i)
      if (end < 0) throw bad(path)
      const inner = s.slice(i + 1, end).trim()
      if (inner === '*') segs.push('*')
      else if (/^\d+$/.test(inner)) segs.push(Number(inner))
      else if (/^(['"]).*\1$/.test(inner)) segs.push(inner.slice(1, -1))
      else throw bad(path)
      i = end + 1
      continue
    }
    let j = i
    while (j < s.length && s[j] !== '.' && s[j] !== '[') j++
    const key = s.slice(i, j)
    if (!key) throw bad(path)
    segs.push(key === '*' ? '*' : key)
    i = j
  }
  while (segs[segs.length - 1] === '*') segs.pop()
  if (segs.includes('*')) throw bad(path)
  if (cache.size < 1000) cache.set(path, segs)
  return segs
}

function bad(path: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `unsupported JSONPath "${path}"`, {
    hint: "use a dotted path such as 'data', '$.data.items' or 'paging.count_pages'",
  })
}

/** The value at `path` in `value` (see {@link parsePath}), or undefined. */
export function getPath(value: unknown, path: string | readonly PathSegment[]): unknown {
  const segs = typeof path === 'string' ? parsePath(path) : path
  let cur = value
  for (const seg of segs) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, unknown>)[seg]
  }
  return cur
}

/** A copy of `value` with `path` set to `next` (objects along the path are created or shallow-copied). */
export function setPath(value: unknown, path: string, next: unknown): unknown {
  const segs = parsePath(path)
  if (segs.length === 0) return next
  const root = shallowCopy(value)
  let cur = root
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i]!
    const child = cur[seg]
    const copy = shallowCopy(child)
    cur[seg] = copy
    cur = copy
  }
  cur[segs[segs.length - 1]!] = next
  return root
}

function shallowCopy(value: unknown): Record<string | number, unknown> {
  if (Array.isArray(value)) return [...value] as unknown as Record<string | number, unknown>
  if (value && typeof value === 'object') return { ...(value as Record<string, unknown>) }
  return {}
}
