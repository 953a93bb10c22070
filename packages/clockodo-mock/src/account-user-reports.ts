import type { AccountBasis } from './account-derived.ts'
import type { Row } from './account-master.ts'
import { DAY_MS, dateOf, dayOf, isoOf, weekday } from './mock-calendar.ts'

/** User reports for `year` with detail depth `type` (0 year, 1 months, 2 weeks, 3 days, 4 days with breaks). */
export function userReportsOf(account: AccountBasis, year: number, type: number): Row[] {
  const L = account.layout
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
  for (const { pos, user: u } of account.presentUsers()) {
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
      weekday(day) === 0 || weekday(day) === 6 || day > account.todayDay ? 0 : 8 * 3600
    let sumHours = 0
    let sumTarget = 0
    let workdays = 0
    for (let d = yStart; d < yEnd; d++) {
      sumHours += hours[d - yStart]!
      sumTarget += targetOf(d)
      if (targetOf(d) > 0) workdays++
    }
    const quota = account.master.holidays_quota.find(
      (q) =>
        q.users_id === u.id &&
        (q.year_since as number) <= year &&
        (q.year_until === null || (q.year_until as number) >= year),
    )
    const carry = account.master.holidays_carry.find((q) => q.users_id === u.id && q.year === year)
    const otCarry = account.master.overtime_carry.find((q) => q.users_id === u.id && q.year === year)
    const sumAbsence = zeroAbs()
    for (const a of account.master.absences) {
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

function isoWeek(day: number): number {
  const wd = (weekday(day) + 6) % 7
  const thursday = day - wd + 3
  const y = new Date(thursday * DAY_MS).getUTCFullYear()
  const jan1 = Math.floor(Date.UTC(y, 0, 1) / DAY_MS)
  return Math.floor((thursday - jan1) / 7) + 1
}
