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
import type { Row } from './account-row.ts'
import { DAY_MS, dateOf, isoOf } from './mock-calendar.ts'
import type { Rng } from './mock-random.ts'

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

/** `n` rounded to cents. */
export const round2 = (n: number): number => Math.round(n * 100) / 100

/** Services and lump-sum services (draws from `rng`: call it first). */
export function generateServices(rng: Rng): { services: Row[]; lumpsum_services: Row[] } {
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
  return { services, lumpsum_services }
}

/** Teams and users; each user is added to one of `access_groups` (draws from `rng` after the services). */
export function generateStaff(
  rng: Rng,
  userCount: number,
  startDay: number,
  todayDay: number,
  access_groups: Row[],
): { teams: Row[]; users: Row[] } {
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
  return { teams, users }
}

/** Customers with their projects and subprojects (draws from `rng` after the staff). */
export function generateCustomers(
  rng: Rng,
  userCount: number,
  startDay: number,
  todayDay: number,
  services: readonly Row[],
): { customers: Row[]; projects: Row[]; subprojects: Row[] } {
  const serviceIds = services.map((s) => s.id as number)
  const pickServices = (): number[] => {
    const n = rng.int(0, 4)
    const set = new Set<number>()
    for (let i = 0; i < n; i++) set.add(rng.pick(serviceIds))
    return [...set].sort((a, b) => a - b)
  }
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
  return { customers, projects, subprojects }
}
