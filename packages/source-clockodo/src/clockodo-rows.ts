// Row shapes as the current Clockodo routes return them (snake_case, OpenAPI v2026-03-12). Fields marked
// "rights" or "enhanced" may be missing; unknown extra fields pass through to the destination unchanged.

type Extra = { [key: string]: unknown }

/** `/v2/entries` row (`EntryV2`; `type` 1 time, 2 lump-sum value, 3 lump-sum service). */
export interface ClockodoEntry extends Extra {
  id: number
  type: 1 | 2 | 3
  customers_id: number
  projects_id: number | null
  subprojects_id: number | null
  users_id: number
  billable: number
  texts_id: number | null
  text?: string | null
  time_since: string
  time_until: string | null
  time_insert: string
  time_last_change: string
  test_data: boolean
  services_id?: number
  duration?: number | null
  time_last_change_work_time?: string
  time_clocked_since?: string | null
  clocked?: boolean
  clocked_offline?: boolean
  lumpsum?: number
  lumpsum_services_id?: number
  lumpsum_services_amount?: number
  customers_name?: string
  projects_name?: string | null
  subprojects_name?: string | null
  users_name?: string
  services_name?: string | null
  lumpsum_services_price?: number
  revenue?: number
  hourly_rate?: number
}

/** `/v3/customers` row. */
export interface ClockodoCustomer extends Extra {
  id: number
  name: string
  number: string | null
  color: number
  active: boolean
  billable_default: boolean
  note?: string | null
  bill_service_id: number | null
  test_data: boolean
  service_assignments?: number[]
}

/** Project budget (`ProjectV4.budget`). */
export interface ClockodoProjectBudget extends Extra {
  monetary: boolean
  hard: boolean
  from_subprojects?: boolean
  interval?: number | null
  amount: number | null
  subprojects_budget_total?: number
  notification_thresholds?: number[]
}

/** `/v4/projects` row. */
export interface ClockodoProject extends Extra {
  id: number
  customers_id: number
  name: string
  number: string | null
  active: boolean
  billable_default: boolean
  note?: string | null
  billed_money?: number | null
  billed_completely?: boolean | null
  completed: boolean
  completed_at: string | null
  revenue_factor?: number | null
  deadline?: string | null
  start_date?: string | null
  test_data: boolean
  count_subprojects?: number
  budget: ClockodoProjectBudget | null
}

/** `/v3/subprojects` row. */
export interface ClockodoSubproject extends Extra {
  id: number
  projects_id: number
  name: string
  number: string | null
  active: boolean
  billable_default: boolean
  note?: string | null
  completed: boolean
  billed?: boolean
  test_data: boolean
}

/** `/v4/services` row. */
export interface ClockodoService extends Extra {
  id: number
  name: string
  number: string | null
  active: boolean
  note?: string | null
  bill_service_id?: string | null
}

/** `/v4/lumpSumServices` row. */
export interface ClockodoLumpSumService extends Extra {
  id: number
  name: string
  price: number
  unit: string | null
  active: boolean
  number: string | null
  note?: string | null
}

/** `/v3/users` row. */
export interface ClockodoUser extends Extra {
  id: number
  name: string
  number: string | null
  email: string
  role: string
  active: boolean
  teams_id: number | null
  timezone?: string
  nonbusiness_groups_id?: number | null
  start_date?: string | null
  absence_managers_id?: number[]
  access_groups_ids?: number[]
}

/** `/v3/teams` row. */
export interface ClockodoTeam extends Extra {
  id: number
  name: string
  leader: number | null
  user_ids?: number[]
}

/** `/v4/absences` row (day or hour absence). */
export interface ClockodoAbsence extends Extra {
  id: number
  users_id: number
  date_since: string
  date_until: string
  status: number
  type?: number
  count_days: number | null
  count_hours?: number | null
  note?: string | null
  public_note: string | null
}

/** `/v2/holidaysQuota` row. */
export interface ClockodoHolidaysQuota extends Extra {
  id: number
  users_id: number
  year_since: number
  year_until: number | null
  count: number
  note?: string | null
}

/** `/v3/holidaysCarry` row. */
export interface ClockodoHolidaysCarry extends Extra {
  id: number
  users_id: number
  year: number
  count: number
  note?: string | null
}

/** `/v3/overtimeCarry` row (hours). */
export interface ClockodoOvertimeCarry extends Extra {
  id: number
  users_id: number
  year: number
  hours: number
  note: string | null
}

/** `/v3/overtimeReductions` row. */
export interface ClockodoOvertimeReduction extends Extra {
  id: number
  users_id: number
  date: string
  hours: number
  note: string | null
}

/** `/v2/nonbusinessGroups` row. */
export interface ClockodoNonbusinessGroup extends Extra {
  id: number
  name: string
  company_default: boolean
}

/** `/v2/nonbusinessDays` row; `year` is the requested year (stamped by the source; part of the key). */
export interface ClockodoNonbusinessDay extends Extra {
  id: number
  year: number
  nonbusiness_group_id: number
  type: string
  name: string
  half_day: boolean
  surcharge_special: boolean
  evaluated_date: string
}

/** `/v2/usersNonbusinessDays` row; `year` stamped by the source. */
export interface ClockodoUsersNonbusinessDays extends Extra {
  users_id: number
  year: number
  days: Omit<ClockodoNonbusinessDay, 'year'>[]
}

/** `/v3/usersNonbusinessGroups` row. */
export interface ClockodoUsersNonbusinessGroup extends Extra {
  id: number
  users_id: number
  nonbusiness_groups_id: number | null
  date_since: string
  date_until: string | null
}

/** `/targethours` row (weekly or monthly target). */
export interface ClockodoTargetHours extends Extra {
  id: number
  users_id: number
  type: 'weekly' | 'monthly'
  date_since: string
  date_until: string | null
}

/** `/userreports` row (sums in seconds); `year` stamped by the source. */
export interface ClockodoUserReport extends Extra {
  users_id: number
  year: number
  users_name: string
  sum_target: number | null
  sum_hours: number
  diff: number
}

/** `/v2/workTimes` row: one user's work day. */
export interface ClockodoWorkTime extends Extra {
  users_id: number
  date: string
  offset: number
  intervals: { time_since: string; time_until: string | null }[]
}

/** `/v2/workTimes/changeRequests` row. */
export interface ClockodoWorkTimeChangeRequest extends Extra {
  id: number
  date: string
  users_id: number
  status: number
  created_at: string
  changes: unknown[]
}

/** `/v2/accessGroups` row. */
export interface ClockodoAccessGroup extends Extra {
  id: number
  name: string
  company_default: boolean
  users_ids?: number[]
}

/**
 * `/v4/projects/reports` row. `subprojects_id` is 0 for a project-level row (the source fills it so the key
 * `customers_id, projects_id, subprojects_id` never holds null).
 */
export interface ClockodoProjectReport extends Extra {
  customers_id: number
  projects_id: number
  subprojects_id: number
  customers_name: string
  projects_name: string
}

/** `/v2/surchargeModels` row. */
export interface ClockodoSurchargeModel extends Extra {
  id: number
  name: string
}
