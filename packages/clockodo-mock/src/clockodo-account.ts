import { EntryLayout, type EntryRow } from './account-entries.ts'
import {
  generateMaster,
  type MasterData,
  nonbusinessDaysOf,
  type Row,
  WORK_TIME_START_DAY,
} from './account-master.ts'
import { DAY_MS, dateOf, dayOf, easter, isoOf, weekday } from './mock-calendar.ts'

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

/** Filters of an entries query. */
export interface EntryFilter {
  /** Positions are resolved from these user ids; unknown ids give no base entries. */
  usersIds?: readonly number[]
  /** Any further predicate (customers_id, billable, text ...). */
  predicate?: (e: EntryRow) => boolean
}

/** A lazily evaluated, exactly counted list of entries. */
export interface EntryList {
  readonly count: number
  at(position: number): EntryRow
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
export class SimulatedAccount implements ClockodoAccount {
  readonly seed: number
  readonly today: string
  readonly todayDay: number
  readonly startDay: number
  readonly years: readonly number[]
  readonly master: MasterData
  readonly layout: EntryLayout
  private readonly deleted = new Set<number>()
  private readonly edited = new Map<number, EntryRow>()
  private readonly added = new Map<number, EntryRow>()
  private nextEntryId: number
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
    this.nextEntryId = this.layout.count + 1
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
      entries: this.layout.count - this.deleted.size + this.added.size,
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

  /** The current version of an entry by id, or undefined when deleted/unknown. */
  entryById(id: number): EntryRow | undefined {
    if (this.deleted.has(id)) return undefined
    const e = this.edited.get(id) ?? this.added.get(id)
    if (e) return e
    return id >= 1 && id <= this.layout.count ? this.layout.entry(id - 1) : undefined
  }

  addEntry(entry: Partial<EntryRow>): EntryRow {
    const id = this.nextEntryId++
    const template = this.layout.count > 0 ? this.layout.entry(0) : undefined
    const now = isoOf(this.todayDay * DAY_MS + 9 * 3600_000)
    const row = {
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
      id,
    } as EntryRow
    this.added.set(id, row)
    this.version++
    return row
  }

  editEntry(id: number, patch: Partial<EntryRow>): EntryRow {
    const current = this.entryById(id)
    if (!current) throw new Error(`entry ${id} does not exist`)
    const next = { ...current, ...patch, id } as EntryRow
    if (this.added.has(id)) this.added.set(id, next)
    else this.edited.set(id, next)
    this.version++
    return next
  }

  deleteEntry(id: number): void {
    if (!this.entryById(id)) throw new Error(`entry ${id} does not exist`)
    if (this.added.has(id)) this.added.delete(id)
    else {
      this.edited.delete(id)
      this.deleted.add(id)
    }
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
    const L = this.layout
    const U = L.userCount
    const E = L.perDay
    const positions = filter.usersIds
      ? [...new Set(filter.usersIds.map((id) => L.positionOf(id)).filter((p) => p >= 0))].sort(
          (a, b) => a - b,
        )
      : Array.from({ length: U }, (_, i) => i)
    const m = positions.length
    const inWindow = (i: number): boolean => {
      const t = L.timeSinceMs(i)
      return t >= sinceMs && t < untilMs
    }
    const dayIndices = (w: number): number[] => {
      const out: number[] = []
      for (const p of positions) {
        const base = (w * U + p) * E
        for (let s = 0; s < E; s++) if (inWindow(base + s)) out.push(base + s)
      }
      return out
    }
    let baseCount = 0
    let baseAt: (k: number) => number = () => -1
    if (untilMs > sinceMs && m > 0 && L.count > 0) {
      const cal = L.calendar
      const wFrom = cal.firstOnOrAfter(Math.floor(sinceMs / DAY_MS))
      const wTo = cal.firstOnOrAfter(Math.floor((untilMs - 1) / DAY_MS) + 1)
      if (wTo > wFrom) {
        // only days the window cuts need filtering; days it covers completely are pure arithmetic
        const firstCut = cal.day(wFrom) * DAY_MS < sinceMs || (cal.day(wFrom) + 1) * DAY_MS > untilMs
        const lastCut = wTo - 1 > wFrom && (cal.day(wTo - 1) + 1) * DAY_MS > untilMs
        const first = firstCut ? dayIndices(wFrom) : []
        const last = lastCut ? dayIndices(wTo - 1) : []
        const midFrom = firstCut ? wFrom + 1 : wFrom
        const midDays = Math.max(0, (lastCut ? wTo - 1 : wTo) - midFrom)
        const stride = m * E
        const midCount = midDays * stride
        const contiguous = m === U
        const mid = (k: number): number => {
          const w = midFrom + Math.floor(k / stride)
          if (contiguous) return w * U * E + (k % stride)
          const r = k % stride
          return (w * U + positions[Math.floor(r / E)]!) * E + (r % E)
        }
        baseCount = first.length + midCount + last.length
        baseAt = (k) =>
          k < first.length
            ? first[k]!
            : k < first.length + midCount
              ? mid(k - first.length)
              : last[k - first.length - midCount]!
        if (filter.predicate) {
          const matching: number[] = []
          for (let k = 0; k < baseCount; k++) {
            const idx = baseAt(k)
            if (filter.predicate(L.entry(idx))) matching.push(idx)
          }
          baseCount = matching.length
          baseAt = (k) => matching[k]!
        }
      }
    }
    // overlay: holes are generated entries that were deleted or edited; extras are edited and added entries
    const holes: number[] = []
    if (baseCount > 0) {
      const wanted = new Set(positions)
      const consider = (id: number): void => {
        const idx = id - 1
        if (idx >= L.count || !wanted.has(L.userPosOf(idx)) || !inWindow(idx)) return
        if (filter.predicate && !filter.predicate(L.entry(idx))) return
        let lo = 0
        let hi = baseCount - 1
        while (lo <= hi) {
          const mid = (lo + hi) >> 1
          const v = baseAt(mid)
          if (v === idx) {
            holes.push(mid)
            return
          }
          if (v < idx) lo = mid + 1
          else hi = mid - 1
        }
      }
      for (const id of this.deleted) consider(id)
      for (const id of this.edited.keys()) consider(id)
      holes.sort((a, b) => a - b)
    }
    const extras: EntryRow[] = []
    const userSet = filter.usersIds ? new Set(filter.usersIds) : undefined
    const addExtra = (e: EntryRow): void => {
      const t = Date.parse(e.time_since)
      if (t < sinceMs || t >= untilMs) return
      if (userSet && !userSet.has(e.users_id)) return
      if (filter.predicate && !filter.predicate(e)) return
      extras.push(e)
    }
    for (const e of this.edited.values()) addExtra(e)
    for (const e of this.added.values()) addExtra(e)
    extras.sort((a, b) => a.id - b.id)
    const kept = baseCount - holes.length
    return {
      count: kept + extras.length,
      at: (j: number): EntryRow => {
        if (j >= kept) return extras[j - kept]!
        let k = j
        for (const h of holes) {
          if (h <= k) k++
          else break
        }
        return L.entry(baseAt(k))
      },
    }
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
    const days = this.nonbusinessDays(year)
    const yStart = `${year}-01-01`
    const yEnd = `${year}-12-31`
    return this.presentUsers().map(({ user: u }) => {
      const groups = this.master.users_nonbusiness_groups.filter(
        (g) =>
          g.users_id === u.id &&
          (g.date_since as string) <= yEnd &&
          (g.date_until === null || (g.date_until as string) >= yStart),
      )
      const out = days.filter((d) =>
        groups.some(
          (g) =>
            g.nonbusiness_groups_id === d.nonbusiness_group_id &&
            (g.date_since as string) <= (d.evaluated_date as string) &&
            (g.date_until === null || (g.date_until as string) >= (d.evaluated_date as string)),
        ),
      )
      return { users_id: u.id, days: out }
    })
  }

  /** Work-time days of one user in [fromDay, toDay] (inclusive), from 2023-08-21 on. */
  workTimes(usersId: number, fromDay: number, toDay: number): Row[] {
    const L = this.layout
    const pos = L.positionOf(usersId)
    if (pos < 0 || !this.names().users!.has(usersId)) return []
    const cal = L.calendar
    const w0 = cal.firstOnOrAfter(Math.max(fromDay, WORK_TIME_START_DAY))
    const w1 = cal.firstOnOrAfter(toDay + 1)
    const out: Row[] = []
    for (let w = w0; w < w1; w++) {
      const base = (w * L.userCount + pos) * L.perDay
      const intervals: { time_since: string; time_until: string | null }[] = []
      for (let s = 0; s < L.perDay; s++) {
        const idx = base + s
        if (L.typeOf(idx) !== 1) continue
        const since = L.timeSinceMs(idx)
        const d = L.durationOf(idx)
        intervals.push({ time_since: isoOf(since), time_until: d === null ? null : isoOf(since + d * 1000) })
      }
      out.push({ date: dateOf(cal.day(w)), users_id: usersId, offset: 0, intervals })
    }
    return out
  }

  /** Project report items: one per project, plus one per subproject of projects with a recurring budget. */
  projectReports(): Row[] {
    const customers = new Map(this.master.customers.map((c) => [c.id as number, c]))
    const subs = new Map<number, Row[]>()
    for (const s of this.master.subprojects) {
      const list = subs.get(s.projects_id as number) ?? []
      list.push(s)
      subs.set(s.projects_id as number, list)
    }
    const out: Row[] = []
    for (const p of this.master.projects) {
      const c = customers.get(p.customers_id as number)
      const head = {
        customers_id: p.customers_id,
        customers_name: (c?.name as string | undefined) ?? '',
        customers_number: (c?.number as string | null | undefined) ?? null,
        projects_id: p.id,
        projects_name: p.name,
        projects_number: p.number ?? null,
      }
      out.push(head)
      const budget = p.budget as Row | null
      if (budget && budget.interval !== null && budget.interval !== undefined) {
        for (const s of subs.get(p.id as number) ?? []) {
          out.push({
            ...head,
            subprojects_id: s.id,
            subprojects_name: s.name,
            subprojects_number: s.number ?? null,
          })
        }
      }
    }
    return out
  }

  /** User reports for `year` with detail depth `type` (0 year, 1 months, 2 weeks, 3 days, 4 days with breaks). */
  userReports(year: number, type: number): Row[] {
    const L = this.layout
    const cal = L.calendar
    const yStart = dayOf(`${year}-01-01`)
    const yEnd = dayOf(`${year + 1}-01-01`)
    const zeroAbs = () => ({
      regular_holidays: 0,
      sick_self: 0,
      sick_child: 0,
      special_leaves: 0,
      school: 0,
      maternity_protection: 0,
      home_office: 0,
      out_of_office: 0,
      quarantine: 0,
      military_service: 0,
    })
    const zeroSur = () => ({
      saturday: 0,
      sunday: 0,
      nonbusiness: 0,
      nonbusiness_special: 0,
      night: 0,
      night_increased: 0,
    })
    const out: Row[] = []
    for (const { pos, user: u } of this.presentUsers()) {
      const hours = new Float64Array(yEnd - yStart)
      const w0 = cal.firstOnOrAfter(yStart)
      const w1 = cal.firstOnOrAfter(yEnd)
      for (let w = w0; w < w1; w++) {
        const base = (w * L.userCount + pos) * L.perDay
        let sum = 0
        for (let s = 0; s < L.perDay; s++) if (L.typeOf(base + s) === 1) sum += L.durationOf(base + s) ?? 0
        hours[cal.day(w) - yStart] = sum
      }
      const targetOf = (day: number): number =>
        weekday(day) === 0 || weekday(day) === 6 || day > this.todayDay ? 0 : 8 * 3600
      let sumHours = 0
      let sumTarget = 0
      let workdays = 0
      for (let d = yStart; d < yEnd; d++) {
        sumHours += hours[d - yStart]!
        sumTarget += targetOf(d)
        if (targetOf(d) > 0) workdays++
      }
      const quota = this.master.holidays_quota.find(
        (q) =>
          q.users_id === u.id &&
          (q.year_since as number) <= year &&
          (q.year_until === null || (q.year_until as number) >= year),
      )
      const carry = this.master.holidays_carry.find((q) => q.users_id === u.id && q.year === year)
      const otCarry = this.master.overtime_carry.find((q) => q.users_id === u.id && q.year === year)
      const sumAbsence = zeroAbs()
      for (const a of this.master.absences) {
        if (a.users_id !== u.id || !(a.date_since as string).startsWith(String(year)) || a.status !== 1)
          continue
        if (a.type === 1) sumAbsence.regular_holidays += a.count_days as number
        else if (a.type === 4) sumAbsence.sick_self += a.count_days as number
        else if (a.type === 8) sumAbsence.home_office += a.count_days as number
        else if (a.type === 2) sumAbsence.special_leaves += a.count_days as number
      }
      const dayDetail = (d: number): Row => {
        const detail: Row = {
          date: dateOf(d),
          weekday: ((weekday(d) + 6) % 7) + 1,
          nonbusiness: false,
          count_absence: zeroAbs(),
          count_reduction_used: null,
          target: targetOf(d) || null,
          target_raw: targetOf(d) || null,
          surcharges: zeroSur(),
          hours: hours[d - yStart]! || null,
          hours_without_compensation: hours[d - yStart]! || null,
          diff: hours[d - yStart]! - targetOf(d),
        }
        if (type >= 4) {
          const w = cal.firstOnOrAfter(d)
          const breaks: Row[] = []
          let workStart: string | null = null
          let workEnd: string | null = null
          if (w < cal.count && cal.day(w) === d) {
            const base = (w * L.userCount + pos) * L.perDay
            let prevEnd = -1
            for (let s = 0; s < L.perDay; s++) {
              if (L.typeOf(base + s) !== 1) continue
              const since = L.timeSinceMs(base + s)
              const dur = L.durationOf(base + s)
              if (workStart === null) workStart = isoOf(since)
              if (prevEnd >= 0 && since > prevEnd)
                breaks.push({ since: isoOf(prevEnd), until: isoOf(since), length: (since - prevEnd) / 1000 })
              if (dur !== null) {
                prevEnd = since + dur * 1000
                workEnd = isoOf(prevEnd)
              }
            }
          }
          detail.breaks = breaks
          detail.work_start = workStart
          detail.work_end = workEnd
        }
        return detail
      }
      const months: Row[] = []
      if (type >= 1) {
        for (let mo = 0; mo < 12; mo++) {
          const mStart = Math.floor(Date.UTC(year, mo, 1) / DAY_MS)
          const mEnd = Math.floor(Date.UTC(year, mo + 1, 1) / DAY_MS)
          let mh = 0
          let mt = 0
          for (let d = mStart; d < mEnd; d++) {
            mh += hours[d - yStart]!
            mt += targetOf(d)
          }
          let weeks: Row[] | null = null
          if (type >= 2) {
            weeks = []
            let d = mStart
            while (d < mEnd) {
              const wEnd = Math.min(mEnd, d + (7 - ((weekday(d) + 6) % 7)))
              let wh = 0
              let wt = 0
              const days: Row[] = []
              for (let x = d; x < wEnd; x++) {
                wh += hours[x - yStart]!
                wt += targetOf(x)
                if (type >= 3) days.push(dayDetail(x))
              }
              weeks.push({
                nr: isoWeek(d),
                sum_target: wt,
                sum_hours: wh,
                sum_reduction_used: 0,
                diff: wh - wt,
                surcharges: zeroSur(),
                day_details: type >= 3 ? days : null,
              })
              d = wEnd
            }
          }
          months.push({
            nr: mo + 1,
            sum_target: mt,
            sum_hours: mh,
            sum_hours_without_compensation: mh,
            sum_reduction_used: 0,
            sum_overtime_reduced: 0,
            diff: mh - mt,
            surcharges: zeroSur(),
            week_details: weeks,
          })
        }
      }
      out.push({
        users_id: u.id,
        users_name: u.name,
        users_number: u.number ?? null,
        users_email: u.email ?? '',
        sum_target: sumTarget,
        sum_hours: sumHours,
        sum_reduction_used: 0,
        sum_reduction_planned: 0,
        overtime_carryover: ((otCarry?.hours as number | undefined) ?? 0) * 3600,
        overtime_reduced: 0,
        diff: sumHours - sumTarget,
        holidays_quota: (quota?.count as number | undefined) ?? 0,
        holidays_carry: (carry?.count as number | undefined) ?? 0,
        sum_absence: sumAbsence,
        surcharges: zeroSur(),
        workdays,
        month_details: type >= 1 ? months : null,
      })
    }
    return out
  }
}

function isoWeek(day: number): number {
  const wd = (weekday(day) + 6) % 7
  const thursday = day - wd + 3
  const y = new Date(thursday * DAY_MS).getUTCFullYear()
  const jan1 = Math.floor(Date.UTC(y, 0, 1) / DAY_MS)
  return Math.floor((thursday - jan1) / 7) + 1
}

/** Creates a simulated account; the same options always give the same data. */
export function createClockodoAccount(options?: ClockodoAccountOptions): ClockodoAccount {
  return new SimulatedAccount(options)
}
