import {
  COMPANY_STEMS,
  FIRST_NAMES,
  LAST_NAMES,
  LEGAL_FORMS,
  LUMPSUM_SERVICES,
  PROJECT_NAMES,
  SERVICE_NAMES,
  SUBPROJECT_NAMES,
  TEAM_NAMES,
  TIMEZONES,
} from './account-names.ts'
import { DAY_MS, dateOf, dayOf, isoOf, weekday } from './mock-calendar.ts'
import { Rng } from './mock-random.ts'

/** A generic JSON row of master data. */
export type Row = Record<string, unknown>

/** The first day with work-time data in Clockodo. */
export const WORK_TIME_START_DAY: number = dayOf('2023-08-21')

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

const ascii = (s: string): string =>
  s
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/ë/g, 'e')
    .replace(/ı/g, 'i')
    .replace(/[^a-z0-9]+/g, '-')

const round2 = (n: number): number => Math.round(n * 100) / 100

/** Moves a day forward to the next Mon-Fri. */
function toWorkday(day: number): number {
  const wd = weekday(day)
  return wd === 6 ? day + 2 : wd === 0 ? day + 1 : day
}

/** Generates every master-data table from the seed (deterministic). */
export function generateMaster(
  seed: number,
  userCount: number,
  startDay: number,
  todayDay: number,
  years: readonly number[],
): MasterData {
  const rng = new Rng(seed)
  const startDate = dateOf(startDay)

  // services and lump-sum services
  const services: Row[] = SERVICE_NAMES.map((name, i) => ({
    id: 301 + i,
    name,
    number: i % 3 === 0 ? null : 'L-' + (100 + i),
    active: i !== SERVICE_NAMES.length - 2,
    note: rng.chance(0.3) ? 'Interne Leistung' : null,
    bill_service_id: rng.chance(0.2) ? 'BS-' + (500 + i) : null,
  }))
  const lumpsum_services: Row[] = LUMPSUM_SERVICES.map(([name, unit, price], i) => ({
    id: 401 + i,
    name,
    price,
    unit,
    active: i !== LUMPSUM_SERVICES.length - 1,
    number: i % 2 === 0 ? 'P-' + (10 + i) : null,
    note: i === 1 ? 'Pro Monat abgerechnet' : null,
  }))
  const serviceIds = services.map((s) => s.id as number)
  const pickServices = (): number[] => {
    const n = rng.int(0, 4)
    const set = new Set<number>()
    for (let i = 0; i < n; i++) set.add(rng.pick(serviceIds))
    return [...set].sort((a, b) => a - b)
  }

  // nonbusiness groups and day definitions
  const nonbusiness_groups: Row[] = [
    { id: 1, name: 'Bayern', company_default: true },
    { id: 2, name: 'Nordrhein-Westfalen', company_default: false },
  ]
  const recurring: [string, number, number][] = [
    ['Neujahr', 1, 1],
    ['Tag der Arbeit', 1, 5],
    ['Tag der Deutschen Einheit', 3, 10],
    ['1. Weihnachtstag', 25, 12],
    ['2. Weihnachtstag', 26, 12],
    ['Heiligabend', 24, 12],
    ['Silvester', 31, 12],
  ]
  const specials: [string, number, number][] = [
    ['Karfreitag', 1, -2],
    ['Ostermontag', 2, 1],
    ['Christi Himmelfahrt', 3, 39],
    ['Pfingstmontag', 4, 50],
    ['Fronleichnam', 5, 60],
  ]
  const nonbusiness_day_defs: Row[] = []
  let nbId = 1
  for (const g of [1, 2]) {
    for (const [name, day, month] of recurring) {
      nonbusiness_day_defs.push({
        id: nbId++,
        nonbusiness_group_id: g,
        type: 'DISTINCT_RECURRING',
        name,
        half_day: name === 'Heiligabend' || name === 'Silvester',
        surcharge_special: name.includes('Weihnacht'),
        day,
        month,
      })
    }
    if (g === 1) {
      nonbusiness_day_defs.push({
        id: nbId++,
        nonbusiness_group_id: g,
        type: 'DISTINCT_RECURRING',
        name: 'Heilige Drei Könige',
        half_day: false,
        surcharge_special: false,
        day: 6,
        month: 1,
      })
    }
    for (const [name, special, offset] of specials) {
      nonbusiness_day_defs.push({
        id: nbId++,
        nonbusiness_group_id: g,
        type: 'SPECIAL',
        name,
        half_day: false,
        surcharge_special: false,
        special_id: special,
        offset,
      })
    }
    const onceYear = years[Math.min(years.length - 1, 1)] ?? years[0]!
    nonbusiness_day_defs.push({
      id: nbId++,
      nonbusiness_group_id: g,
      type: 'DISTINCT_ONCE',
      name: g === 1 ? 'Betriebsausflug' : 'Firmenjubiläum',
      half_day: g === 2,
      surcharge_special: false,
      day: 14,
      month: 6,
      year: onceYear,
    })
  }

  // access groups and surcharge models
  const access_groups: Row[] = [
    {
      id: 1,
      name: 'Mitarbeitende',
      users_ids: [],
      has_elevated_access: false,
      has_master_data_access: false,
      company_default: true,
    },
    {
      id: 2,
      name: 'Projektleitung',
      users_ids: [],
      has_elevated_access: true,
      has_master_data_access: true,
      company_default: false,
    },
    {
      id: 3,
      name: 'Buchhaltung',
      users_ids: [],
      has_elevated_access: null,
      has_master_data_access: true,
      company_default: false,
    },
  ]
  const surcharge_models: Row[] = [
    {
      id: 1,
      name: 'Standard-Zuschläge',
      accumulation: true,
      night: { percent: 25, time_since: '22:00:00', time_until: '06:00:00' },
      night_increased: { percent: 40, time_since: '00:00:00', time_until: '04:00:00' },
      nonbusiness: {
        percent: 125,
        time_since: '00:00:00',
        time_until: '24:00:00',
        time_since_is_previous_day: false,
        time_until_is_next_day: false,
      },
      nonbusiness_special: {
        percent: 150,
        time_since: '14:00:00',
        time_until: '24:00:00',
        time_since_is_previous_day: false,
        time_until_is_next_day: false,
      },
      sunday: {
        percent: 50,
        time_since: '00:00:00',
        time_until: '04:00:00',
        time_since_is_previous_day: false,
        time_until_is_next_day: true,
      },
      saturday: null,
    },
    {
      id: 2,
      name: 'Ohne Nachtzuschlag',
      accumulation: false,
      night: null,
      night_increased: null,
      nonbusiness: null,
      nonbusiness_special: null,
      sunday: null,
      saturday: null,
    },
  ]

  // teams and users
  const teamCount = Math.max(1, Math.ceil(userCount / 6))
  const teams: Row[] = []
  for (let t = 0; t < teamCount; t++) {
    teams.push({
      id: 11 + t,
      name:
        TEAM_NAMES[t % TEAM_NAMES.length]! +
        (t >= TEAM_NAMES.length ? ' ' + (1 + Math.floor(t / TEAM_NAMES.length)) : ''),
      leader: null,
      user_ids: [],
    })
  }
  const users: Row[] = []
  const usedEmails = new Set<string>()
  for (let u = 0; u < userCount; u++) {
    const first = rng.pick(FIRST_NAMES)
    const last = rng.pick(LAST_NAMES)
    const id = 101 + u
    let email = u === 0 ? 'demo@sluice.dev' : ascii(first) + '.' + ascii(last) + '@nordlicht-beratung.de'
    if (usedEmails.has(email)) email = email.replace('@', '.' + id + '@')
    usedEmails.add(email)
    const team = u === 0 || rng.chance(0.9) ? (teams[u % teamCount]! as Row) : null
    const userStart =
      u < Math.ceil(userCount * 0.7)
        ? startDay - rng.int(0, 900)
        : rng.int(startDay, Math.max(startDay, todayDay - 30))
    const active = u === 0 || !rng.chance(0.08)
    const accessGroup = u === 0 ? 2 : rng.chance(0.8) ? 1 : rng.pick([2, 3])
    ;(access_groups[accessGroup - 1]!.users_ids as number[]).push(id)
    if (team) {
      ;(team.user_ids as number[]).push(id)
      if (team.leader === null && rng.chance(0.7)) team.leader = id
    }
    const lockDyn = rng.chance(0.3) ? rng.pick([1, 2, 3, 5, 8, 15, 31, 46, 91]) : null
    users.push({
      id,
      name: first + ' ' + last,
      number: rng.chance(0.7) ? 'MA-' + String(1000 + u) : null,
      active,
      email,
      role: u === 0 || rng.chance(0.05) ? 'owner' : 'worker',
      teams_id: team ? team.id : null,
      initials: first[0]! + last[0]!,
      language: rng.chance(0.85) ? 'de' : rng.pick(['en', 'fr']),
      timezone: rng.pick(TIMEZONES),
      weekstart_monday: true,
      weekend_friday: false,
      timeformat_12h: rng.chance(0.05),
      nonbusiness_groups_id: rng.chance(0.9) ? (rng.chance(0.7) ? 1 : 2) : null,
      work_time_regulations_id: rng.chance(0.5) ? 1 : null,
      default_work_time_regulation: rng.chance(0.5),
      boss: u === 0 ? null : 101,
      absence_managers_id: u === 0 ? [] : [101],
      access_groups_ids: [accessGroup],
      can_generally_see_absences: u === 0 || rng.chance(0.3),
      can_generally_manage_absences: u === 0,
      can_add_customers: u === 0 || rng.chance(0.2),
      default_holidays_count: rng.chance(0.8),
      default_target_hours: rng.chance(0.7),
      future_coworker: false,
      start_date: rng.chance(0.9) ? dateOf(userStart) : null,
      wage_type: rng.chance(0.8) ? 1 : rng.chance(0.5) ? 2 : null,
      edit_lock: rng.chance(0.2) ? dateOf(todayDay - rng.int(30, 200)) : null,
      edit_lock_dyn: lockDyn,
      edit_lock_sync: lockDyn === null ? null : rng.chance(0.5),
      work_time_edit_lock_days: rng.chance(0.4) ? rng.pick([0, 1, 2, 3, 5, 8, 15, 31, 46, 91]) : null,
      budget_notifications: rng.chance(0.5),
      creator: u === 0 ? null : 101,
      created_at: isoOf(userStart * DAY_MS + rng.int(8, 17) * 3600_000),
      bill_service_id: null,
    })
  }

  // customers, projects, subprojects
  const customers: Row[] = []
  const projects: Row[] = []
  const subprojects: Row[] = []
  const customerCount = Math.max(4, userCount * 2)
  let projectId = 2001
  let subprojectId = 5001
  for (let c = 0; c < customerCount; c++) {
    const name =
      COMPANY_STEMS[c % COMPANY_STEMS.length]! +
      (c >= COMPANY_STEMS.length ? ' ' + (1 + Math.floor(c / COMPANY_STEMS.length)) : '') +
      ' ' +
      rng.pick(LEGAL_FORMS)
    const cid = 1001 + c
    const cActive = c < 2 || !rng.chance(0.1)
    customers.push({
      id: cid,
      name,
      number: rng.chance(0.7) ? 'K-' + (1000 + c) : null,
      color: rng.int(1, 9),
      active: cActive,
      billable_default: rng.chance(0.8),
      note: rng.chance(0.2) ? 'Ansprechpartner: ' + rng.pick(FIRST_NAMES) + ' ' + rng.pick(LAST_NAMES) : null,
      bill_service_id: rng.chance(0.1) ? 'BS-C' + cid : null,
      test_data: false,
      service_assignments: pickServices(),
    })
    const pCount = c < 2 ? 2 : rng.int(0, 4)
    for (let p = 0; p < pCount; p++) {
      const pid = projectId++
      const completed = rng.chance(0.15)
      const hasBudget = rng.chance(0.6)
      const monetary = rng.chance(0.5)
      const subs: Row[] = []
      if (rng.chance(0.3)) {
        const n = rng.int(1, 3)
        for (let s = 0; s < n; s++) {
          const sCompleted = completed || rng.chance(0.1)
          subs.push({
            id: subprojectId++,
            projects_id: pid,
            name: SUBPROJECT_NAMES[(s + p) % SUBPROJECT_NAMES.length]!,
            note: rng.chance(0.2) ? 'Teilprojekt laut Angebot' : null,
            number: rng.chance(0.5) ? 'TP-' + subprojectId : null,
            budget: rng.chance(0.5)
              ? {
                  monetary,
                  hard: rng.chance(0.3),
                  amount: rng.chance(0.9) ? rng.int(10, 200) * 50 : null,
                  notification_thresholds: rng.chance(0.5) ? [80, 100] : [],
                }
              : null,
            billed: rng.chance(0.2) ? 1 : rng.chance(0.5) ? 0 : null,
            billed_money: rng.chance(0.2) ? round2(rng.next() * 20000) : null,
            billed_completely: rng.chance(0.3) ? rng.chance(0.5) : null,
            billable_default: rng.chance(0.8),
            completed: sCompleted,
            completed_at: sCompleted ? isoOf((todayDay - rng.int(5, 400)) * DAY_MS + 15 * 3600_000) : null,
            revenue_factor: rng.chance(0.2) ? 1.1 : null,
            start_date: rng.chance(0.5) ? dateOf(startDay + rng.int(0, 300)) : null,
            deadline: rng.chance(0.4) ? dateOf(todayDay + rng.int(-100, 200)) : null,
            active: !sCompleted || rng.chance(0.5),
            automatic_completion: rng.chance(0.2),
            service_assignments: pickServices(),
            bill_service_id: null,
          })
        }
      }
      const fromSubs = hasBudget && subs.length > 0 && rng.chance(0.3)
      const subTotal = subs.reduce(
        (sum, s) => sum + (((s.budget as Row | null)?.amount as number | null) ?? 0),
        0,
      )
      projects.push({
        id: pid,
        customers_id: cid,
        name: PROJECT_NAMES[(c + p) % PROJECT_NAMES.length]! + (p > 0 ? ' ' + (p + 1) : ''),
        number: rng.chance(0.6) ? 'P-' + pid : null,
        active: !completed && cActive,
        billable_default: rng.chance(0.8),
        note: rng.chance(0.25) ? 'Abrechnung monatlich nach Aufwand' : null,
        billed_money: rng.chance(0.3) ? round2(rng.next() * 50000) : null,
        billed_completely: completed ? rng.chance(0.6) : rng.chance(0.5) ? false : null,
        completed,
        completed_at: completed ? isoOf((todayDay - rng.int(5, 500)) * DAY_MS + 16 * 3600_000) : null,
        revenue_factor: rng.chance(0.2) ? round2(0.8 + rng.next() * 0.4) : null,
        deadline: rng.chance(0.4) ? dateOf(todayDay + rng.int(-200, 300)) : null,
        start_date: rng.chance(0.6) ? dateOf(startDay + rng.int(0, 400)) : null,
        automatic_completion: rng.chance(0.2),
        test_data: false,
        count_subprojects: subs.length,
        budget: hasBudget
          ? {
              monetary,
              hard: rng.chance(0.3),
              from_subprojects: fromSubs,
              interval: rng.chance(0.6) ? null : rng.int(0, 3),
              amount: fromSubs ? null : rng.int(10, 400) * (monetary ? 100 : 5),
              subprojects_budget_total: subTotal,
              notification_thresholds: rng.chance(0.5) ? [rng.pick([50, 60, 70, 80]), 100] : [],
            }
          : null,
        bill_service_id: rng.chance(0.1) ? 'BS-P' + pid : null,
        service_assignments: pickServices(),
      })
      subprojects.push(...subs)
    }
  }

  // per user and year: absences, holiday quota/carry, overtime, target hours, nonbusiness groups, change requests
  const absences: Row[] = []
  const holidays_quota: Row[] = []
  const holidays_carry: Row[] = []
  const overtime_carry: Row[] = []
  const overtime_reductions: Row[] = []
  const users_nonbusiness_groups: Row[] = []
  const target_hours: Row[] = []
  const work_time_change_requests: Row[] = []
  let absenceId = 1
  let quotaId = 1
  let carryId = 1
  let otCarryId = 1
  let reductionId = 1
  let unbgId = 1
  let targetId = 1
  let crId = 1
  const dayTypes = [1, 1, 1, 2, 4, 4, 5, 6, 8, 8, 9, 10, 11, 12, 13, 14, 15]
  for (const user of users) {
    const uid = user.id as number
    holidays_quota.push({
      id: quotaId++,
      users_id: uid,
      year_since: years[0]!,
      year_until: null,
      count: rng.pick([25, 28, 30]),
      note: null,
    })
    if (rng.chance(0.3)) {
      holidays_quota.push({
        id: quotaId++,
        users_id: uid,
        year_since: years[0]! - 3,
        year_until: years[0]! - 1,
        count: 24,
        note: 'Alter Vertrag',
      })
    }
    const groupSwitch = rng.chance(0.2)
    users_nonbusiness_groups.push({
      id: unbgId++,
      date_since: startDate,
      date_until: groupSwitch ? dateOf(startDay + 200) : null,
      nonbusiness_groups_id: user.nonbusiness_groups_id ?? 1,
      users_id: uid,
    })
    if (groupSwitch) {
      users_nonbusiness_groups.push({
        id: unbgId++,
        date_since: dateOf(startDay + 201),
        date_until: null,
        nonbusiness_groups_id: rng.chance(0.8) ? 2 : null,
        users_id: uid,
      })
    }
    const weekly = rng.chance(0.8)
    const older = rng.chance(0.3)
    const thStart = older ? startDay + 180 : startDay
    if (older) {
      target_hours.push(
        weeklyTarget(targetId++, uid, startDate, dateOf(thStart - 1), 4, rng.chance(0.5) ? 1 : null),
      )
    }
    target_hours.push(
      weekly
        ? weeklyTarget(
            targetId++,
            uid,
            dateOf(thStart),
            null,
            rng.pick([8, 8, 6, 7.5]),
            rng.chance(0.3) ? 1 : null,
          )
        : {
            id: targetId++,
            users_id: uid,
            surcharge_models_id: null,
            type: 'monthly',
            date_since: dateOf(thStart),
            date_until: null,
            test_data: false,
            workday_monday: true,
            workday_tuesday: true,
            workday_wednesday: true,
            workday_thursday: true,
            workday_friday: rng.chance(0.5),
            workday_saturday: false,
            workday_sunday: false,
            monthly_target: rng.pick([80, 120, 160]),
            compensation_monthly: 0,
          },
    )
    for (const year of years) {
      holidays_carry.push({
        id: carryId++,
        users_id: uid,
        year,
        count: rng.int(0, 10) / 2,
        note: rng.chance(0.2) ? 'Übertrag aus Vorjahr' : null,
      })
      overtime_carry.push({
        id: otCarryId++,
        users_id: uid,
        year,
        hours: round2((rng.next() - 0.3) * 40),
        note: rng.chance(0.2) ? 'Korrektur' : null,
      })
      const yStart = Math.floor(Date.UTC(year, 0, 1) / DAY_MS)
      const yLen = Math.floor(Date.UTC(year + 1, 0, 1) / DAY_MS) - yStart
      const n = rng.int(3, 7)
      for (let a = 0; a < n; a++) {
        const since = toWorkday(yStart + rng.int(0, yLen - 12))
        const len = rng.int(1, 5)
        const until = toWorkday(since + len - 1)
        const hourAbsence = rng.chance(0.12)
        const status = rng.chance(0.8) ? 1 : rng.pick([0, 2, 3, 4])
        const enquired = since - rng.int(3, 60)
        const type = hourAbsence ? 3 : rng.pick(dayTypes)
        const row: Row = {
          id: absenceId++,
          users_id: uid,
          date_since: dateOf(since),
          date_until: dateOf(hourAbsence ? since : until),
          type,
          status,
          note: rng.chance(0.3) ? 'Urlaub an der Nordsee' : null,
          public_note: rng.chance(0.2) ? 'Vertretung: Team' : null,
          sick_note: type === 4 ? rng.chance(0.5) : null,
          count_days: hourAbsence ? 0.5 : until - since + 1 - (weekday(since) > weekday(until) ? 2 : 0),
          count_hours: hourAbsence ? rng.pick([2, 3.5, 4]) : null,
          date_enquired: rng.chance(0.9) ? dateOf(enquired) : null,
          date_approved: status === 1 ? dateOf(enquired + rng.int(0, 3)) : null,
          approved_by: status === 1 ? 101 : null,
        }
        absences.push(row)
      }
      if (rng.chance(0.4)) {
        const day = toWorkday(yStart + rng.int(0, yLen - 5))
        overtime_reductions.push({
          id: reductionId++,
          users_id: uid,
          date: dateOf(day),
          hours: rng.pick([1, 2, 4, 8]),
          note: rng.chance(0.5) ? 'Gleitzeitabbau' : null,
          added_at: dateOf(day - rng.int(0, 10)),
          added_by_users_id: 101,
        })
      }
    }
    const crFrom = Math.max(startDay, WORK_TIME_START_DAY)
    if (crFrom < todayDay) {
      const n = rng.int(0, 3)
      for (let r = 0; r < n; r++) {
        const day = Math.min(toWorkday(rng.int(crFrom, todayDay - 1)), todayDay - 1)
        const status = rng.chance(0.7) ? 1 : 2
        const base = day * DAY_MS
        work_time_change_requests.push({
          id: crId++,
          date: dateOf(day),
          users_id: uid,
          status,
          created_at: isoOf(base + 18 * 3600_000),
          declined_at: status === 2 ? isoOf(base + 2 * DAY_MS + 9 * 3600_000) : null,
          declined_by: status === 2 ? 101 : null,
          changes: [
            { type: 1, time_since: isoOf(base + 7 * 3600_000), time_until: isoOf(base + 12 * 3600_000) },
            ...(rng.chance(0.5)
              ? [
                  {
                    type: 2,
                    time_since: isoOf(base + 12 * 3600_000),
                    time_until: isoOf(base + 12.5 * 3600_000),
                  },
                ]
              : []),
          ],
        })
      }
    }
  }
  return {
    users,
    teams,
    customers,
    projects,
    subprojects,
    services,
    lumpsum_services,
    absences,
    holidays_quota,
    holidays_carry,
    overtime_carry,
    overtime_reductions,
    nonbusiness_groups,
    nonbusiness_day_defs,
    users_nonbusiness_groups,
    target_hours,
    work_time_change_requests,
    access_groups,
    surcharge_models,
  }
}

function weeklyTarget(
  id: number,
  uid: number,
  since: string,
  until: string | null,
  hours: number,
  surcharge: number | null,
): Row {
  return {
    id,
    users_id: uid,
    surcharge_models_id: surcharge,
    type: 'weekly',
    date_since: since,
    date_until: until,
    test_data: false,
    monday: hours,
    tuesday: hours,
    wednesday: hours,
    thursday: hours,
    friday: hours === 8 ? 6 : hours,
    saturday: 0,
    sunday: 0,
    absence_fixed_credit: false,
    compensation_daily: 0,
    compensation_monthly: 0,
  }
}

/** Nonbusiness days of `year` evaluated from their definitions (DISTINCT_ONCE only in their year). */
export function nonbusinessDaysOf(defs: readonly Row[], year: number, easterDay: number): Row[] {
  const out: Row[] = []
  for (const d of defs) {
    const { offset, ...rest } = d
    if (d.type === 'SPECIAL') {
      out.push({ ...rest, evaluated_date: dateOf(easterDay + (offset as number)) })
    } else if (d.type === 'DISTINCT_RECURRING') {
      out.push({
        ...rest,
        evaluated_date: dateOf(Math.floor(Date.UTC(year, (d.month as number) - 1, d.day as number) / DAY_MS)),
      })
    } else if (d.year === year) {
      out.push({
        ...rest,
        evaluated_date: dateOf(Math.floor(Date.UTC(year, (d.month as number) - 1, d.day as number) / DAY_MS)),
      })
    }
  }
  return out
}
