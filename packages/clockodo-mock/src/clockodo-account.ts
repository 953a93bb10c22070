import {
  type AccountBasis,
  projectReportsOf,
  usersNonbusinessDaysOf,
  workTimesOf,
} from './account-derived.ts'
import { EntryLayout, type EntryRow } from './account-entries.ts'
import { type EntryFilter, type EntryList, EntryStore } from './account-entry-store.ts'
import { generateMaster, type MasterData, type Row } from './account-master.ts'
import { nonbusinessDaysOf } from './account-master-settings.ts'
import { userReportsOf } from './account-user-reports.ts'
import { DAY_MS, dayOf, easter, isoOf, WORK_TIME_START_DAY } from './mock-calendar.ts'

export type { EntryRow } from './account-entries.ts'

/** Size of a simulated account. */
export interface AccountSize {
  /** Number of users (co-workers). Default 25. */
  users?: number
  /** Calendar years the account spans, ending with today's year. Default 3. */
  years?: number
  /** Entries per user and workday (Mon-Fri). Default 4. */
  entriesPerWorkday?: number
}

/** Options of {@link createClockodoAccount}. */
export interface ClockodoAccountOptions extends AccountSize {
  /** Seed of every generated value. Default 1. */
  seed?: number
  /** The account's "today" (YYYY-MM-DD): the last day with entries. Default: the current UTC date. */
  today?: string
}

/** A simulated Clockodo account: seeded master data in memory, entries computed on demand, plus a mutation overlay. */
export interface ClockodoAccount {
  readonly seed: number
  readonly today: string
  /**
   * Exact number of rows a complete load must produce per table, keyed by the sluice table names:
   * entries, customers, projects, subprojects, services, lumpsum_services, users, teams, absences, holidays_quota,
   * holidays_carry, overtime_carry, overtime_reductions, nonbusiness_groups, nonbusiness_days, users_nonbusiness_days,
   * users_nonbusiness_groups, target_hours, user_reports, work_times, work_time_change_requests, access_groups,
   * project_reports, surcharge_models. absences/nonbusiness_days/user_reports are summed over every year the account
   * spans; nonbusiness_days are keyed id+year; users_nonbusiness_days and user_reports have one row per users_id+year;
   * work_times one row per users_id+date with work time (from 2023-08-21 on).
   */
  expectedCounts(): Record<string, number>
  /** Adds an entry (id assigned after the generated ones); missing fields are filled from a template. */
  addEntry(entry: Partial<EntryRow>): EntryRow
  /** Changes an entry; the result is what the API returns from then on. Throws when the id is unknown. */
  editEntry(id: number, patch: Partial<EntryRow>): EntryRow
  /** Deletes an entry (no tombstone: it simply disappears from lists). */
  deleteEntry(id: number): void
  /** Adds a master-data row to a table (resource names as the table names); assigns an id when missing. */
  add(resource: string, row: Record<string, unknown>): Record<string, unknown>
  /** Changes a master-data row by id. */
  edit(resource: string, id: number, patch: Record<string, unknown>): void
  /** Removes a master-data row by id. */
  remove(resource: string, id: number): void
  /** All entries whose time_since is in [since, until), computed lazily (generator). */
  entriesBetween(since: string, until: string): Iterable<EntryRow>
}

const MUTABLE: readonly string[] = [
  'customers',
  'projects',
  'subprojects',
  'services',
  'lumpsum_services',
  'users',
  'teams',
  'absences',
  'holidays_quota',
  'holidays_carry',
  'overtime_carry',
  'overtime_reductions',
  'nonbusiness_groups',
  'users_nonbusiness_groups',
  'target_hours',
  'work_time_change_requests',
  'access_groups',
  'surcharge_models',
]

/** The implementation behind {@link ClockodoAccount}; handlers use its internals. */
export class SimulatedAccount implements ClockodoAccount, AccountBasis {
  readonly seed: number
  readonly today: string
  readonly todayDay: number
  readonly startDay: number
  readonly years: readonly number[]
  readonly master: MasterData
  readonly layout: EntryLayout
  private readonly entries: EntryStore
  private version = 0
  private namesVersion = -1
  private nameMaps: Record<string, Map<number, Row>> = {}

  constructor(options: ClockodoAccountOptions = {}) {
    this.seed = options.seed ?? 1
    this.today = options.today ?? new Date().toISOString().slice(0, 10)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(this.today))
      throw new Error(`today must be YYYY-MM-DD, got ${this.today}`)
    const users = Math.max(1, Math.floor(options.users ?? 25))
    const yearCount = Math.max(1, Math.floor(options.years ?? 3))
    const perDay = Math.max(1, Math.floor(options.entriesPerWorkday ?? 4))
    this.todayDay = dayOf(this.today)
    const lastYear = Number(this.today.slice(0, 4))
    this.years = Array.from({ length: yearCount }, (_, i) => lastYear - yearCount + 1 + i)
    this.startDay = dayOf(`${this.years[0]}-01-01`)
    this.master = generateMaster(this.seed, users, this.startDay, this.todayDay, this.years)
    this.layout = new EntryLayout(this.seed, this.master, this.startDay, this.todayDay, perDay)
    this.entries = new EntryStore(this.layout)
  }

  /** Increases on every mutation (the response cache keys on it). */
  get mutationVersion(): number {
    return this.version
  }

  expectedCounts(): Record<string, number> {
    const m = this.master
    const userCount = m.users.length
    let nonbusinessDays = 0
    for (const y of this.years) nonbusinessDays += this.nonbusinessDays(y).length
    const wtFrom = Math.max(this.startDay, WORK_TIME_START_DAY)
    const cal = this.layout.calendar
    const wtDays = cal.count - cal.firstOnOrAfter(wtFrom)
    const present = this.presentUsers().length
    return {
      entries: this.entries.count,
      customers: m.customers.length,
      projects: m.projects.length,
      subprojects: m.subprojects.length,
      services: m.services.length,
      lumpsum_services: m.lumpsum_services.length,
      users: userCount,
      teams: m.teams.length,
      absences: m.absences.length,
      holidays_quota: m.holidays_quota.length,
      holidays_carry: m.holidays_carry.length,
      overtime_carry: m.overtime_carry.length,
      overtime_reductions: m.overtime_reductions.length,
      nonbusiness_groups: m.nonbusiness_groups.length,
      nonbusiness_days: nonbusinessDays,
      users_nonbusiness_days: present * this.years.length,
      users_nonbusiness_groups: m.users_nonbusiness_groups.length,
      target_hours: m.target_hours.length,
      user_reports: present * this.years.length,
      work_times: present * wtDays,
      work_time_change_requests: m.work_time_change_requests.length,
      access_groups: m.access_groups.length,
      project_reports: this.projectReports().length,
      surcharge_models: m.surcharge_models.length,
    }
  }

  addEntry(entry: Partial<EntryRow>): EntryRow {
    const template = this.layout.count > 0 ? this.layout.entry(0) : undefined
    const now = isoOf(this.todayDay * DAY_MS + 9 * 3600_000)
    const row = this.entries.add({
      ...(template ?? {
        customers_id: this.master.customers[0]?.id as number,
        projects_id: null,
        subprojects_id: null,
        users_id: this.master.users[0]?.id as number,
        billable: 1,
        texts_id: null,
        text: null,
        test_data: false,
        type: 1,
        services_id: this.master.services[0]?.id as number,
        duration: 3600,
        time_clocked_since: null,
        clocked: false,
        clocked_offline: false,
      }),
      time_since: now,
      time_until: isoOf(this.todayDay * DAY_MS + 10 * 3600_000),
      time_insert: now,
      time_last_change: now,
      time_last_change_work_time: now,
      duration: 3600,
      ...entry,
    })
    this.version++
    return row
  }

  editEntry(id: number, patch: Partial<EntryRow>): EntryRow {
    const next = this.entries.edit(id, patch)
    this.version++
    return next
  }

  deleteEntry(id: number): void {
    this.entries.delete(id)
    this.version++
  }

  private table(resource: string): Row[] {
    if (resource === 'nonbusiness_days') return this.master.nonbusiness_day_defs
    if (!MUTABLE.includes(resource)) {
      throw new Error(
        `resource ${resource} cannot be mutated (use addEntry/editEntry/deleteEntry for entries; derived tables follow their sources)`,
      )
    }
    return this.master[resource as keyof MasterData]
  }

  add(resource: string, row: Record<string, unknown>): Record<string, unknown> {
    if (resource === 'entries')
      return this.addEntry(row as Partial<EntryRow>) as unknown as Record<string, unknown>
    const t = this.table(resource)
    const id =
      typeof row.id === 'number' ? row.id : t.reduce((max, r) => Math.max(max, r.id as number), 0) + 1
    const stored = { ...row, id }
    t.push(stored)
    this.version++
    return stored
  }

  edit(resource: string, id: number, patch: Record<string, unknown>): void {
    if (resource === 'entries') {
      this.editEntry(id, patch as Partial<EntryRow>)
      return
    }
    const t = this.table(resource)
    const i = t.findIndex((r) => r.id === id)
    if (i < 0) throw new Error(`${resource} ${id} does not exist`)
    t[i] = { ...t[i], ...patch, id }
    this.version++
  }

  remove(resource: string, id: number): void {
    if (resource === 'entries') {
      this.deleteEntry(id)
      return
    }
    const t = this.table(resource)
    const i = t.findIndex((r) => r.id === id)
    if (i < 0) throw new Error(`${resource} ${id} does not exist`)
    t.splice(i, 1)
    this.version++
  }

  *entriesBetween(since: string, until: string): Iterable<EntryRow> {
    const list = this.queryEntries(Date.parse(since), Date.parse(until))
    for (let i = 0; i < list.count; i++) yield list.at(i)
  }

  /**
   * Entries with sinceMs <= time_since < untilMs (the edge rule), in id order of the generated entries,
   * followed by edited and added entries (by id). Counting is exact and cheap; entries are built on access.
   */
  queryEntries(sinceMs: number, untilMs: number, filter: EntryFilter = {}): EntryList {
    return this.entries.query(sinceMs, untilMs, filter)
  }

  /** Lookup maps id -> row for enhanced lists (rebuilt after mutations). */
  names(): Record<string, Map<number, Row>> {
    if (this.namesVersion !== this.version) {
      const byId = (rows: Row[]): Map<number, Row> => new Map(rows.map((r) => [r.id as number, r]))
      this.nameMaps = {
        customers: byId(this.master.customers),
        projects: byId(this.master.projects),
        subprojects: byId(this.master.subprojects),
        users: byId(this.master.users),
        services: byId(this.master.services),
        lumpsum_services: byId(this.master.lumpsum_services),
      }
      this.namesVersion = this.version
    }
    return this.nameMaps
  }

  /** Layout users that still exist (removed users keep their generated entries but lose derived rows). */
  presentUsers(): { pos: number; user: Row }[] {
    const byId = this.names().users!
    const out: { pos: number; user: Row }[] = []
    this.layout.userIds.forEach((id, pos) => {
      const user = byId.get(id)
      if (user) out.push({ pos, user })
    })
    return out
  }

  /** Nonbusiness days evaluated for `year`. */
  nonbusinessDays(year: number): Row[] {
    return nonbusinessDaysOf(this.master.nonbusiness_day_defs, year, easter(year))
  }

  /** One row per user for `year`: the nonbusiness days of the groups the user belonged to. */
  usersNonbusinessDays(year: number): Row[] {
    return usersNonbusinessDaysOf(this, this.nonbusinessDays(year), year)
  }

  /** Work-time days of one user in [fromDay, toDay] (inclusive), from 2023-08-21 on. */
  workTimes(usersId: number, fromDay: number, toDay: number): Row[] {
    return workTimesOf(this, usersId, fromDay, toDay)
  }

  /** Project report items: one per project, plus one per subproject of projects with a recurring budget. */
  projectReports(): Row[] {
    return projectReportsOf(this.master)
  }

  /** User reports for `year` with detail depth `type` (0 year, 1 months, 2 weeks, 3 days, 4 days with breaks). */
  userReports(year: number, type: number): Row[] {
    return userReportsOf(this, year, type)
  }
}

/** Creates a simulated account; the same options always give the same data. */
export function createClockodoAccount(options?: ClockodoAccountOptions): ClockodoAccount {
  return new SimulatedAccount(options)
}
