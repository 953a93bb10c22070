import type { HttpClient, PageInfo, PageReader, Paginator, ParsedPage, QueryValue } from '@sluice/core'
import { PageNumberPaginator, paginate, SluiceError } from '@sluice/core'

/** A Clockodo `paging` block. */
export interface ClockodoPaging {
  items_per_page: number
  current_page: number
  count_pages: number
  count_items: number
}

/** One list request of a resource. */
export interface ListRequest {
  resource: string
  path: string
  params: Record<string, QueryValue>
  /** `items_per_page` to send; when absent the route is read once (more pages only if it says so). */
  pageSize?: number | undefined
  dataKeys: readonly string[]
}

/** Reads the `paging` block; undefined when there is none or it is malformed. */
export function readPaging(body: unknown): ClockodoPaging | undefined {
  if (!body || typeof body !== 'object') return undefined
  const p = (body as { paging?: unknown }).paging
  if (!p || typeof p !== 'object') return undefined
  const rec = p as Record<string, unknown>
  const num = (k: string): number => Number(rec[k])
  const paging: ClockodoPaging = {
    items_per_page: num('items_per_page'),
    current_page: num('current_page'),
    count_pages: num('count_pages'),
    count_items: num('count_items'),
  }
  if (!Number.isFinite(paging.current_page) || !Number.isFinite(paging.count_pages)) return undefined
  return paging
}

/**
 * The row list of a response: the first of `dataKeys` that holds an array (Clockodo's envelopes differ by
 * route version), or the body itself when it is an array. Throws `CLOCKODO_UNEXPECTED_RESPONSE` otherwise.
 */
export function extractRows(body: unknown, req: Pick<ListRequest, 'path' | 'dataKeys'>): object[] {
  if (Array.isArray(body)) return body as object[]
  if (body && typeof body === 'object') {
    const rec = body as Record<string, unknown>
    for (const key of req.dataKeys) {
      const v = rec[key]
      if (Array.isArray(v)) return v as object[]
    }
    throw noList(req, Object.keys(rec))
  }
  throw noList(req, undefined)
}

/** Throws `CLOCKODO_UNEXPECTED_RESPONSE` (as {@link extractRows}) for a parsed page without a row list. */
function checkPage<P extends ParsedPage>(page: P, req: Pick<ListRequest, 'path' | 'dataKeys'>): P {
  if (!page.found) throw noList(req, page.bodyKeys)
  return page
}

function noList(
  req: Pick<ListRequest, 'path' | 'dataKeys'>,
  keys: readonly string[] | undefined,
): SluiceError {
  if (keys === undefined) {
    return new SluiceError(
      'CLOCKODO_UNEXPECTED_RESPONSE',
      `[clockodo] GET ${req.path} answered with no JSON object`,
      {
        hint: 'check SOURCES__CLOCKODO__BASE_URL (it should end in /api)',
      },
    )
  }
  return new SluiceError(
    'CLOCKODO_UNEXPECTED_RESPONSE',
    `[clockodo] GET ${req.path} answered without a list under "${req.dataKeys.join('" or "')}" (keys: ${keys.slice(0, 10).join(', ') || 'none'})`,
    { hint: 'the Clockodo API may have changed; please report this with the route name' },
  )
}

/** True when no page follows `paging` (also for Clockodo's `count_pages: 0` with `current_page: 1`). */
export function isLastPage(paging: ClockodoPaging | undefined, rows: number): boolean {
  return !paging || rows === 0 || paging.current_page >= paging.count_pages
}

/**
 * Clockodo's paging as a core {@link Paginator}: page numbers from 1 with the total in `paging.count_pages`
 * (core's `PageNumberPaginator`), and Clockodo's rules on top:
 * - a route with a page size gets `items_per_page` and `page`; one without is asked without `page` first and
 *   read once, unless its paging block says that more pages follow;
 * - no paging block, `current_page >= count_pages` (Clockodo answers an empty list with `count_pages: 0`) or a
 *   page without rows ends the list. `PageNumberPaginator` alone goes on asking while it knows no total, and
 *   Clockodo ignores parameters it does not know: a route without paging would answer its whole list again.
 */
export function clockodoPaginator(req: Pick<ListRequest, 'path' | 'dataKeys' | 'pageSize'>): Paginator {
  const pages = new PageNumberPaginator({ type: 'page_number', basePage: 1, totalPath: 'paging.count_pages' })
  const ends = (page: PageInfo): boolean =>
    isLastPage(readPaging(page.body), extractRows(page.body, req).length)
  return {
    first: (request) =>
      req.pageSize === undefined
        ? request
        : pages.first({ ...request, params: { ...request.params, items_per_page: req.pageSize } }),
    next: (page) => (ends(page) ? undefined : pages.next(page)),
    remaining: (page, max) => (ends(page) ? [] : pages.remaining(page, max)),
  }
}

/**
 * Pages {@link fetchPages} starts ahead at most. paginate's requests listen on one shared AbortSignal, and Node
 * warns (MaxListenersExceededWarning) when more than 10 listen: a 12-page list with maxInFlight 16 did.
 */
const MAX_LIST_PREFETCH = 10

/** Options of {@link fetchPages} and {@link fetchParsedPages}. */
export interface ListPagesOptions {
  signal: AbortSignal
  /** Requests started ahead of the page the consumer reads. */
  lookahead: number
  /** Called for every page read: its number, its rows, and the number of pages when known. */
  onPage?: (page: number, rows: number, total?: number) => void
  /** Told when the pages end early: a page with the same rows as the page before (the API ignored `page`). */
  warn?: (message: string) => void
}

/**
 * Reads all pages of a list with core's `paginate` and {@link clockodoPaginator}: page 1, then pages
 * 2..count_pages with up to `lookahead` (at most 10) requests ahead, yielded in order as arrays of rows. Stops at the last
 * page or at the first empty page, and aborts requests still running then or when the consumer stops early.
 * Throws `CLOCKODO_UNEXPECTED_RESPONSE` for a page without a row list (see {@link extractRows}).
 */
export async function* fetchPages(
  client: HttpClient,
  req: ListRequest,
  options: ListPagesOptions,
): AsyncGenerator<object[]> {
  const pages = paginate(
    client,
    { path: req.path, params: req.params },
    {
      paginator: clockodoPaginator(req),
      // the rows are found by extractRows (their key differs by route version), not by a data selector
      dataSelector: '$',
      // a signal of its own: paginate listens on it, and the run's signal is shared by every resource
      signal: AbortSignal.any([options.signal]),
      resource: req.resource,
      prefetch: Math.min(options.lookahead, MAX_LIST_PREFETCH),
      ...(options.warn ? { onWarning: options.warn } : {}),
    },
  )
  let total: number | undefined
  for await (const page of pages) {
    const rows = extractRows(page.body, req)
    if (page.index === 0) {
      const paging = readPaging(page.body)
      total = paging && paging.count_pages > 0 ? paging.count_pages : undefined
    }
    options.onPage?.(page.index + 1, rows.length, total)
    if (rows.length === 0) return
    yield rows
  }
}

/** Options of {@link fetchParsedPages}. */
export interface ParsedPagesOptions<P extends ParsedPage> extends ListPagesOptions {
  /** Reads each body (a resource's `ctx.pageReader`, maybe on a page worker). */
  reader: PageReader<P>
  /** A row field read into each page's `keys` (for a dedupe). */
  key?: string
}

/**
 * Reads all pages of a list as {@link ParsedPage}s of `options.reader`: page 1, then pages 2..count_pages with up
 * to `lookahead` requests started ahead (each body parsed as soon as it arrives, maybe on a page worker), yielded
 * in order. Stops at the last page or at the first empty page, with the rules of {@link clockodoPaginator}.
 * Aborts requests still running when the consumer stops early. This is the entries path: core's `paginate`
 * selects rows from bodies parsed on this thread and cannot hand them to a page reader.
 */
export async function* fetchParsedPages<P extends ParsedPage>(
  client: HttpClient,
  req: ListRequest,
  options: ParsedPagesOptions<P>,
): AsyncGenerator<P> {
  const local = new AbortController()
  const parseOptions = {
    dataKeys: req.dataKeys,
    meta: ['paging'],
    ...(options.key !== undefined ? { key: options.key } : {}),
  }
  const reader = options.reader(parseOptions)
  const get = async (page: number): Promise<P> => {
    // one signal per request: many listeners on one shared signal trip Node's MaxListeners warning
    const signal = AbortSignal.any([options.signal, local.signal])
    const params: Record<string, QueryValue> = { ...req.params }
    if (req.pageSize !== undefined) {
      params.items_per_page = req.pageSize
      params.page = page
    } else if (page > 1) {
      params.page = page
    }
    const res = await client.request<P>(
      { path: req.path, params },
      { signal, resource: req.resource, reader },
    )
    return checkPage(res.body, req)
  }
  const pending: Promise<P>[] = []
  try {
    const first = await get(1)
    const paging = readPaging(first.meta)
    const total = paging && paging.count_pages > 0 ? paging.count_pages : undefined
    options.onPage?.(1, first.count, total)
    if (first.count > 0) yield first
    if (isLastPage(paging, first.count)) return
    const last = paging!.count_pages
    if (last > MAX_PAGES) {
      throw new SluiceError(
        'PAGINATION_LIMIT',
        `[clockodo] GET ${req.path} says there are ${last} pages, more than ${MAX_PAGES}`,
        {
          hint: 'check SOURCES__CLOCKODO__BASE_URL (is this Clockodo?); a shorter window_days asks for fewer pages',
        },
      )
    }
    let next = 2
    const launch = (): void => {
      const p = get(next++)
      p.catch(() => {})
      pending.push(p)
    }
    while (next <= last && pending.length < options.lookahead) launch()
    let previous: P = first
    for (let page = 2; pending.length > 0; page++) {
      const body = await pending.shift()!
      options.onPage?.(page, body.count, last)
      if (body.count === 0) return
      if (sameKeys(previous, body)) {
        options.warn?.(
          `[clockodo] ${req.resource}: page ${page} of GET ${req.path} has the same rows as page ${page - 1}; the API seems to ignore the page parameter, so the pages end here`,
        )
        return
      }
      yield body
      previous = body
      if (next <= last) launch()
    }
  } finally {
    if (pending.length > 0) local.abort(new Error('stopped reading pages'))
  }
}

/** Pages one list may have; Clockodo's largest lists have far fewer (1,000 entries per page, windows of 92 days). */
const MAX_PAGES = 100_000

/** True for two pages with the same non-empty list of row keys (the same page served twice). */
function sameKeys(a: ParsedPage, b: ParsedPage): boolean {
  const x = a.keys
  const y = b.keys
  if (!x || !y || x.length === 0 || x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] || x[i] === undefined) return false
  return true
}

/**
 * Runs `tasks` with at most `concurrency` at a time and yields their results in task order.
 * Remaining tasks are not started once the consumer stops or a task fails.
 */
export async function* orderedParallel<T>(
  tasks: Iterable<() => Promise<T>>,
  concurrency: number,
): AsyncGenerator<T> {
  const it = tasks[Symbol.iterator]()
  const pending: Promise<T>[] = []
  const fill = (): void => {
    while (pending.length < concurrency) {
      const n = it.next()
      if (n.done) return
      const p = n.value()
      p.catch(() => {})
      pending.push(p)
    }
  }
  fill()
  while (pending.length > 0) {
    const value = await pending.shift()!
    fill()
    yield value
  }
}

/** Collects every page of {@link fetchPages} into one array. */
export async function collectPages(pages: AsyncIterable<object[]>): Promise<object[]> {
  const all: object[] = []
  for await (const page of pages) for (const row of page) all.push(row)
  return all
}

/**
 * Yields the items of several async generators one after the other, while the first item of up to `ahead`
 * following generators is already being fetched (so window after window does not wait for a round trip each).
 * Generators started ahead are closed when the consumer stops or one fails.
 */
export async function* concatPrefetched<T>(
  sources: readonly (() => AsyncGenerator<T>)[],
  ahead: number,
): AsyncGenerator<T> {
  const queue: { gen: AsyncGenerator<T>; first: Promise<IteratorResult<T>> }[] = []
  let next = 0
  const start = (): void => {
    const gen = sources[next++]!()
    const first = gen.next()
    first.catch(() => {})
    queue.push({ gen, first })
  }
  try {
    while (next < sources.length && queue.length <= ahead) start()
    while (queue.length > 0) {
      const { gen, first } = queue[0]!
      let r = await first
      while (!r.done) {
        yield r.value
        r = await gen.next()
      }
      queue.shift()
      if (next < sources.length) start()
    }
  } finally {
    for (const { gen, first } of queue) {
      void first.then(
        () => gen.return(undefined).catch(() => {}),
        () => {},
      )
    }
  }
}
