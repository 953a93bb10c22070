import { generateCustomers, generateServices, generateStaff } from './account-master-company.ts'
import { generateUserRecords } from './account-master-records.ts'
import { companySettings } from './account-master-settings.ts'
import type { Row } from './account-row.ts'
import { Rng } from './mock-random.ts'

export type { Row } from './account-row.ts'

/** Master data tables kept in memory (small: grows with users, not with entries). */
export interface MasterData {
  users: Row[]
  teams: Row[]
  customers: Row[]
  projects: Row[]
  subprojects: Row[]
  services: Row[]
  lumpsum_services: Row[]
  absences: Row[]
  holidays_quota: Row[]
  holidays_carry: Row[]
  overtime_carry: Row[]
  overtime_reductions: Row[]
  nonbusiness_groups: Row[]
  /** Definitions; evaluated per year into nonbusiness_days. */
  nonbusiness_day_defs: Row[]
  users_nonbusiness_groups: Row[]
  target_hours: Row[]
  work_time_change_requests: Row[]
  access_groups: Row[]
  surcharge_models: Row[]
}

/**
 * Generates every master-data table from the seed (deterministic): one random sequence drawn in a fixed order
 * (services, staff, customers, per-user records).
 */
export function generateMaster(
  seed: number,
  userCount: number,
  startDay: number,
  todayDay: number,
  years: readonly number[],
): MasterData {
  const rng = new Rng(seed)
  const { services, lumpsum_services } = generateServices(rng)
  const { nonbusiness_groups, nonbusiness_day_defs, access_groups, surcharge_models } = companySettings(years)
  const { teams, users } = generateStaff(rng, userCount, startDay, todayDay, access_groups)
  const { customers, projects, subprojects } = generateCustomers(rng, userCount, startDay, todayDay, services)
  const records = generateUserRecords(rng, users, startDay, todayDay, years)
  return {
    users,
    teams,
    customers,
    projects,
    subprojects,
    services,
    lumpsum_services,
    absences: records.absences,
    holidays_quota: records.holidays_quota,
    holidays_carry: records.holidays_carry,
    overtime_carry: records.overtime_carry,
    overtime_reductions: records.overtime_reductions,
    nonbusiness_groups,
    nonbusiness_day_defs,
    users_nonbusiness_groups: records.users_nonbusiness_groups,
    target_hours: records.target_hours,
    work_time_change_requests: records.work_time_change_requests,
    access_groups,
    surcharge_models,
  }
}
