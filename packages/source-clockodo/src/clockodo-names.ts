import type { HttpClient, ResourceContext } from '@sluice/core'
import { collectPages, fetchPages } from './clockodo-pages.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'

/** The master lists whose names (and lump-sum prices) an enhanced entries list adds to each entry. */
const NAME_LISTS = [
  { key: 'customers', path: '/v3/customers', dataKeys: ['data', 'customers'], pageSize: 5000 },
  { key: 'projects', path: '/v4/projects', dataKeys: ['data', 'projects'], pageSize: 5000 },
  { key: 'subprojects', path: '/v3/subprojects', dataKeys: ['data', 'subprojects'], pageSize: 5000 },
  { key: 'services', path: '/v4/services', dataKeys: ['data', 'services'], pageSize: 5000 },
  {
    key: 'lumpsum_services',
    path: '/v4/lumpSumServices',
    dataKeys: ['data', 'lumpSumServices'],
    pageSize: 5000,
  },
] as const

/** Requests {@link loadEntryNames} makes for an account of common size: one per master list, and the users. */
export const NAME_REQUESTS: number = NAME_LISTS.length + 1

type Row = Record<string, unknown>

/**
 * Fills the columns an enhanced entries list adds from master data (`customers_name`, `projects_name`,
 * `subprojects_name`, `users_name`, `services_name`, and `lumpsum_services_price` on lump-sum service entries),
 * with the values Clockodo gives there: `''` for a customer, user or service it does not know, `null` for a
 * missing project or subproject. Fields already on the row stay. `revenue`, `hourly_rate` (and `text` where
 * a plain list leaves it out) cannot be derived and stay missing.
 */
export interface EntryNames {
  fill(row: Row): void
}

function byId(rows: readonly object[]): Map<unknown, Row> {
  const map = new Map<unknown, Row>()
  for (const r of rows as Row[]) map.set(r.id, r)
  return map
}

function nameOf(map: Map<unknown, Row>, id: unknown): string | undefined {
  const name = map.get(id)?.name
  return typeof name === 'string' ? name : undefined
}

/** Builds {@link EntryNames} from the master lists (one request each for most accounts) and the users list of the run. */
export async function loadEntryNames(
  source: ClockodoSourceContext,
  client: HttpClient,
  ctx: ResourceContext,
  resource: string,
): Promise<EntryNames> {
  const [users, ...lists] = await Promise.all([
    source.history.users(client, ctx, resource, false),
    ...NAME_LISTS.map((l) =>
      collectPages(
        fetchPages(
          client,
          { resource, path: l.path, params: {}, pageSize: l.pageSize, dataKeys: l.dataKeys },
          { signal: ctx.signal, lookahead: source.lookahead, warn: (message) => ctx.warn(message) },
        ),
      ),
    ),
  ])
  const [customers, projects, subprojects, services, lumpsum] = lists.map(byId) as [
    Map<unknown, Row>,
    Map<unknown, Row>,
    Map<unknown, Row>,
    Map<unknown, Row>,
    Map<unknown, Row>,
  ]
  const usersById = byId(users ?? [])
  return {
    fill(row) {
      if (row.customers_name === undefined) row.customers_name = nameOf(customers, row.customers_id) ?? ''
      if (row.projects_name === undefined)
        row.projects_name =
          row.projects_id === null || row.projects_id === undefined
            ? null
            : (nameOf(projects, row.projects_id) ?? null)
      if (row.subprojects_name === undefined)
        row.subprojects_name =
          row.subprojects_id === null || row.subprojects_id === undefined
            ? null
            : (nameOf(subprojects, row.subprojects_id) ?? null)
      if (row.users_name === undefined) row.users_name = nameOf(usersById, row.users_id) ?? ''
      if (row.type === 3) {
        if (row.lumpsum_services_price === undefined) {
          const price = lumpsum.get(row.lumpsum_services_id)?.price
          row.lumpsum_services_price = typeof price === 'number' ? price : 0
        }
      } else if (row.services_name === undefined) {
        row.services_name = row.services_id ? (nameOf(services, row.services_id) ?? '') : ''
      }
    },
  }
}
