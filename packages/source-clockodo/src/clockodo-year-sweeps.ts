import type { QueryValue, ResourceContext } from '@sluice/core'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import { clampYear } from './clockodo-history.ts'
import { collectPages, fetchPages, orderedParallel } from './clockodo-pages.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'

function yearParams(param: 'year' | 'filter[year]', year: number): Record<string, QueryValue> {
  return param === 'year' ? { year } : { filter: { year } }
}

/**
 * Reads an endpoint of mode `years` once per year (absences, holidays, nonbusiness days, user reports ...):
 * from the history start year or the year of the first entry to the end date's or the current year, and, when
 * the mode says so, once without a year. Up to `lookahead` years are read at once and yielded in year order,
 * one page per year (all its pages collected); the year is stamped on the rows when it is part of the key.
 */
export async function* readYearSweep(
  e: ClockodoEndpoint,
  source: ClockodoSourceContext,
  ctx: ResourceContext,
): AsyncGenerator<object[]> {
  if (e.mode.kind !== 'years') return
  const mode = e.mode
  const client = source.client(ctx)
  const first =
    mode.firstYear === 'data'
      ? await source.history.firstDataYear(client, ctx, e.name)
      : clampYear((await source.history.start(client, ctx, e.name)).getUTCFullYear())
  const last = clampYear(
    mode.lastYear === 'now' ? source.now().getUTCFullYear() : source.endDate().getUTCFullYear(),
  )
  const list = (params: Record<string, QueryValue>): Promise<object[]> =>
    collectPages(
      fetchPages(
        client,
        { resource: e.name, path: e.path, params, pageSize: e.pageSize, dataKeys: e.dataKeys },
        { signal: ctx.signal, lookahead: 2, warn: (message) => ctx.warn(message) },
      ),
    )
  const tasks: (() => Promise<{ year: number | undefined; rows: object[] }>)[] = []
  if (mode.alsoUnfiltered) tasks.push(async () => ({ year: undefined, rows: await list({ ...mode.params }) }))
  for (let year = first; year <= last; year++) {
    tasks.push(async () => ({
      year,
      rows: await list({ ...mode.params, ...yearParams(mode.param, year) }),
    }))
  }
  let done = 0
  for await (const { year, rows } of orderedParallel(tasks, source.lookahead)) {
    ctx.emit({ type: 'page', resource: e.name, page: ++done, rows: rows.length, totalPages: tasks.length })
    if (mode.stampYear && year !== undefined)
      for (const row of rows as Record<string, unknown>[]) row.year = year
    if (rows.length > 0) yield rows
  }
}
