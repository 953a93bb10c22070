import type { Row } from './account-row.ts'
import { DAY_MS, dateOf } from './mock-calendar.ts'

/**
 * The company's fixed settings (no random draws): nonbusiness groups and the definitions of their days, access
 * groups (users are added by the staff generator), surcharge models.
 */
export function companySettings(years: readonly number[]): {
  nonbusiness_groups: Row[]
  nonbusiness_day_defs: Row[]
  access_groups: Row[]
  surcharge_models: Row[]
} {
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
  return { nonbusiness_groups, nonbusiness_day_defs, access_groups, surcharge_models }
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
