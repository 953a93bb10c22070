import type { HttpClient, ParsedPage, QueryValue, ResourceContext } from '@sluice/core'
import { pageReaderHere, pageRows } from '@sluice/core'
import { readSplit, type SplitResult } from './clockodo-backfill.ts'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import type { EnhancedListMode } from './clockodo-config.ts'
import { IdSet } from './clockodo-id-set.ts'
import { type EntryNames, loadEntryNames, NAME_REQUESTS } from './clockodo-names.ts'
import { concatPrefetched, fetchParsedPages, readPaging } from './clockodo-pages.ts'
import { rateLimitBoundMs } from './clockodo-rate-limits.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'
import type { TimeWindow, WindowState } from './clockodo-windows.ts'
import { cutWindows, isoDate, isoUtc, planWindows } from './clockodo-windows.ts'

const DAY_MS = 86_400_000

async function* tagPages(
  window: number,
  pages: AsyncGenerator<ParsedPage>,
): AsyncGenerator<{ window: number; page: ParsedPage }> {
  for await (const page of pages) yield { window, page }
}

/**
 * Entries in `[from, to)`: one plain request of one item, read from its `paging.count_items`. Sent like the pages
 * (through the pipeline's page reader, on a page worker when it has them).
 */
async function countEntries(
  client: HttpClient,
  ctx: ResourceContext,
  e: ClockodoEndpoint,
  from: Date,
  to: Date,
): Promise<number> {
  const reader = (ctx.pageReader ?? pageReaderHere)({ dataKeys: e.dataKeys, meta: ['paging'] })
  const res = await client.request<ParsedPage>(
    {
      path: e.path,
      params: { time_since: isoUtc(from), time_until: isoUtc(to), items_per_page: 1, page: 1 },
    },
    { signal: ctx.signal, resource: e.name, reader },
  )
  return readPaging(res.body.meta)?.count_items ?? res.body.count
}

/** Rows read with plain lists in one run, for the warning at its end. */
interface PlainRows {
  rows: number
  /** Rows the plain list gave without `text` (the spec says only enhanced lists carry it). */
  withoutText: number
}

/**
 * Reads time entries in windows of `windowDays` (default 92) from the history start to the end date; incremental
 * runs re-read from the lookback before the last loaded end, and replace that range (`replaceRange` on
 * `time_since`). Which list each window is read with follows `enhancedList`:
 * - `always`, and `auto` when the run's pages (one count request tells) fit the enhanced-list budget left: every
 *   window enhanced, in order. Pages of a window are fetched in parallel (`lookahead` ahead) and the next two
 *   windows start early; bodies are parsed by the pipeline's page reader (on a page worker when it has them: only
 *   the ids come back here), so this path does no work per row except the dedupe of entries read twice.
 * - `never`: the same with plain lists, parsed here, the name columns filled from master data ({@link loadEntryNames}).
 * - `auto` beyond the budget: {@link readSplit} (plain from the oldest window, enhanced from the newest), with a
 *   warning that names the entries read without revenue.
 */
export async function* readEntries(
  e: ClockodoEndpoint,
  source: ClockodoSourceContext,
  ctx: ResourceContext,
): AsyncGenerator<ParsedPage> {
  const { config, incremental } = source
  const mode = (config.enhancedList ?? 'auto') as EnhancedListMode
  const plainClient = source.client(ctx)
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
  let split = false
  // pages of the run as the count request tells (auto), for the ETA; else the page events' total
  let expectedPages: number | undefined
  const startedAt = source.clock.now()
  if (mode === 'auto' && plan.windows.length > 0) {
    const entries = await countEntries(plainClient, ctx, e, plan.from, plan.to)
    const pageSize = e.pageSize ?? 1000
    // the entries spread evenly over the days up to now (later ones are rare)
    const dataEnd = Math.max(
      plan.from.getTime() + DAY_MS,
      Math.min(plan.to.getTime(), source.now().getTime()),
    )
    const perMs = entries / (dataEnd - plan.from.getTime())
    // requests of the windows: at least one each, one per page begun
    const requests = (windows: readonly TimeWindow[]): number =>
      windows.reduce((n, w) => {
        const ms = Math.max(0, Math.min(w.until.getTime(), dataEnd) - w.since.getTime())
        return n + Math.max(1, Math.ceil((ms * perMs) / pageSize))
      }, 0)
    expectedPages = 1 + requests(plan.windows)
    split = requests(plan.windows) > source.enhancedBudget.free()
    if (split) {
      // Windows sized to the enhanced budget: a quarter of it each, so that the enhanced side never waits inside a
      // window while the plain side runs out of work.
      const perWindow = Math.max(1, Math.floor(source.enhancedBudget.limit / 4)) * pageSize
      const windowDays = Math.max(
        1,
        Math.min(config.windowDays ?? 92, Math.floor(perWindow / Math.max(perMs * DAY_MS, 1e-9))),
      )
      plan.windows = cutWindows(plan.from, plan.to, windowDays)
      // the count request, the windows, and the master lists (and users) the plain pages take their names from
      expectedPages = 1 + requests(plan.windows) + NAME_REQUESTS
    }
  }
  // The least time the limits allow for all pages from the start (enhanced lists only: their limit too), less the
  // time gone: the rate-limit part of the time left, which the CLI shows as the ETA.
  const limits =
    split || mode === 'never' ? source.limits.general : [...source.limits.general, source.limits.enhanced]
  const etaMs = (totalPages: number): number =>
    Math.max(
      0,
      startedAt + rateLimitBoundMs(Math.max(totalPages, expectedPages ?? 0), limits) - source.clock.now(),
    )
  const enhancedClient = mode === 'never' ? plainClient : source.client(ctx, 'enhanced')

  // Page events count fetched pages over all windows; the total counts one page per window not answered yet.
  const windowPages: number[] = plan.windows.map(() => 1)
  let fetched = 0
  const readWindow = (
    i: number,
    enhanced: boolean,
    onTotal: (pages: number) => void = () => {},
  ): AsyncGenerator<ParsedPage> => {
    const w = plan.windows[i]!
    return fetchParsedPages(
      enhanced ? enhancedClient : plainClient,
      {
        resource: e.name,
        path: e.path,
        params: {
          time_since: isoUtc(w.since),
          time_until: isoUtc(w.until),
          ...(enhanced ? ({ enhanced_list: 1 } satisfies Record<string, QueryValue>) : {}),
        },
        pageSize: e.pageSize,
        dataKeys: e.dataKeys,
      },
      {
        signal: ctx.signal,
        lookahead: source.lookahead,
        // enhanced pages on a page worker when the pipeline has them (the rows stay there, only their ids come
        // here); plain pages here, where their name columns are filled
        reader: enhanced ? (ctx.pageReader ?? pageReaderHere) : pageReaderHere,
        key: 'id',
        warn: (message) => ctx.warn(message),
        onPage: (_page, rows, total) => {
          windowPages[i] = Math.max(windowPages[i]!, total ?? 1)
          if (total !== undefined) onTotal(total)
          const totalPages = windowPages.reduce((a, b) => a + b, 0)
          fetched++
          const eta = etaMs(totalPages)
          ctx.emit({
            type: 'page',
            resource: e.name,
            page: fetched,
            rows,
            totalPages: Math.max(fetched, totalPages),
            ...(eta >= 1000 ? { etaMs: eta } : {}),
          })
        },
      },
    )
  }

  let names: Promise<EntryNames> | undefined
  const plainRows: PlainRows = { rows: 0, withoutText: 0 }
  const fill = async (page: ParsedPage): Promise<void> => {
    names ??= loadEntryNames(source, plainClient, ctx, e.name)
    const n = await names
    for (const row of pageRows(page) as Record<string, unknown>[]) {
      n.fill(row)
      if (!('text' in row)) plainRows.withoutText++
    }
    plainRows.rows += page.size
  }

  if (!split) {
    const enhanced = mode !== 'never'
    // Windows are contiguous, so an entry read twice (it spans a window edge, or the list shifted while paging)
    // is in this window or the one before: remembering two windows' ids keeps memory bounded by the window size.
    let previous = new IdSet()
    let current = new IdSet()
    let currentWindow = -1
    const windows = plan.windows.map((_, i) => () => tagPages(i, readWindow(i, enhanced)))
    for await (const { window, page } of concatPrefetched(windows, 2)) {
      if (window !== currentWindow) {
        previous = current
        current = new IdSet()
        currentWindow = window
      }
      const ids = page.keys!
      const fresh = ids.map((id) => id === undefined || (current.add(id) && !previous.has(id)))
      if (!fresh.every(Boolean)) page.select((i) => fresh[i]!)
      if (page.size === 0) continue
      if (!enhanced) await fill(page)
      yield page
    }
    if (!enhanced && plainRows.rows > 0) ctx.warn(plainWarning(e.name, plainRows, undefined))
  } else {
    const result: SplitResult = { firstEnhanced: plan.windows.length }
    const dedupe = new WindowIds(plan.windows.length)
    for await (const { window, enhanced, page } of readSplit(
      {
        count: plan.windows.length,
        readWindow,
        budget: source.enhancedBudget,
        clock: source.clock,
        signal: ctx.signal,
      },
      result,
    )) {
      if (page === undefined) {
        dedupe.end(window)
        continue
      }
      const ids = page.keys!
      const fresh = ids.map((id) => dedupe.fresh(window, id))
      if (!fresh.every(Boolean)) page.select((i) => fresh[i]!)
      if (page.size === 0) continue
      if (!enhanced) await fill(page)
      yield page
    }
    if (plainRows.rows > 0) ctx.warn(plainWarning(e.name, plainRows, plan.windows[result.firstEnhanced - 1]))
  }
  ctx.state.since = plan.nextState.since!
  ctx.state.until = plan.nextState.until!
}

/**
 * The ids of entries windows read in any order (both ends of a backfill at once): an entry read twice is in one
 * window and a neighbour, so a window's ids are kept until it and both neighbours were read whole.
 */
class WindowIds {
  private readonly sets = new Map<number, IdSet>()
  private readonly done = new Set<number>()
  constructor(private readonly count: number) {}

  /** Adds `id` to `window`; false when that window or a neighbour already had it. */
  fresh(window: number, id: unknown): boolean {
    if (id === undefined) return true
    let set = this.sets.get(window)
    if (!set) {
      set = new IdSet()
      this.sets.set(window, set)
    }
    if (!set.add(id)) return false
    return !(this.sets.get(window - 1)?.has(id) || this.sets.get(window + 1)?.has(id))
  }

  /** `window` was read whole: drops the ids no page still to come can repeat. */
  end(window: number): void {
    this.done.add(window)
    for (const w of [window - 1, window, window + 1]) {
      const read = (x: number): boolean => x < 0 || x >= this.count || this.done.has(x)
      if (read(w) && read(w - 1) && read(w + 1)) this.sets.delete(w)
    }
  }
}

function plainWarning(resource: string, plain: PlainRows, lastPlain: TimeWindow | undefined): string {
  const which = lastPlain
    ? `${plain.rows} entries with time_since before ${isoDate(lastPlain.until)} were read with plain lists (enhanced_list = "auto": enhanced lists for them would have waited for Clockodo's limit of 300 enhanced pages per 15 minutes)`
    : `${plain.rows} entries were read with plain lists (enhanced_list = "never")`
  const text =
    plain.withoutText > 0 ? `, and ${plain.withoutText} have no text (the plain list left it out)` : ''
  const fix = lastPlain
    ? 'set enhanced_list = "always" (SOURCES__CLOCKODO__ENHANCED_LIST) and run with --full-refresh to read them with revenue, at about 300 pages (300,000 entries) per 15 minutes'
    : 'set enhanced_list = "auto" or "always" to read revenue'
  return `[clockodo] ${resource}: ${which}: their revenue and hourly_rate are empty${text}; the name columns come from the master data. To change that, ${fix}`
}
