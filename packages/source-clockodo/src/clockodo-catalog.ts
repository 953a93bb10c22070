import type { WriteDispositionConfig } from '@sluice/core'

/** How a resource is read. */
export type ClockodoReadMode =
  /** One list (paged when `pageSize` is set). */
  | { kind: 'list' }
  /** One list per year, from the first year of the account to `lastYear`. */
  | {
      kind: 'years'
      /** Query parameter that carries the year. */
      param: 'year' | 'filter[year]'
      /**
       * First year: the year of the history start (`startDate`, else the earliest user start date) for routes
       * that filter stored rows by year, or the year of the account's first entry for routes that compute a row
       * for any year asked (calendars, reports).
       */
      firstYear: 'history' | 'data'
      /** Last year: the year of the end date (future absences, holidays) or the current year (calendars, reports). */
      lastYear: 'end' | 'now'
      /** Also read the list once without a year (rows outside the swept years arrive too; deduped by id). */
      alsoUnfiltered?: boolean
      /** Stamp the requested year on every row as `year` (it is part of the key). */
      stampYear: boolean
      /** Extra fixed query parameters. */
      params?: Record<string, string>
    }
  /** Entries in time windows with lookback. */
  | { kind: 'entries' }
  /** Work times per user in 365-day windows from 2023-08-21, with lookback. */
  | { kind: 'work_times' }

/** One Clockodo list endpoint and how it becomes a table. */
export interface ClockodoEndpoint {
  /** Resource and table name. */
  name: string
  /** Current route (case-sensitive), relative to the base URL. */
  path: string
  /** Key of the row list in the response; alternatives (other envelopes) follow. */
  dataKeys: readonly string[]
  primaryKey: string | readonly string[]
  /**
   * Fields the API documents as numbers with fractions (money, hours, days; `a__b` is field `b` of object `a`):
   * their columns are `double` from the first row. Inferred from the values, a first whole value (`110.0` arrives
   * as 110) would make the column `bigint`, and every later fraction would go to a `<name>__v_double` variant
   * column. Columns that already exist keep their type. Default none.
   */
  doubles?: readonly string[]
  /** `items_per_page` to send (the endpoint's maximum); absent for routes without paging. */
  pageSize?: number
  /** Rows with an `id` already yielded this run are dropped (lists that overlap between years or windows). */
  dedupeById?: boolean
  mode: ClockodoReadMode
  writeDisposition: WriteDispositionConfig
  /** The route is not in the official spec: a 404 skips the resource (like a 403) instead of failing the run. */
  unconfirmed?: boolean
}

const REPLACE: WriteDispositionConfig = 'replace'
const MERGE: WriteDispositionConfig = { disposition: 'merge', strategy: 'delete-insert' }
const LIST: ClockodoReadMode = { kind: 'list' }

/** Every endpoint the source reads, in {@link CLOCKODO_RESOURCES} order. */
export const CLOCKODO_ENDPOINTS: readonly ClockodoEndpoint[] = [
  {
    name: 'entries',
    path: '/v2/entries',
    dataKeys: ['entries', 'data'],
    primaryKey: 'id',
    doubles: ['hourly_rate', 'lumpsum', 'lumpsum_services_amount', 'lumpsum_services_price', 'revenue'],
    pageSize: 1000,
    dedupeById: true,
    mode: { kind: 'entries' },
    writeDisposition: MERGE,
  },
  {
    name: 'customers',
    path: '/v3/customers',
    dataKeys: ['data', 'customers'],
    primaryKey: 'id',
    pageSize: 5000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'projects',
    path: '/v4/projects',
    dataKeys: ['data', 'projects'],
    primaryKey: 'id',
    doubles: ['billed_money', 'budget__amount', 'budget__subprojects_budget_total', 'revenue_factor'],
    pageSize: 5000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'subprojects',
    path: '/v3/subprojects',
    dataKeys: ['data', 'subprojects'],
    primaryKey: 'id',
    doubles: ['billed_money', 'budget__amount', 'revenue_factor'],
    pageSize: 5000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'services',
    path: '/v4/services',
    dataKeys: ['data', 'services'],
    primaryKey: 'id',
    pageSize: 5000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'lumpsum_services',
    path: '/v4/lumpSumServices',
    dataKeys: ['data', 'lumpSumServices'],
    primaryKey: 'id',
    doubles: ['price'],
    pageSize: 5000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'users',
    path: '/v3/users',
    dataKeys: ['data', 'users'],
    primaryKey: 'id',
    pageSize: 1000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'teams',
    path: '/v3/teams',
    dataKeys: ['data', 'teams'],
    primaryKey: 'id',
    pageSize: 1000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'absences',
    path: '/v4/absences',
    dataKeys: ['data', 'absences'],
    primaryKey: 'id',
    doubles: ['count_days', 'count_hours'],
    dedupeById: true,
    mode: {
      kind: 'years',
      param: 'filter[year]',
      firstYear: 'history',
      lastYear: 'end',
      stampYear: false,
      alsoUnfiltered: true,
    },
    writeDisposition: REPLACE,
  },
  {
    name: 'holidays_quota',
    path: '/v2/holidaysQuota',
    dataKeys: ['data', 'holidaysquota'],
    primaryKey: 'id',
    doubles: ['count'],
    dedupeById: true,
    mode: {
      kind: 'years',
      param: 'year',
      firstYear: 'history',
      lastYear: 'end',
      stampYear: false,
      alsoUnfiltered: true,
    },
    writeDisposition: REPLACE,
  },
  {
    name: 'holidays_carry',
    path: '/v3/holidaysCarry',
    dataKeys: ['data', 'holidayscarry'],
    primaryKey: 'id',
    doubles: ['count'],
    dedupeById: true,
    mode: {
      kind: 'years',
      param: 'year',
      firstYear: 'history',
      lastYear: 'end',
      stampYear: false,
      alsoUnfiltered: true,
    },
    writeDisposition: REPLACE,
  },
  {
    name: 'overtime_carry',
    path: '/v3/overtimeCarry',
    dataKeys: ['data', 'overtimecarry'],
    primaryKey: 'id',
    doubles: ['hours'],
    dedupeById: true,
    mode: {
      kind: 'years',
      param: 'year',
      firstYear: 'history',
      lastYear: 'end',
      stampYear: false,
      alsoUnfiltered: true,
    },
    writeDisposition: REPLACE,
  },
  {
    name: 'overtime_reductions',
    path: '/v3/overtimeReductions',
    dataKeys: ['data', 'overtimeReductions'],
    primaryKey: 'id',
    doubles: ['hours'],
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'nonbusiness_groups',
    path: '/v2/nonbusinessGroups',
    dataKeys: ['data', 'nonbusinessgroups'],
    primaryKey: 'id',
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'nonbusiness_days',
    path: '/v2/nonbusinessDays',
    dataKeys: ['data', 'nonbusinessdays'],
    primaryKey: ['id', 'year'],
    mode: { kind: 'years', param: 'year', firstYear: 'data', lastYear: 'now', stampYear: true },
    writeDisposition: REPLACE,
  },
  {
    name: 'users_nonbusiness_days',
    path: '/v2/usersNonbusinessDays',
    dataKeys: ['data'],
    primaryKey: ['users_id', 'year'],
    pageSize: 100,
    mode: { kind: 'years', param: 'year', firstYear: 'data', lastYear: 'now', stampYear: true },
    writeDisposition: REPLACE,
  },
  {
    name: 'users_nonbusiness_groups',
    path: '/v3/usersNonbusinessGroups',
    dataKeys: ['data'],
    primaryKey: 'id',
    pageSize: 1000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'target_hours',
    path: '/targethours',
    dataKeys: ['targethours', 'data'],
    primaryKey: 'id',
    doubles: [
      'compensation_daily',
      'compensation_monthly',
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
      'monthly_target',
    ],
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'user_reports',
    path: '/userreports',
    dataKeys: ['userreports', 'data'],
    primaryKey: ['users_id', 'year'],
    doubles: [
      'diff',
      'holidays_carry',
      'holidays_quota',
      'overtime_carryover',
      'overtime_reduced',
      'sum_absence__home_office',
      'sum_absence__maternity_protection',
      'sum_absence__military_service',
      'sum_absence__out_of_office',
      'sum_absence__quarantine',
      'sum_absence__regular_holidays',
      'sum_absence__school',
      'sum_absence__sick_child',
      'sum_absence__sick_self',
      'sum_absence__special_leaves',
      'sum_hours',
      'sum_reduction_planned',
      'sum_reduction_used',
      'sum_target',
      'surcharges__night',
      'surcharges__night_increased',
      'surcharges__nonbusiness',
      'surcharges__nonbusiness_special',
      'surcharges__saturday',
      'surcharges__sunday',
      'workdays',
    ],
    mode: {
      kind: 'years',
      param: 'year',
      firstYear: 'data',
      lastYear: 'now',
      stampYear: true,
      params: { type: '0' },
    },
    writeDisposition: REPLACE,
  },
  {
    name: 'work_times',
    path: '/v2/workTimes',
    dataKeys: ['work_time_days', 'data'],
    primaryKey: ['users_id', 'date'],
    mode: { kind: 'work_times' },
    writeDisposition: MERGE,
  },
  {
    name: 'work_time_change_requests',
    path: '/v2/workTimes/changeRequests',
    dataKeys: ['change_requests', 'data'],
    primaryKey: 'id',
    pageSize: 1000,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'access_groups',
    path: '/v2/accessGroups',
    dataKeys: ['data', 'access_groups', 'accessGroups'],
    primaryKey: 'id',
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'project_reports',
    path: '/v4/projects/reports',
    dataKeys: ['data', 'reports'],
    primaryKey: ['customers_id', 'projects_id', 'subprojects_id'],
    pageSize: 250,
    mode: LIST,
    writeDisposition: REPLACE,
  },
  {
    name: 'surcharge_models',
    path: '/v2/surchargeModels',
    dataKeys: ['data', 'surchargeModels', 'surcharge_models'],
    primaryKey: 'id',
    mode: LIST,
    writeDisposition: REPLACE,
    unconfirmed: true,
  },
]
