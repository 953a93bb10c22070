import type { EntryRow } from './account-entries.ts'
import type { Row } from './account-master.ts'
import { ENTRY_TEXTS } from './account-names.ts'
import { type ClockodoAccount, SimulatedAccount } from './clockodo-account.ts'
import { dayOf } from './mock-calendar.ts'
import { Rng } from './mock-random.ts'
import { CLOCKODO_RATE_LIMITS, RateLimiter, type RateLimits } from './mock-rate-limit.ts'

/** Credentials the simulated account accepts by default. */
export const DEFAULT_CREDENTIALS: { user: string; apiKey: string } = {
  user: 'demo@sluice.dev',
  apiKey: 'demo-api-key-0000',
}

/** Faults to inject; every rate is a share in [0, 1], drawn from a seeded random sequence (one draw set per request). */
export interface MockFaults {
  /** Delay every response by this many milliseconds. */
  latencyMs?: number
  /** Share of requests answered with 500. */
  errorRate?: number
  /** Share of requests whose connection is reset (msw: network error; server: socket destroyed). */
  resetRate?: number
  /** Share of 200 answers whose JSON body is cut in half (server: connection closed before Content-Length bytes). */
  truncateRate?: number
  /** In every block of `every` requests the last `count` are answered 429 with Retry-After (default 1 s). */
  burst429?: { every: number; count: number; retryAfterSeconds?: number }
  /** Delay of a slow response (meant to exceed a client's timeout). */
  slowMs?: number
  /** Share of requests answered after slowMs. */
  slowRate?: number
  /** Seed of the fault sequence. Default 1. */
  seed?: number
}

/** Behaviour of the simulated API. */
export interface MockOptions {
  /** Accepted credentials. Default {@link DEFAULT_CREDENTIALS}. */
  credentials?: { user: string; apiKey: string }
  /** Fault injection. Default none. */
  faults?: MockFaults
  /** true (default) = Clockodo's real per-user limits; false = none; an object overrides single limits. */
  rateLimits?: boolean | Partial<RateLimits>
  /** Answer a repeated URL (+ credentials) from the stored bytes of its first 200 answer (for benchmarks). Default false. */
  cache?: boolean
  /** Clock for rate-limit windows (epoch ms). Default Date.now (so vi.useFakeTimers works too). */
  now?: () => number
  /** Routes (e.g. '/v4/absences') the key has no rights for: they answer 403 with the GeneralErrors body. */
  forbidden?: readonly string[]
}

/** A request as the core sees it. */
export interface MockRequest {
  method: string
  /** Path below the API base, e.g. '/v2/entries' (case preserved). */
  route: string
  searchParams: URLSearchParams
  header(name: string): string | null
}

/** What to answer. */
export interface MockResult {
  status: number
  headers: Record<string, string>
  body: string | Uint8Array
  /** 'reset': drop the connection; 'truncate': send only part of the body. */
  fault?: 'reset' | 'truncate'
  /** Wait this long before answering. */
  delayMs: number
}

type Handler = (req: MockRequest, ctx: Ctx) => MockResult

interface Ctx {
  account: SimulatedAccount
  user: string
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

function json(status: number, body: unknown, extra: Record<string, string> = {}): MockResult {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body), delayMs: 0 }
}

/** v3/v4-style error body (GeneralErrors). */
function generalError(status: number, type: string, message: string, path: string | null = null): MockResult {
  return json(status, { errors: [{ type, message, details: null, path }] })
}

/** v2-style error body (SimpleErrorResponses). */
function simpleError(status: number, message: string, fields: string[]): MockResult {
  return json(status, { error: { code: status, message, fields } })
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

function intParam(
  req: MockRequest,
  name: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw new BadRequest(`${name} must be an integer`, name)
  const n = Number(raw)
  if (opts.min !== undefined && n < opts.min)
    throw new BadRequest(`${name} must be at least ${opts.min}`, name)
  if (opts.max !== undefined && n > opts.max)
    throw new BadRequest(`${name} must be at most ${opts.max}`, name)
  return n
}

/** Integer list from `name`, `name[]` or a comma list; undefined when absent. */
function idsParam(req: MockRequest, name: string): number[] | undefined {
  const values = [...req.searchParams.getAll(name), ...req.searchParams.getAll(name + '[]')]
  if (values.length === 0 || values.every((v) => v === '')) return undefined
  const out: number[] = []
  for (const v of values) {
    for (const part of v.split(',')) {
      if (part === '') continue
      if (!/^\d+$/.test(part)) throw new BadRequest(`${name} must be an integer or a list of integers`, name)
      out.push(Number(part))
    }
  }
  return out
}

function boolParam(req: MockRequest, name: string): boolean | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  if (raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new BadRequest(`${name} must be a boolean`, name)
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/

function dateTimeParam(req: MockRequest, name: string, required: boolean): number | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') {
    if (required) throw new BadRequest(`Parameter ${name} is required`, name)
    return undefined
  }
  const ms = Date.parse(raw)
  if (!ISO_RE.test(raw) || Number.isNaN(ms))
    throw new BadRequest(`Wrong format for ${name}: ISO 8601 date-time expected`, name)
  return ms
}

function dateParam(req: MockRequest, name: string, required: boolean): number | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') {
    if (required) throw new BadRequest(`Parameter ${name} is required`, name)
    return undefined
  }
  if (!DATE_RE.test(raw) || Number.isNaN(Date.parse(raw)))
    throw new BadRequest(`Wrong format for ${name}: YYYY-MM-DD expected`, name)
  return dayOf(raw)
}

/** Reads `page`/`items_per_page`; over the maximum (or below 1) is a 400, as the spec's `maximum` says. */
function paging(req: MockRequest, max: number, fallback: number): { page: number; ipp: number } {
  const page = intParam(req, 'page', { min: 1 }) ?? 1
  const ipp = intParam(req, 'items_per_page', { min: 1, max }) ?? fallback
  return { page, ipp }
}

function pagingBlock(count: number, page: number, ipp: number) {
  return { items_per_page: ipp, current_page: page, count_pages: Math.ceil(count / ipp), count_items: count }
}

/** Builds a paged envelope with one JSON.stringify. */
function pagedList<T>(
  req: MockRequest,
  key: string,
  rows: readonly T[],
  max: number,
  fallback = Math.min(1000, max),
): MockResult {
  const { page, ipp } = paging(req, max, fallback)
  const from = (page - 1) * ipp
  return json(200, { paging: pagingBlock(rows.length, page, ipp), [key]: rows.slice(from, from + ipp) })
}

const fulltext = (req: MockRequest, row: Row, fields: string[] = ['name']): boolean => {
  const term = req.searchParams.get('filter[fulltext]')
  if (!term) return true
  const t = term.toLowerCase()
  return fields.some((f) => typeof row[f] === 'string' && (row[f] as string).toLowerCase().includes(t))
}

const boolFilter = (req: MockRequest, row: Row, name: string): boolean => {
  const v = boolParam(req, `filter[${name}]`)
  return v === undefined || row[name] === v
}

const idFilter = (req: MockRequest, row: Row, param: string, field: string = param): boolean => {
  const ids = idsParam(req, param)
  return ids === undefined || ids.includes(row[field] as number)
}

/** users_id or filter[users_id], year or filter[year] (API.md: both spellings occur). */
const either = (req: MockRequest, name: string): string =>
  req.searchParams.has(name) ? name : `filter[${name}]`

/** Adds the enhanced_list fields; object literals per type keep shapes monomorphic (spreading was 10x slower). */
function enhance(e: EntryRow, account: SimulatedAccount): Record<string, unknown> {
  const n = account.names()
  const customers_name = (n.customers!.get(e.customers_id)?.name as string | undefined) ?? ''
  const projects_name =
    e.projects_id === null ? null : ((n.projects!.get(e.projects_id)?.name as string | undefined) ?? null)
  const subprojects_name =
    e.subprojects_id === null
      ? null
      : ((n.subprojects!.get(e.subprojects_id)?.name as string | undefined) ?? null)
  const users_name = (n.users!.get(e.users_id)?.name as string | undefined) ?? ''
  const services_name = e.services_id
    ? ((n.services!.get(e.services_id)?.name as string | undefined) ?? '')
    : ''
  if (e.type === 1) {
    const rate = e.services_id ? account.layout.rateOf(e.services_id) : 0
    return {
      id: e.id,
      customers_id: e.customers_id,
      projects_id: e.projects_id,
      subprojects_id: e.subprojects_id,
      users_id: e.users_id,
      billable: e.billable,
      texts_id: e.texts_id,
      text: e.text,
      time_since: e.time_since,
      time_until: e.time_until,
      time_insert: e.time_insert,
      time_last_change: e.time_last_change,
      test_data: e.test_data,
      type: e.type,
      services_id: e.services_id ?? null,
      duration: e.duration ?? null,
      time_last_change_work_time: e.time_last_change_work_time,
      time_clocked_since: e.time_clocked_since ?? null,
      clocked: e.clocked ?? false,
      clocked_offline: e.clocked_offline ?? false,
      customers_name,
      projects_name,
      subprojects_name,
      users_name,
      services_name,
      hourly_rate: rate,
      revenue: e.billable === 0 ? 0 : Math.round(((e.duration ?? 0) / 3600) * rate * 100) / 100,
    }
  }
  if (e.type === 2) {
    return {
      id: e.id,
      customers_id: e.customers_id,
      projects_id: e.projects_id,
      subprojects_id: e.subprojects_id,
      users_id: e.users_id,
      billable: e.billable,
      texts_id: e.texts_id,
      text: e.text,
      time_since: e.time_since,
      time_until: e.time_until,
      time_insert: e.time_insert,
      time_last_change: e.time_last_change,
      test_data: e.test_data,
      type: e.type,
      services_id: e.services_id ?? null,
      lumpsum: e.lumpsum ?? 0,
      customers_name,
      projects_name,
      subprojects_name,
      users_name,
      services_name,
      revenue: e.lumpsum ?? 0,
    }
  }
  const price = e.lumpsum_services_id
    ? ((n.lumpsum_services!.get(e.lumpsum_services_id)?.price as number | undefined) ?? 0)
    : 0
  return {
    id: e.id,
    customers_id: e.customers_id,
    projects_id: e.projects_id,
    subprojects_id: e.subprojects_id,
    users_id: e.users_id,
    billable: e.billable,
    texts_id: e.texts_id,
    text: e.text,
    time_since: e.time_since,
    time_until: e.time_until,
    time_insert: e.time_insert,
    time_last_change: e.time_last_change,
    test_data: e.test_data,
    type: e.type,
    lumpsum_services_id: e.lumpsum_services_id ?? null,
    lumpsum_services_amount: e.lumpsum_services_amount ?? 0,
    customers_name,
    projects_name,
    subprojects_name,
    users_name,
    lumpsum_services_price: price,
    revenue: Math.round((e.lumpsum_services_amount ?? 0) * price * 100) / 100,
  }
}

function entryPredicate(req: MockRequest): ((e: EntryRow) => boolean) | undefined {
  const checks: ((e: EntryRow) => boolean)[] = []
  for (const f of [
    'customers_id',
    'projects_id',
    'subprojects_id',
    'services_id',
    'lumpsum_services_id',
    'texts_id',
  ] as const) {
    const ids = idsParam(req, `filter[${f}]`)
    if (ids) checks.push((e) => ids.includes(e[f] as number))
  }
  const billable = intParam(req, 'filter[billable]')
  if (billable !== undefined) {
    if (![0, 1, 2, 12].includes(billable))
      throw new BadRequest('filter[billable] must be 0, 1, 2 or 12', 'filter[billable]')
    checks.push(
      billable === 12 ? (e) => e.billable === 1 || e.billable === 2 : (e) => e.billable === billable,
    )
  }
  const text = req.searchParams.get('filter[text]')
  if (text) checks.push((e) => e.text?.toLowerCase().includes(text.toLowerCase()) === true)
  if (checks.length === 0) return undefined
  return (e) => checks.every((c) => c(e))
}

function entriesWindow(req: MockRequest): { since: number; until: number } {
  const since = dateTimeParam(req, 'time_since', true)!
  const until = dateTimeParam(req, 'time_until', true)!
  if (until < since) throw new BadRequest('time_until must not be before time_since', 'time_until')
  return { since, until }
}

const entries: Handler = (req, { account }) => {
  try {
    const { since, until } = entriesWindow(req)
    const { page, ipp } = paging(req, 1000, 1000)
    const usersIds = idsParam(req, 'filter[users_id]')
    const predicate = entryPredicate(req)
    const enhanced = boolParam(req, 'enhanced_list') === true
    const list = account.queryEntries(since, until, { usersIds, predicate })
    const from = (page - 1) * ipp
    const to = Math.min(list.count, from + ipp)
    const rows: unknown[] = []
    for (let i = from; i < to; i++) {
      const e = list.at(i)
      rows.push(enhanced ? enhance(e, account) : e)
    }
    return json(200, { paging: pagingBlock(list.count, page, ipp), entries: rows })
  } catch (err) {
    if (err instanceof BadRequest) return simpleError(400, err.message, [err.field])
    throw err
  }
}

const entryGroups: Handler = (req, { account }) => {
  try {
    if (req.searchParams.has('grouping') && !req.searchParams.has('grouping[]'))
      throw new BadRequest('Array expected.', 'grouping')
    const grouping = req.searchParams.getAll('grouping[]')
    if (grouping.length === 0) throw new BadRequest('Parameter grouping is required', 'grouping')
    const allowed = [
      'customers_id',
      'projects_id',
      'subprojects_id',
      'services_id',
      'users_id',
      'lumpsum_services_id',
      'texts_id',
      'billable',
    ]
    for (const g of grouping)
      if (!allowed.includes(g)) throw new BadRequest(`Unsupported grouping ${g}`, 'grouping')
    const { since, until } = entriesWindow(req)
    const list = account.queryEntries(since, until, {
      usersIds: idsParam(req, 'filter[users_id]'),
      predicate: entryPredicate(req),
    })
    const items: EntryRow[] = []
    for (let i = 0; i < list.count; i++) items.push(list.at(i))
    const names = account.names()
    const nameOf = (key: string, value: unknown): string => {
      const table = key.replace(/_id$/, '')
      const row = names[
        table === 'lumpsum_services' ? 'lumpsum_services' : table + (table.endsWith('s') ? '' : 's')
      ]?.get(value as number)
      return (row?.name as string | undefined) ?? String(value ?? '')
    }
    const group = (rows: EntryRow[], level: number): Row[] => {
      const key = grouping[level]!
      const buckets = new Map<string, EntryRow[]>()
      for (const r of rows) {
        const v = String((r as unknown as Record<string, unknown>)[key] ?? 0)
        const b = buckets.get(v) ?? []
        b.push(r)
        buckets.set(v, b)
      }
      return [...buckets].map(([value, rs]) => {
        const duration = rs.reduce((s, r) => s + (r.type === 1 ? (r.duration ?? 0) : 0), 0)
        const revenue = rs.reduce((s, r) => s + ((enhance(r, account).revenue as number) ?? 0), 0)
        return {
          group: value,
          name: nameOf(key, value === '0' ? null : Number(value)),
          duration,
          // the spec's oneOf (NoRestriction = {} matches anything) only accepts a non-object here: PHP's empty array
          restrictions: [],
          revenue: Math.round(revenue),
          has_budget_revenues_billed: false,
          has_budget_revenues_not_billed: false,
          has_non_budget_revenues_billed: rs.some((r) => r.billable === 2),
          has_non_budget_revenues_not_billed: rs.some((r) => r.billable === 1),
          budget_used: false,
          hourly_rate: duration > 0 ? Math.round((revenue / (duration / 3600)) * 100) / 100 : null,
          hourly_rate_is_equal_and_has_no_lumpsums: false,
          sub_groups: level + 1 < grouping.length ? group(rs, level + 1) : null,
          grouped_by: key,
        }
      })
    }
    return json(200, { groups: group(items, 0) })
  } catch (err) {
    if (err instanceof BadRequest) return simpleError(400, err.message, [err.field])
    throw err
  }
}

/** Wraps a GeneralErrors-style handler so BadRequest becomes a 400 GeneralErrors body. */
const general =
  (fn: Handler): Handler =>
  (req, ctx) => {
    try {
      return fn(req, ctx)
    } catch (err) {
      if (err instanceof BadRequest) return generalError(400, 'validation', err.message, err.field)
      throw err
    }
  }

const ROUTES: Record<string, Handler> = {
  '/v2/entries': entries,
  '/v2/entrygroups': entryGroups,
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
  '/v3/entriesTexts': general((req) => {
    const mode = req.searchParams.get('mode')
    if (!mode || !['add', 'edit', 'reports'].includes(mode))
      throw new BadRequest('Parameter mode must be add, edit or reports', 'mode')
    const items = intParam(req, 'items', { min: 1, max: 800 }) ?? 20
    const term = (req.searchParams.get('term') ?? '').toLowerCase()
    const data = ENTRY_TEXTS.map((t, i) => ({ id: i + 1, label: t, value: t }))
      .filter((t) => t.label.toLowerCase().includes(term))
      .slice(0, items)
    return json(200, { data })
  }),
  '/v4/projects/reports': general((req, { account }) => projectReports(req, account)),
  '/v3/projects/reports': general((req, { account }) => projectReports(req, account)),
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

/** Current list routes (relative to the API base), in registration order; ':id' marks a path parameter. */
export const CURRENT_ROUTES: readonly string[] = [
  ...Object.keys(ROUTES),
  '/v2/users/:id/access/customers-projects',
  '/v2/users/:id/access/services',
]

/** Retired routes: they answer 410 Gone (plus every path under /v1/). */
export const RETIRED_ROUTES: readonly string[] = [
  '/customers',
  '/v2/customers',
  '/projects',
  '/v2/projects',
  '/services',
  '/v2/services',
  '/v3/services',
  '/lumpsumservices',
  '/v2/lumpsumservices',
  '/v2/lumpSumServices',
  '/v3/lumpSumServices',
  '/users',
  '/v2/users',
  '/teams',
  '/v2/teams',
  '/absences',
  '/v2/absences',
  '/v3/absences',
  '/entries',
  '/v2/entriesTexts',
  '/holidaysquota',
  '/holidayscarry',
  '/overtimecarry',
  '/nonbusinessdays',
  '/nonbusinessgroups',
  '/users/me',
  '/v2/users/me',
  '/aggregates/users/me',
  '/v2/aggregates/users/me',
  '/v2/customers/countProjects',
  '/v3/lumpsumservices',
]
const RETIRED = new Set(RETIRED_ROUTES)

/** Per-handler-set state: credentials, rate limits, faults, cache. */
export class MockCore {
  readonly account: SimulatedAccount
  private readonly credentials: { user: string; apiKey: string }
  private readonly limiter: RateLimiter | undefined
  private readonly faults: MockFaults
  private readonly forbidden: ReadonlySet<string>
  private readonly rng: Rng
  private requestCount = 0
  private readonly cache: Map<string, Uint8Array> | undefined
  private readonly encoder = new TextEncoder()

  constructor(account: ClockodoAccount, options: MockOptions = {}) {
    if (!(account instanceof SimulatedAccount))
      throw new Error('clockodoHandlers needs an account made by createClockodoAccount()')
    this.account = account
    this.credentials = options.credentials ?? DEFAULT_CREDENTIALS
    const rl = options.rateLimits ?? true
    this.limiter =
      rl === false
        ? undefined
        : new RateLimiter(
            { ...CLOCKODO_RATE_LIMITS, ...(rl === true ? {} : rl) },
            options.now ?? (() => Date.now()),
          )
    this.faults = options.faults ?? {}
    this.forbidden = new Set(options.forbidden ?? [])
    this.rng = new Rng(this.faults.seed ?? 1)
    this.cache = options.cache ? new Map() : undefined
  }

  /** Answers one request (never throws). */
  handle(req: MockRequest): MockResult {
    const f = this.faults
    const n = ++this.requestCount
    // one fixed set of draws per request keeps the fault sequence reproducible whatever the options
    const rReset = this.rng.next()
    const rError = this.rng.next()
    const rTruncate = this.rng.next()
    const rSlow = this.rng.next()
    let delayMs = f.latencyMs ?? 0
    if (f.slowMs && rSlow < (f.slowRate ?? 0)) delayMs += f.slowMs
    const withDelay = (r: MockResult): MockResult => ({ ...r, delayMs: r.delayMs + delayMs })
    if (rReset < (f.resetRate ?? 0)) return { status: 0, headers: {}, body: '', fault: 'reset', delayMs }
    if (rError < (f.errorRate ?? 0))
      return withDelay(generalError(500, 'server', 'Internal server error (injected fault)'))
    if (f.burst429 && f.burst429.every > 0) {
      const p = (n - 1) % f.burst429.every
      if (p >= f.burst429.every - f.burst429.count) {
        const retry = String(f.burst429.retryAfterSeconds ?? 1)
        return withDelay(
          json(
            429,
            { errors: [{ type: 'rate_limit', message: 'Too many requests', details: null, path: null }] },
            { 'retry-after': retry },
          ),
        )
      }
    }
    const app = req.header('x-clockodo-external-application')
    if (!app || app.length > 50) {
      return withDelay(
        generalError(
          400,
          'validation',
          'Header X-Clockodo-External-Application is required: "<application or company name>;<contact e-mail>", at most 50 characters',
          'X-Clockodo-External-Application',
        ),
      )
    }
    const user = this.authenticate(req)
    if (user === undefined) return withDelay(generalError(401, 'authentication', 'Authentication failed'))
    const access = ACCESS_RE.exec(req.route)
    const handler: Handler | undefined = Object.hasOwn(ROUTES, req.route)
      ? ROUTES[req.route]
      : access
        ? (_r, ctx) => userAccess(ctx.account, Number(access[1]), access[2]!)
        : undefined
    if (!handler) {
      if (RETIRED.has(req.route) || req.route.startsWith('/v1/')) {
        return withDelay(
          generalError(
            410,
            'gone',
            `The endpoint ${req.route} was retired on 2026-05-01; use its current version`,
          ),
        )
      }
      return withDelay(generalError(404, 'not_found', `No route ${req.route} (paths are case-sensitive)`))
    }
    if (this.forbidden.has(req.route)) {
      return withDelay(generalError(403, 'authorization', `The user has no rights to access ${req.route}`))
    }
    if (req.method !== 'GET')
      return withDelay(
        generalError(405, 'method_not_allowed', `The simulated account only serves GET ${req.route}`),
      )
    if (this.limiter) {
      const enhanced =
        req.route === '/v2/entries' && /^(1|true)$/.test(req.searchParams.get('enhanced_list') ?? '')
      const retry = this.limiter.take(user, enhanced)
      if (retry !== undefined) {
        return withDelay(
          json(
            429,
            { errors: [{ type: 'rate_limit', message: 'Too many requests', details: null, path: null }] },
            { 'retry-after': String(retry) },
          ),
        )
      }
    }
    const truncate = rTruncate < (f.truncateRate ?? 0)
    const key = this.cache
      ? `${this.account.mutationVersion}\u0000${user}\u0000${req.route}?${req.searchParams.toString()}`
      : ''
    const cached = this.cache?.get(key)
    if (cached)
      return {
        status: 200,
        headers: { ...JSON_HEADERS },
        body: cached,
        delayMs,
        ...(truncate ? { fault: 'truncate' as const } : {}),
      }
    let result: MockResult
    try {
      result = handler(req, { account: this.account, user })
    } catch (err) {
      result = generalError(500, 'server', `Simulated account failed: ${(err as Error).message}`)
    }
    if (this.cache && result.status === 200) {
      const bytes = typeof result.body === 'string' ? this.encoder.encode(result.body) : result.body
      this.cache.set(key, bytes)
      result = { ...result, body: bytes }
    }
    if (truncate && result.status === 200) result = { ...result, fault: 'truncate' }
    return withDelay(result)
  }

  private authenticate(req: MockRequest): string | undefined {
    const c = this.credentials
    const hUser = req.header('x-clockodoapiuser')
    const hKey = req.header('x-clockodoapikey')
    if (hUser !== null || hKey !== null) return hUser === c.user && hKey === c.apiKey ? hUser : undefined
    const auth = req.header('authorization')
    if (auth && /^basic /i.test(auth)) {
      let decoded = ''
      try {
        decoded = new TextDecoder().decode(
          Uint8Array.from(atob(auth.slice(6).trim()), (ch) => ch.charCodeAt(0)),
        )
      } catch {
        return undefined
      }
      const i = decoded.indexOf(':')
      if (i > 0 && decoded.slice(0, i) === c.user && decoded.slice(i + 1) === c.apiKey) return c.user
    }
    return undefined
  }
}

/** Cuts a body for the 'truncate' fault (half of it, so the JSON is never complete). */
export function truncated(body: string | Uint8Array): Uint8Array {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  return bytes.subarray(0, Math.floor(bytes.length / 2))
}
