import type { Row } from './account-master.ts'
import type { SimulatedAccount } from './clockodo-account.ts'
import { dayOf } from './mock-calendar.ts'
import {
  boolFilter,
  boolParam,
  dateParam,
  either,
  fulltext,
  idFilter,
  idsParam,
  intParam,
  type MockRequest,
} from './mock-params.ts'
import { Rng } from './mock-random.ts'
import {
  general,
  generalError,
  type Handler,
  json,
  type MockResult,
  pagedList,
  type RouteTable,
} from './mock-responses.ts'

/**
 * Master data and per-user records kept in the account: customers, projects, services, users, teams, absences,
 * holidays, overtime, nonbusiness calendars, target hours, work-time change requests, access groups, surcharge
 * models. Parameter errors answer in the v3/v4 style (GeneralErrors).
 */
export const MASTER_ROUTES: RouteTable = {
  '/v3/customers': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.customers.filter(
        (r) => boolFilter(req, r, 'active') && fulltext(req, r, ['name', 'number']),
      ),
      5000,
    ),
  ),
  '/v3/customers/countProjects': general((req, { account }) => {
    const ids = idsParam(req, 'customers_id')
    const rows = account.master.customers
      .filter((c) => !ids || ids.includes(c.id as number))
      .map((c) => {
        const ps = account.master.projects.filter((p) => p.customers_id === c.id)
        return {
          customers_id: c.id,
          active: ps.filter((p) => p.active).length,
          inactive: ps.filter((p) => !p.active).length,
        }
      })
    return pagedList(req, 'data', rows, 5000)
  }),
  '/v4/projects': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.projects.filter(
        (r) =>
          idFilter(req, r, 'filter[customers_id]', 'customers_id') &&
          boolFilter(req, r, 'active') &&
          boolFilter(req, r, 'completed') &&
          fulltext(req, r, ['name', 'number']),
      ),
      5000,
    ),
  ),
  '/v3/subprojects': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.subprojects.filter(
        (r) =>
          idFilter(req, r, 'filter[projects_id]', 'projects_id') &&
          boolFilter(req, r, 'active') &&
          boolFilter(req, r, 'completed') &&
          fulltext(req, r, ['name', 'number']),
      ),
      5000,
    ),
  ),
  '/v4/services': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.services.filter(
        (r) => boolFilter(req, r, 'active') && fulltext(req, r, ['name', 'number']),
      ),
      5000,
    ),
  ),
  '/v4/lumpSumServices': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.lumpsum_services.filter(
        (r) => boolFilter(req, r, 'active') && fulltext(req, r, ['name', 'number']),
      ),
      5000,
    ),
  ),
  '/v3/users': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.users.filter(
        (r) =>
          boolFilter(req, r, 'active') &&
          idFilter(req, r, 'filter[teams_id]', 'teams_id') &&
          fulltext(req, r, ['name', 'email', 'number']),
      ),
      1000,
    ),
  ),
  '/v3/teams': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.teams.filter((r) => fulltext(req, r)),
      1000,
    ),
  ),
  '/v4/absences': general((req, { account }) => {
    const year = intParam(req, 'filter[year]', { min: 2000, max: 2037 })
    const teamIds = idsParam(req, 'filter[teams_id]')
    const usersActive = boolParam(req, 'filter[users_active]')
    const users = account.names().users!
    const rows = account.master.absences.filter(
      (r) =>
        (year === undefined || (r.date_since as string).startsWith(String(year))) &&
        idFilter(req, r, 'filter[users_id]', 'users_id') &&
        idFilter(req, r, 'filter[status]', 'status') &&
        idFilter(req, r, 'filter[type]', 'type') &&
        (!teamIds || teamIds.includes(users.get(r.users_id as number)?.teams_id as number)) &&
        (usersActive === undefined || users.get(r.users_id as number)?.active === usersActive),
    )
    return json(200, { data: rows })
  }),
  '/v2/holidaysQuota': general((req, { account }) => {
    const year = intParam(req, either(req, 'year'), { min: 2000, max: 2037 })
    const rows = account.master.holidays_quota.filter(
      (r) =>
        idFilter(req, r, either(req, 'users_id'), 'users_id') &&
        (year === undefined ||
          ((r.year_since as number) <= year && (r.year_until === null || (r.year_until as number) >= year))),
    )
    return json(200, { data: rows })
  }),
  '/v3/holidaysCarry': general((req, { account }) => byUserYear(req, account.master.holidays_carry)),
  '/v3/overtimeCarry': general((req, { account }) => byUserYear(req, account.master.overtime_carry)),
  '/v3/overtimeReductions': general((req, { account }) =>
    json(200, {
      data: account.master.overtime_reductions.filter((r) =>
        idFilter(req, r, either(req, 'users_id'), 'users_id'),
      ),
    }),
  ),
  '/v2/nonbusinessGroups': general((_req, { account }) =>
    json(200, { data: account.master.nonbusiness_groups }),
  ),
  '/v2/nonbusinessDays': general((req, { account }) => {
    const year = intParam(req, 'year', { min: 2000, max: 2037 }) ?? Number(account.today.slice(0, 4))
    const groups = idsParam(req, 'nonbusiness_group_id')
    return json(200, {
      data: account
        .nonbusinessDays(year)
        .filter((d) => !groups || groups.includes(d.nonbusiness_group_id as number)),
    })
  }),
  '/v2/usersNonbusinessDays': general((req, { account }) => {
    const year = intParam(req, 'year', { min: 2000, max: 2037 }) ?? Number(account.today.slice(0, 4))
    const ids = idsParam(req, 'filter[users_id]')
    return pagedList(
      req,
      'data',
      account.usersNonbusinessDays(year).filter((r) => !ids || ids.includes(r.users_id as number)),
      100,
      50,
    )
  }),
  '/v3/usersNonbusinessGroups': general((req, { account }) =>
    pagedList(
      req,
      'data',
      account.master.users_nonbusiness_groups.filter(
        (r) =>
          idFilter(req, r, 'filter[users_id]', 'users_id') &&
          idFilter(req, r, 'filter[nonbusiness_groups_id]', 'nonbusiness_groups_id'),
      ),
      1000,
    ),
  ),
  '/targethours': general((req, { account }) =>
    json(200, { targethours: account.master.target_hours.filter((r) => idFilter(req, r, 'users_id')) }),
  ),
  '/v2/workTimes/changeRequests': general((req, { account }) => {
    const from = dateParam(req, 'date_since', false)
    const to = dateParam(req, 'date_until', false)
    const teamIds = idsParam(req, 'teams_id')
    const users = account.names().users!
    const rows = account.master.work_time_change_requests.filter((r) => {
      const d = dayOf(r.date as string)
      return (
        (from === undefined || d >= from) &&
        (to === undefined || d <= to) &&
        idFilter(req, r, 'users_id') &&
        idFilter(req, r, 'status') &&
        (!teamIds || teamIds.includes(users.get(r.users_id as number)?.teams_id as number))
      )
    })
    return pagedList(req, 'change_requests', rows, 1000)
  }),
  '/v2/accessGroups': general((_req, { account }) => json(200, { data: account.master.access_groups })),
  '/v2/surchargeModels': general((_req, { account }) => json(200, { data: account.master.surcharge_models })),
}

function byUserYear(req: MockRequest, rows: Row[]): MockResult {
  const year = intParam(req, either(req, 'year'), { min: 2000, max: 2037 })
  return json(200, {
    data: rows.filter(
      (r) => idFilter(req, r, either(req, 'users_id'), 'users_id') && (year === undefined || r.year === year),
    ),
  })
}

const ACCESS_RE = /^\/v2\/users\/(\d+)\/access\/(customers-projects|services)$/

/**
 * Per-user access maps (not in the OpenAPI spec; shape from the SDK's models/access.ts): `{ add, report, edit }`, each
 * `true`/`false` or a map id -> true (customers may map to `{ "<projects_id>": true }`). Owners get `true` everywhere.
 */
function userAccess(account: SimulatedAccount, usersId: number, kind: string): MockResult {
  const user = account.names().users!.get(usersId)
  if (!user) return generalError(404, 'not_found', `No user ${usersId}`, 'id')
  if (user.role === 'owner') return json(200, { add: true, report: true, edit: true })
  const rng = new Rng(account.seed * 7919 + usersId)
  const pick = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    if (kind === 'services') {
      for (const s of account.master.services) if (rng.chance(0.6)) out[String(s.id)] = true
      return out
    }
    for (const c of account.master.customers) {
      if (!rng.chance(0.4)) continue
      const projects = account.master.projects.filter((p) => p.customers_id === c.id)
      if (projects.length > 0 && rng.chance(0.4)) {
        const map: Record<string, true> = {}
        for (const p of projects) if (rng.chance(0.6)) map[String(p.id)] = true
        out[String(c.id)] = Object.keys(map).length > 0 ? map : true
      } else out[String(c.id)] = true
    }
    return out
  }
  return json(200, {
    add: pick(),
    report: rng.chance(0.3) ? true : pick(),
    edit: rng.chance(0.5) ? false : pick(),
  })
}

/** The handler of a per-user access map route (`/v2/users/{id}/access/...`), or undefined for any other route. */
export function accessRoute(route: string): Handler | undefined {
  const access = ACCESS_RE.exec(route)
  return access ? (_r, ctx) => userAccess(ctx.account, Number(access[1]), access[2]!) : undefined
}
