import type { HttpClient, LocalPage, PageReader, ParsedPage, QueryValue } from '@sluice/core'
import { pageReaderHere, SluiceError } from '@sluice/core'

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
export function checkPage<P extends ParsedPage>(page: P, req: Pick<ListRequest, 'path' | 'dataKeys'>): P {
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

/** Options of {@link fetchParsedPages}. */
export interface FetchPagesOptions<P extends ParsedPage> {
  signal: AbortSignal
  lookahead: number
  onPage?: (page: number, rows: number, total?: number) => void
  /** Reads each body (a resource's `ctx.pageReader`, maybe on a page worker). */
  reader: PageReader<P>
  /** A row field read into each page's `keys` (for a dedupe). */
  key?: string
}

/**
 * Reads all pages of a list: page 1, then pages 2..count_pages with up to `lookahead` requests started ahead
 * (each body parsed as soon as it arrives), yielded in order. Stops at the last page or at the first empty page.
 * Aborts requests still running when the consumer stops early.
 */
export async function* fetchParsedPages<P extends ParsedPage>(
  client: HttpClient,
  req: ListRequest,
  options: FetchPagesOptions<P>,
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
    let next = 2
    const launch = (): void => {
      const p = get(next++)
      p.catch(() => {})
      pending.push(p)
    }
    while (next <= last && pending.length < options.lookahead) launch()
    for (let page = 2; pending.length > 0; page++) {
      const body = await pending.shift()!
      options.onPage?.(page, body.count, last)
      if (body.count === 0) return
      yield body
      if (next <= last) launch()
    }
  } finally {
    if (pending.length > 0) local.abort(new Error('stopped reading pages'))
  }
}

/** {@link fetchParsedPages} parsed on this thread, as arrays of rows. */
export async function* fetchPages(
  client: HttpClient,
  req: ListRequest,
  options: Omit<FetchPagesOptions<LocalPage>, 'reader' | 'key'>,
): AsyncGenerator<object[]> {
  for await (const page of fetchParsedPages(client, req, { ...options, reader: pageReaderHere })) {
    yield page.rows as object[]
  }
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
