import type { EntryLayout } from './account-entries.ts'
import type { MasterData, Row } from './account-master.ts'
import { dateOf, isoOf, WORK_TIME_START_DAY } from './mock-calendar.ts'

/** The parts of a simulated account that its derived tables are computed from. */
export interface AccountBasis {
  readonly layout: EntryLayout
  readonly master: MasterData
  /** The account's "today" as a day number. */
  readonly todayDay: number
  /** Lookup maps id -> row of customers, projects, subprojects, users, services, lumpsum_services. */
  names(): Record<string, Map<number, Row>>
  /** Layout users that still exist (removed users keep their generated entries but lose derived rows). */
  presentUsers(): { pos: number; user: Row }[]
}

/** One row per present user for `year`: the nonbusiness `days` of the groups the user belonged to. */
export function usersNonbusinessDaysOf(account: AccountBasis, days: readonly Row[], year: number): Row[] {
  const yStart = `${year}-01-01`
  const yEnd = `${year}-12-31`
  return account.presentUsers().map(({ user: u }) => {
    const groups = account.master.users_nonbusiness_groups.filter(
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
export function workTimesOf(account: AccountBasis, usersId: number, fromDay: number, toDay: number): Row[] {
  const L = account.layout
  const pos = L.positionOf(usersId)
  if (pos < 0 || !account.names().users!.has(usersId)) return []
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
export function projectReportsOf(master: MasterData): Row[] {
  const customers = new Map(master.customers.map((c) => [c.id as number, c]))
  const subs = new Map<number, Row[]>()
  for (const s of master.subprojects) {
    const list = subs.get(s.projects_id as number) ?? []
    list.push(s)
    subs.set(s.projects_id as number, list)
  }
  const out: Row[] = []
  for (const p of master.projects) {
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
