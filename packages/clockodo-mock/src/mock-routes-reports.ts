import type { SimulatedAccount } from './clockodo-account.ts'
import {
  BadRequest,
  boolParam,
  dateParam,
  fulltext,
  idsParam,
  intParam,
  type MockRequest,
} from './mock-params.ts'
import { general, json, type MockResult, pagedList, type RouteTable } from './mock-responses.ts'

/**
 * Tables the account derives from its entries and master data: user reports, work times, project reports.
 * Parameter errors answer in the v3/v4 style (GeneralErrors).
 */
export const REPORT_ROUTES: RouteTable = {
  '/userreports': general((req, { account }) => {
    const year = intParam(req, 'year', { min: 1910, max: 2037 })
    if (year === undefined) throw new BadRequest('Parameter year is required', 'year')
    const type = intParam(req, 'type', { min: 0, max: 4 }) ?? 0
    const ids = idsParam(req, 'users_id')
    const inSpan = account.years.includes(year)
    return json(200, {
      userreports: inSpan
        ? account.userReports(year, type).filter((r) => !ids || ids.includes(r.users_id as number))
        : [],
    })
  }),
  '/v2/workTimes': general((req, { account }) => {
    const usersId = intParam(req, 'users_id')
    if (usersId === undefined) throw new BadRequest('Parameter users_id is required', 'users_id')
    const from = dateParam(req, 'date_since', true)!
    const to = dateParam(req, 'date_until', true)!
    if (to < from) throw new BadRequest('date_until must not be before date_since', 'date_until')
    const rows = account.workTimes(usersId, from, to)
    return json(200, {
      paging: {
        items_per_page: Math.max(1000, rows.length),
        current_page: 1,
        count_pages: rows.length > 0 ? 1 : 0,
        count_items: rows.length,
      },
      work_time_days: rows,
    })
  }),
  '/v4/projects/reports': general((req, { account }) => projectReports(req, account)),
  '/v3/projects/reports': general((req, { account }) => projectReports(req, account)),
}

function projectReports(req: MockRequest, account: SimulatedAccount): MockResult {
  const active = boolParam(req, 'filter[active]')
  const projects = account.names().projects!
  const rows = account
    .projectReports()
    .filter(
      (r) =>
        (active === undefined || projects.get(r.projects_id as number)?.active === active) &&
        fulltext(req, r, ['projects_name', 'customers_name']),
    )
  return pagedList(req, 'data', rows, 250, 250)
}
