import type { MasterData, Row } from './account-master.ts'
import { ENTRY_TEXTS } from './account-names.ts'
import { DAY_MS, dateOf, isoInDay, isoOf, WorkdayCalendar } from './mock-calendar.ts'
import { hash } from './mock-random.ts'

/** One time entry as the API returns it without `enhanced_list` (EntryV2: type 1 time, 2 lump-sum value, 3 lump-sum service). */
export interface EntryRow {
  id: number
  customers_id: number
  projects_id: number | null
  subprojects_id: number | null
  users_id: number
  /** 0 not billable, 1 billable, 2 billed. */
  billable: number
  texts_id: number | null
  text: string | null
  time_since: string
  /** null while the clock runs. */
  time_until: string | null
  time_insert: string
  time_last_change: string
  test_data: boolean
  type: 1 | 2 | 3
  services_id?: number | null
  /** Seconds; null while the clock runs (type 1). */
  duration?: number | null
  time_last_change_work_time?: string
  time_clocked_since?: string | null
  clocked?: boolean
  clocked_offline?: boolean
  /** Money value (type 2). */
  lumpsum?: number
  lumpsum_services_id?: number | null
  lumpsum_services_amount?: number
}

const round2 = (n: number): number => Math.round(n * 100) / 100
const SPAN_SECONDS = 9 * 3600

/**
 * Entries laid out arithmetically: index = (workday * users + user) * perDay + slot, id = index + 1.
 * Every value is computed from (seed, index), so nothing is stored and a time window maps to an index range.
 */
export class EntryLayout {
  readonly count: number
  readonly userCount: number
  readonly perDay: number
  readonly calendar: WorkdayCalendar
  /** Index of the one entry whose clock is still running. */
  readonly runningIndex: number
  private readonly seed: number
  /** Users ids in layout order (fixed at creation; users added later have no generated entries). */
  readonly userIds: readonly number[]
  private readonly userPos: Map<number, number>
  private readonly userShift: number[]
  private readonly slotLength: number
  private readonly projects: Row[]
  private readonly customerIds: number[]
  private readonly subsByProject: number[][]
  private readonly serviceIds: number[]
  private readonly serviceRates: number[]
  private readonly lumpsumIds: number[]
  private readonly todayEndMs: number
  private cachedDay = -1
  private cachedPrefix = ''

  constructor(seed: number, master: MasterData, startDay: number, todayDay: number, perDay: number) {
    this.seed = seed
    this.calendar = new WorkdayCalendar(startDay, todayDay)
    this.userIds = master.users.map((u) => u.id as number)
    this.userCount = this.userIds.length
    this.userPos = new Map(this.userIds.map((id, i) => [id, i]))
    this.perDay = perDay
    this.count = this.calendar.count * this.userCount * perDay
    this.runningIndex =
      this.count === 0 ? -1 : (this.calendar.count - 1) * this.userCount * perDay + perDay - 1
    this.userShift = this.userIds.map((id) => (hash(seed, id, 7) % 90) * 60)
    this.slotLength = Math.floor(SPAN_SECONDS / perDay)
    this.projects = master.projects
    this.customerIds = master.customers.map((c) => c.id as number)
    const subs = new Map<number, number[]>()
    for (const s of master.subprojects) {
      const list = subs.get(s.projects_id as number) ?? []
      list.push(s.id as number)
      subs.set(s.projects_id as number, list)
    }
    this.subsByProject = this.projects.map((p) => subs.get(p.id as number) ?? [])
    this.serviceIds = master.services.map((s) => s.id as number)
    this.serviceRates = this.serviceIds.map((id) => 60 + (hash(seed, id, 3) % 19) * 5)
    this.lumpsumIds = master.lumpsum_services.map((s) => s.id as number)
    this.todayEndMs = (todayDay + 1) * DAY_MS - 1000
  }

  /** Workday index of an entry. */
  workdayOf(index: number): number {
    return Math.floor(index / (this.userCount * this.perDay))
  }

  /** Position of the user (0-based) of an entry. */
  userPosOf(index: number): number {
    return Math.floor(index / this.perDay) % this.userCount
  }

  /** Layout position of a user, or -1. */
  positionOf(usersId: number): number {
    return this.userPos.get(usersId) ?? -1
  }

  /** Users id of an entry. */
  userIdOf(index: number): number {
    return this.userIds[this.userPosOf(index)]!
  }

  /** Start second within its UTC day. */
  private startSecond(index: number, h: number): number {
    const slot = index % this.perDay
    const jitterMax = Math.max(1, Math.floor(this.slotLength / 4))
    return 7 * 3600 + this.userShift[this.userPosOf(index)]! + slot * this.slotLength + (h % jitterMax)
  }

  /** time_since of an entry in epoch milliseconds (cheap: for window filters). */
  timeSinceMs(index: number): number {
    const day = this.calendar.day(this.workdayOf(index))
    return day * DAY_MS + this.startSecond(index, hash(this.seed, index)) * 1000
  }

  /** Entry type of an index (slot 0 and the running clock are always time entries). */
  typeOf(index: number): 1 | 2 | 3 {
    if (index % this.perDay === 0 || index === this.runningIndex) return 1
    const r = hash(this.seed, index, 1) % 100
    return r < 90 ? 1 : r < 95 ? 2 : 3
  }

  /** Duration in seconds of a type-1 entry (null for the running clock). */
  durationOf(index: number, h: number = hash(this.seed, index)): number | null {
    if (index === this.runningIndex) return null
    const j = h % Math.max(1, Math.floor(this.slotLength / 4))
    const f = 0.5 + ((hash(this.seed, index, 2) % 1000) / 1000) * 0.45
    return Math.max(60, Math.floor(((this.slotLength - j) * f) / 60) * 60)
  }

  /** The full entry at `index` (0 <= index < count). */
  entry(index: number): EntryRow {
    const seed = this.seed
    const h = hash(seed, index)
    const day = this.calendar.day(this.workdayOf(index))
    if (day !== this.cachedDay) {
      this.cachedDay = day
      this.cachedPrefix = dateOf(day) + 'T'
    }
    const prefix = this.cachedPrefix
    const start = this.startSecond(index, h)
    const type = this.typeOf(index)
    const h2 = hash(seed, index, 4)
    const h3 = hash(seed, index, 5)
    const noProject = h2 % 100 < 8
    const pIdx = (h2 >>> 8) % this.projects.length
    const project = noProject ? undefined : this.projects[pIdx]
    const customers_id = project
      ? (project.customers_id as number)
      : this.customerIds[(h2 >>> 8) % this.customerIds.length]!
    const subs = project ? this.subsByProject[pIdx]! : []
    const subprojects_id = subs.length > 0 && (h3 & 1) === 1 ? subs[(h3 >>> 1) % subs.length]! : null
    const textIdx = (h3 >>> 4) % 100
    const hasText = textIdx < 70
    const text = hasText ? ENTRY_TEXTS[textIdx % ENTRY_TEXTS.length]! : null
    const age = this.todayEndMs - day * DAY_MS
    const bRoll = (h3 >>> 12) % 100
    const billable = bRoll < 25 ? 0 : age > 90 * DAY_MS && bRoll < 75 ? 2 : 1
    const time_since = isoInDay(prefix, start)
    const running = index === this.runningIndex
    let duration: number | null = null
    let time_until: string | null
    if (type === 1) {
      duration = this.durationOf(index, h)
      time_until = duration === null ? null : isoInDay(prefix, start + duration)
    } else {
      time_until = time_since
    }
    const clocked = type === 1 && (running || (h2 >>> 20) % 100 < 60)
    const insertSecond = clocked || duration === null ? start : start + (duration ?? 0) + ((h3 >>> 20) % 3600)
    const time_insert = isoInDay(prefix, insertSecond)
    const edited = !running && (h >>> 24) % 100 < 12
    const time_last_change = edited
      ? isoOf(
          Math.min(this.todayEndMs, day * DAY_MS + insertSecond * 1000 + (1 + ((h >>> 16) % 30)) * DAY_MS),
        )
      : time_insert
    const projects_id = project ? (project.id as number) : null
    const users_id = this.userIdOf(index)
    const texts_id = hasText ? (textIdx % ENTRY_TEXTS.length) + 1 : null
    // one object literal per type: stable shapes keep building and JSON.stringify fast
    if (type === 1) {
      return {
        id: index + 1,
        customers_id,
        projects_id,
        subprojects_id,
        users_id,
        billable,
        texts_id,
        text,
        time_since,
        time_until,
        time_insert,
        time_last_change,
        test_data: false,
        type,
        services_id: this.serviceIds[(h2 >>> 12) % this.serviceIds.length]!,
        duration,
        time_last_change_work_time: time_last_change,
        time_clocked_since: clocked ? time_since : null,
        clocked,
        clocked_offline: clocked && (h >>> 8) % 100 < 5,
      }
    }
    if (type === 2) {
      return {
        id: index + 1,
        customers_id,
        projects_id,
        subprojects_id,
        users_id,
        billable,
        texts_id,
        text,
        time_since,
        time_until,
        time_insert,
        time_last_change,
        test_data: false,
        type,
        services_id: this.serviceIds[(h2 >>> 12) % this.serviceIds.length]!,
        lumpsum: round2(20 + ((h3 >>> 8) % 48000) / 100),
      }
    }
    return {
      id: index + 1,
      customers_id,
      projects_id,
      subprojects_id,
      users_id,
      billable,
      texts_id,
      text,
      time_since,
      time_until,
      time_insert,
      time_last_change,
      test_data: false,
      type,
      lumpsum_services_id: this.lumpsumIds[(h2 >>> 12) % this.lumpsumIds.length]!,
      lumpsum_services_amount: 1 + ((h3 >>> 8) % 8) / 2,
    }
  }

  /** Hourly rate of a service (for enhanced lists). */
  rateOf(servicesId: number): number {
    const i = this.serviceIds.indexOf(servicesId)
    return i < 0 ? 0 : this.serviceRates[i]!
  }
}
