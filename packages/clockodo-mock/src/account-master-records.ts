import { round2 } from './account-master-company.ts'
import type { Row } from './account-row.ts'
import { DAY_MS, dateOf, isoOf, WORK_TIME_START_DAY, weekday } from './mock-calendar.ts'
import type { Rng } from './mock-random.ts'

/** Moves a day forward to the next Mon-Fri. */
function toWorkday(day: number): number {
  const wd = weekday(day)
  return wd === 6 ? day + 2 : wd === 0 ? day + 1 : day
}

/** The records kept per user (and year). */
export interface UserRecords {
  absences: Row[]
  holidays_quota: Row[]
  holidays_carry: Row[]
  overtime_carry: Row[]
  overtime_reductions: Row[]
  users_nonbusiness_groups: Row[]
  target_hours: Row[]
  work_time_change_requests: Row[]
}

/**
 * Per user and year: absences, holiday quota and carry-overs, overtime carry-overs and reductions, target hours,
 * nonbusiness groups, work-time change requests (draws from `rng` after the customers).
 */
export function generateUserRecords(
  rng: Rng,
  users: readonly Row[],
  startDay: number,
  todayDay: number,
  years: readonly number[],
): UserRecords {
  const startDate = dateOf(startDay)
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
    absences,
    holidays_quota,
    holidays_carry,
    overtime_carry,
    overtime_reductions,
    users_nonbusiness_groups,
    target_hours,
    work_time_change_requests,
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
