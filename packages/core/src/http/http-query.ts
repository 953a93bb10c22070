import type { QueryValue } from './http-types.ts'

/** Appends `params` to `search`: arrays as `key[]=`, objects as deepObject `key[sub]=`; skips null/undefined. */
export function appendQuery(search: URLSearchParams, params: Record<string, QueryValue> | undefined): void {
  if (!params) return
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue
    if (Array.isArray(value)) {
      for (const v of value) search.append(`${key}[]`, String(v))
    } else if (typeof value === 'object') {
      for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null || v === undefined) continue
        if (Array.isArray(v)) for (const x of v) search.append(`${key}[${sub}][]`, String(x))
        else search.append(`${key}[${sub}]`, String(v))
      }
    } else {
      search.set(key, String(value))
    }
  }
}

/** True for an absolute http(s) URL. */
export function isAbsoluteUrl(path: string): boolean {
  return /^https?:\/\//i.test(path)
}

/** Joins `baseUrl` and a relative `path` (one slash between them); absolute URLs are returned as they are. */
export function joinUrl(baseUrl: string, path: string): string {
  if (isAbsoluteUrl(path)) return path
  if (!path) return baseUrl
  if (path.startsWith('?')) return baseUrl + path
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

/** Builds the full URL of a request. */
export function buildUrl(baseUrl: string, path: string, params?: Record<string, QueryValue>): URL {
  const url = new URL(joinUrl(baseUrl, path))
  appendQuery(url.searchParams, params)
  return url
}
