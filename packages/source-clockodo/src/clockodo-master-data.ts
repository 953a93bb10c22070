import type { ResourceContext } from '@sluice/core'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import { fetchPages } from './clockodo-pages.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'

/**
 * Reads a plain list (customers, projects, users ... every endpoint of mode `list`) page by page, replaced each
 * run. Project reports without a subproject get `subprojects_id` 0, since it is part of their key.
 */
export async function* readMasterData(
  e: ClockodoEndpoint,
  source: ClockodoSourceContext,
  ctx: ResourceContext,
): AsyncGenerator<object[]> {
  const pages = fetchPages(
    source.client(ctx),
    { resource: e.name, path: e.path, params: {}, pageSize: e.pageSize, dataKeys: e.dataKeys },
    {
      signal: ctx.signal,
      lookahead: source.lookahead,
      warn: (message) => ctx.warn(message),
      onPage: (page, rows, totalPages) =>
        ctx.emit({ type: 'page', resource: e.name, page, rows, ...(totalPages ? { totalPages } : {}) }),
    },
  )
  if (e.name === 'project_reports') {
    for await (const page of pages) {
      for (const row of page as Record<string, unknown>[]) {
        if (row.subprojects_id === undefined || row.subprojects_id === null) row.subprojects_id = 0
      }
      yield page
    }
    return
  }
  yield* pages
}
