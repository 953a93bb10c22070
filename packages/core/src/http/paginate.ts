import { SluiceError } from '../errors.ts'
import { detectDataSelector, selectData } from './data-selector.ts'
import type {
  HttpClient,
  HttpRequest,
  HttpRequestOptions,
  HttpResponse,
  RateLimiter,
  ResponseHook,
} from './http-types.ts'
import { getPath, parsePath } from './json-path.ts'
import { createPaginator } from './paginators/create-paginator.ts'
import type { PaginatorSpec } from './paginators/paginator-types.ts'
import { DEFAULT_MAX_PAGES } from './paginators/paginator-utils.ts'

/** One fetched page. */
export interface Page<T = unknown> {
  /** The rows the data selector found. */
  items: T[]
  body: unknown
  request: HttpRequest
  response: HttpResponse
  /** 0-based position of the page. */
  index: number
  /** Number of pages when the paginator knew it after the first page. */
  totalPages?: number
}

/** Options of {@link paginate}. */
export interface PaginateOptions {
  /** Default `{ type: 'auto' }`. A Paginator object is used as it is (do not share one between calls). */
  paginator?: PaginatorSpec
  /** JSONPath subset (`$`, `data`, `$.data.items`); omitted = detected from the first page as dlt does. */
  dataSelector?: string
  signal?: AbortSignal
  /** Resource name for events. */
  resource?: string
  /** Fetch pages 2..n concurrently when the first page tells the total; default true. */
  parallel?: boolean
  /** An extra limiter for these requests, on top of the client's (see {@link HttpRequestOptions.limiter}). */
  limiter?: RateLimiter
  /** Pages fetched ahead of the consumer in parallel mode; default 16 (the limiter still caps requests in flight). */
  prefetch?: number
  /**
   * Pages this request may have; one more fails with `PAGINATION_LIMIT` (so does a first page that states more).
   * Default 100,000.
   */
  maxPages?: number
  /**
   * Told when the pages end early: a page with the same rows as the one before (the API ignores the paging
   * parameters), or a next request that repeats an earlier one (a cursor or link that loops). Default: nothing.
   */
  onWarning?: (message: string) => void
  /**
   * Sees every response before the client judges it (see {@link HttpRequestOptions.onResponse}); a response it
   * answers with `'ignore'` ends the pages there, without its rows. Default none.
   */
  onResponse?: ResponseHook
}

/**
 * Fetches all pages of `request`. When the paginator knows the page count after page 1 and `parallel` is
 * on, the rest are fetched concurrently (bounded by `prefetch` and the client's limiter) and still yielded
 * in order. Stopping the iteration early aborts pages in flight. The pages end (with `onWarning`) at a page
 * with the same rows as the page before or at a request that repeats an earlier one, and fail with
 * `PAGINATION_LIMIT` past `maxPages`. A response that `onResponse` ignores ends them too.
 */
export async function* paginate<T = unknown>(
  client: HttpClient,
  request: HttpRequest,
  options: PaginateOptions = {},
): AsyncGenerator<Page<T>, void, undefined> {
  const paginator = createPaginator(options.paginator ?? { type: 'auto' })
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
  const ctrl = new AbortController()
  const outer = options.signal
  const onAbort = (): void => ctrl.abort(outer?.reason)
  if (outer?.aborted) throw outer.reason
  outer?.addEventListener('abort', onAbort, { once: true })
  const reqOpts: HttpRequestOptions = {
    signal: ctrl.signal,
    resource: options.resource,
    limiter: options.limiter,
    onResponse: options.onResponse,
  }
  const where = options.resource ?? request.path
  let selector = options.dataSelector
  let selectorMissWarned = false
  const toPage = (response: HttpResponse, req: HttpRequest, index: number, totalPages?: number): Page<T> => {
    selector ??= detectDataSelector(response.body)
    const items = selectData<T>(response.body, selector)
    if (!selectorMissWarned && options.dataSelector !== undefined && items.length === 0) {
      const miss = selectorMiss(response.body, options.dataSelector)
      if (miss) {
        selectorMissWarned = true
        options.onWarning?.(
          `${where}: dataSelector "${options.dataSelector}" matches nothing in ${response.url}; ${miss}`,
        )
      }
    }
    return { items, body: response.body, request: req, response, index, totalPages }
  }
  /** True (after warning) when `page` repeats the rows of `before`. */
  const repeats = (before: Page<T>, page: Page<T>): boolean => {
    if (!sameItems(before.items, page.items)) return false
    options.onWarning?.(
      `${where}: page ${page.index + 1} (${page.response.url}) has the same rows as page ${page.index}; the API seems to ignore the paging parameters, so the pages end here`,
    )
    return true
  }
  const pending: Promise<HttpResponse>[] = []
  try {
    let req: HttpRequest | undefined = paginator.first(request)
    const requested = new Set([requestKey(req)])
    const firstRes = await client.request(req, reqOpts)
    if (firstRes.ignored) return
    const first = toPage(firstRes, req, 0)
    const rest = options.parallel === false ? undefined : paginator.remaining?.(first, maxPages)
    if (rest !== undefined) {
      const total = rest.length + 1
      if (total > maxPages) throw tooManyPages(where, maxPages, firstRes.url, true)
      first.totalPages = total
      yield first
      const prefetch = Math.max(1, options.prefetch ?? 16)
      let launched = 0
      const launch = (): void => {
        while (launched < rest.length && pending.length < prefetch) {
          const p = client.request(rest[launched]!, reqOpts)
          p.catch(() => {})
          pending.push(p)
          launched++
        }
      }
      launch()
      let prev = first
      for (let i = 0; i < rest.length; i++) {
        const res = await pending.shift()!
        if (res.ignored) return
        launch()
        const page = toPage(res, rest[i]!, i + 1, total)
        if (repeats(prev, page)) return
        yield page
        prev = page
      }
      return
    }
    yield first
    let prev = first
    for (let index = 1; ; index++) {
      req = paginator.next(prev)
      if (!req) return
      const key = requestKey(req)
      if (requested.has(key)) {
        options.onWarning?.(
          `${where}: the page after ${prev.response.url} would be one fetched before (the cursor or next link loops), so the pages end here`,
        )
        return
      }
      if (index >= maxPages) throw tooManyPages(where, maxPages, prev.response.url)
      requested.add(key)
      const res = await client.request(req, reqOpts)
      if (res.ignored) return
      const page = toPage(res, req, index)
      if (repeats(prev, page)) return
      yield page
      prev = page
    }
  } finally {
    outer?.removeEventListener('abort', onAbort)
    if (pending.length > 0) ctrl.abort(new DOMException('pagination stopped', 'AbortError'))
  }
}

/** `PAGINATION_LIMIT`: more pages than `maxPages` (`stated`: as the first page says). */
function tooManyPages(where: string, maxPages: number, url: string, stated = false): SluiceError {
  return new SluiceError(
    'PAGINATION_LIMIT',
    stated
      ? `${where}: ${url} says there are more than ${maxPages} pages (maxPages)`
      : `${where}: more than ${maxPages} pages (maxPages); the last was ${url}`,
    {
      hint: 'if the list really is that long, raise maxPages (endpoint.maxPages of a REST source); otherwise check the paginator config: the API may ignore its parameters',
    },
  )
}

/** True for two non-empty lists of the same rows (first and last rows compared first: cheap when they differ). */
function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length === 0 || a.length !== b.length) return false
  if (JSON.stringify(a[0]) !== JSON.stringify(b[0])) return false
  if (JSON.stringify(a.at(-1)) !== JSON.stringify(b.at(-1))) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A 53-bit hash of what makes a request (method, path, params, body), to tell a repeated one. */
function requestKey(req: HttpRequest): number {
  const text = `${req.method ?? 'GET'} ${req.path} ${JSON.stringify(req.params ?? {})} ${JSON.stringify(req.json ?? null)}`
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * Why `selector` found nothing in `body` (the page's keys, or that it is a list), or undefined when the path
 * exists (an empty list or null is a page without rows, not a wrong selector).
 */
function selectorMiss(body: unknown, selector: string): string | undefined {
  const path = parsePath(selector)
  if (path.length === 0 || getPath(body, selector) !== undefined) return undefined
  if (Array.isArray(body)) return 'the page is a list: use the dataSelector "$"'
  if (!body || typeof body !== 'object') return 'the page is not a JSON object'
  const keys = Object.keys(body)
  const shown = keys.slice(0, 20).join(', ') + (keys.length > 20 ? ', ...' : '')
  return `the page has the keys ${shown || '(none)'}`
}
