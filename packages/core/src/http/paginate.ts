import { detectDataSelector, selectData } from './data-selector.ts'
import type { HttpClient, HttpRequest, HttpRequestOptions, HttpResponse, RateLimiter } from './http-types.ts'
import { createPaginator } from './paginators/create-paginator.ts'
import type { Paginator, PaginatorConfig } from './paginators/paginator-types.ts'

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
  paginator?: PaginatorConfig | Paginator
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
}

/**
 * Fetches all pages of `request`. When the paginator knows the page count after page 1 and `parallel` is
 * on, the rest are fetched concurrently (bounded by `prefetch` and the client's limiter) and still yielded
 * in order. Stopping the iteration early aborts pages in flight.
 */
export async function* paginate<T = unknown>(
  client: HttpClient,
  request: HttpRequest,
  options: PaginateOptions = {},
): AsyncGenerator<Page<T>, void, undefined> {
  const paginator = createPaginator(options.paginator ?? { type: 'auto' })
  const ctrl = new AbortController()
  const outer = options.signal
  const onAbort = (): void => ctrl.abort(outer?.reason)
  if (outer?.aborted) throw outer.reason
  outer?.addEventListener('abort', onAbort, { once: true })
  const reqOpts = { signal: ctrl.signal, resource: options.resource, limiter: options.limiter }
  let selector = options.dataSelector
  const toPage = (response: HttpResponse, req: HttpRequest, index: number, totalPages?: number): Page<T> => {
    selector ??= detectDataSelector(response.body)
    const items = selectData<T>(response.body, selector)
    return { items, body: response.body, request: req, response, index, totalPages }
  }
  const pending: Promise<HttpResponse>[] = []
  try {
    let req: HttpRequest | undefined = paginator.first(request)
    const firstRes = await client.request(req, reqOpts)
    const first = toPage(firstRes, req, 0)
    const rest = options.parallel === false ? undefined : paginator.remaining?.(first)
    if (rest !== undefined) {
      const total = rest.length + 1
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
      for (let i = 0; i < rest.length; i++) {
        const res = await pending.shift()!
        launch()
        yield toPage(res, rest[i]!, i + 1, total)
      }
      return
    }
    yield first
    let prev = first
    for (let index = 1; ; index++) {
      req = paginator.next(prev)
      if (!req) return
      const res = await client.request(req, reqOpts)
      prev = toPage(res, req, index)
      yield prev
    }
  } finally {
    outer?.removeEventListener('abort', onAbort)
    if (pending.length > 0) ctrl.abort(new DOMException('pagination stopped', 'AbortError'))
  }
}
