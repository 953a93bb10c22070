import type { HttpRequest } from '../http-types.ts'
import {
  CursorPaginator,
  HeaderLinkPaginator,
  JsonLinkPaginator,
  parseLinkNext,
  SinglePagePaginator,
} from './link-paginators.ts'
import { PageNumberPaginator } from './page-number-paginator.ts'
import type { PageInfo, Paginator } from './paginator-types.ts'

/** What auto-detection chose, for logs and tests. */
export interface DetectedPaginator {
  type: 'header_link' | 'json_link' | 'page_number' | 'cursor' | 'single_page'
  path?: string
  paginator: Paginator
}

function findKey(
  body: unknown,
  match: (key: string, value: unknown) => boolean,
  depth = 0,
  prefix = '',
): [string, unknown] | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body) || depth > 4) return undefined
  for (const [k, v] of Object.entries(body)) {
    if (match(k, v)) return [prefix + k, v]
  }
  for (const [k, v] of Object.entries(body)) {
    const hit = findKey(v, match, depth + 1, `${prefix}${k}.`)
    if (hit) return hit
  }
  return undefined
}

const isUrl = (v: unknown): v is string =>
  typeof v === 'string' && (/^https?:\/\//i.test(v) || v.startsWith('/'))

/**
 * Detects the pagination of an API from its first response as dlt does: a Link header with rel=next, a
 * `next` key holding a URL (json_link), a `total_pages`/`pages`/`totalpages`/`count_pages` integer
 * (page_number), a non-URL `next` value (cursor), else single page.
 */
export function detectPaginator(page: PageInfo): DetectedPaginator {
  if (parseLinkNext(page.response.headers.get('link'))) {
    return { type: 'header_link', paginator: new HeaderLinkPaginator() }
  }
  const body = page.body
  const nextUrl = findKey(body, (k, v) => {
    if (k.toLowerCase() !== 'next') return false
    if (isUrl(v)) return true
    if (v && typeof v === 'object')
      return isUrl((v as { href?: unknown }).href) || isUrl((v as { url?: unknown }).url)
    return false
  })
  if (nextUrl) return { type: 'json_link', path: nextUrl[0], paginator: new JsonLinkPaginator(nextUrl[0]) }
  const total = findKey(
    body,
    (k, v) =>
      ['total_pages', 'pages', 'totalpages', 'count_pages', 'totalPages', 'pagecount'].includes(k) &&
      Number.isInteger(v),
  )
  if (total) {
    const dot = total[0].lastIndexOf('.')
    const siblings = (dot < 0 ? body : pathValue(body, total[0].slice(0, dot))) as Record<string, unknown>
    let current = 1
    for (const key of ['current_page', 'page', 'currentPage', 'page_number', 'pageNumber']) {
      if (Number.isInteger(siblings?.[key])) {
        current = siblings[key] as number
        break
      }
    }
    const p = new PageNumberPaginator({ type: 'page_number', basePage: current, totalPath: total[0] })
    p.first(page.request)
    return { type: 'page_number', path: total[0], paginator: p }
  }
  const cursor = findKey(
    body,
    (k, v) => k.toLowerCase() === 'next' && (typeof v === 'string' || typeof v === 'number') && v !== '',
  )
  if (cursor) return { type: 'cursor', path: cursor[0], paginator: new CursorPaginator(cursor[0]) }
  return { type: 'single_page', paginator: new SinglePagePaginator() }
}

function pathValue(body: unknown, path: string): unknown {
  let cur = body
  for (const k of path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[k]
  return cur
}

/** Detects the paginator from the first response, then delegates to it. */
export class AutoPaginator implements Paginator {
  /** The detected paginator (after the first page). */
  detected: DetectedPaginator | undefined
  first(req: HttpRequest): HttpRequest {
    this.detected = undefined
    return req
  }
  private get(page: PageInfo): Paginator {
    this.detected ??= detectPaginator(page)
    return this.detected.paginator
  }
  next(page: PageInfo): HttpRequest | undefined {
    return this.get(page).next(page)
  }
  remaining(page: PageInfo, max?: number): HttpRequest[] | undefined {
    return this.get(page).remaining?.(page, max)
  }
}
