import type { ParsedPage, QueryValue, ResourceContext } from '@sluice/core'
import { pageReaderHere } from '@sluice/core'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import { IdSet } from './clockodo-id-set.ts'
import { concatPrefetched, fetchParsedPages } from './clockodo-pages.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'
import type { WindowState } from './clockodo-windows.ts'
import { isoUtc, planWindows } from './clockodo-windows.ts'

async function* tagPages(
  window: number,
  pages: AsyncGenerator<ParsedPage>,
): AsyncGenerator<{ window: number; page: ParsedPage }> {
  for await (const page of pages) yield { window, page }
}

/**
 * Reads time entries in windows of `windowDays` (default 92) from the history start to the end date; incremental
 * runs re-read from the lookback before the last loaded end, and replace that range (`replaceRange` on
 * `time_since`). Pages of a window are fetched in parallel (`lookahead` ahead) and the next two windows start
 * early. Bodies are parsed by the pipeline's page reader (on a page worker when it has them: only the ids come
 * back here), so this path does no work per row except the dedupe of entries read twice.
 */
export async function* readEntries(
  e: ClockodoEndpoint,
  source: ClockodoSourceContext,
  ctx: ResourceContext,
): AsyncGenerator<ParsedPage> {
  const { config, incremental } = source
  const plainClient = source.client(ctx)
  const client = config.enhancedList ? source.client(ctx, 'enhanced') : plainClient
  const start = await source.history.start(plainClient, ctx, e.name)
  const plan = planWindows({
    start,
    end: source.endDate(),
    now: source.now(),
    lookbackDays: config.lookbackDays ?? 30,
    windowDays: config.windowDays ?? 92,
    state: incremental ? (ctx.state as WindowState) : undefined,
  })
  if (incremental && plan.windows.length > 0) {
    ctx.replaceRange({ column: 'time_since', from: isoUtc(plan.from), to: isoUtc(plan.to) })
  }
  const enhancedParam: Record<string, QueryValue> = config.enhancedList ? { enhanced_list: 1 } : {}
  // Page events count fetched pages over all windows; the total counts one page per window not answered yet.
  const windowPages: number[] = plan.windows.map(() => 1)
  let fetched = 0
  const windows = plan.windows.map(
    (w, i) => () =>
      tagPages(
        i,
        fetchParsedPages(
          client,
          {
            resource: e.name,
            path: e.path,
            params: { time_since: isoUtc(w.since), time_until: isoUtc(w.until), ...enhancedParam },
            pageSize: e.pageSize,
            dataKeys: e.dataKeys,
          },
          {
            signal: ctx.signal,
            lookahead: source.lookahead,
            // on a page worker when the pipeline has them: the rows stay there, only their ids come here
            reader: ctx.pageReader ?? pageReaderHere,
            key: 'id',
            warn: (message) => ctx.warn(message),
            onPage: (_page, rows, total) => {
              windowPages[i] = Math.max(windowPages[i]!, total ?? 1)
              const totalPages = windowPages.reduce((a, b) => a + b, 0)
              fetched++
              ctx.emit({
                type: 'page',
                resource: e.name,
                page: fetched,
                rows,
                totalPages: Math.max(fetched, totalPages),
              })
            },
          },
        ),
      ),
  )
  // Windows are contiguous, so an entry read twice (it spans a window edge, or the list shifted while paging)
  // is in this window or the one before: remembering two windows' ids keeps memory bounded by the window size.
  let previous = new IdSet()
  let current = new IdSet()
  let currentWindow = -1
  for await (const { window, page } of concatPrefetched(windows, 2)) {
    if (window !== currentWindow) {
      previous = current
      current = new IdSet()
      currentWindow = window
    }
    const ids = page.keys!
    const fresh = ids.map((id) => id === undefined || (current.add(id) && !previous.has(id)))
    if (!fresh.every(Boolean)) page.select((i) => fresh[i]!)
    if (page.size > 0) yield page
  }
  ctx.state.since = plan.nextState.since!
  ctx.state.until = plan.nextState.until!
}
