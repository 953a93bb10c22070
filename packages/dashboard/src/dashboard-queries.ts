// What the dashboard reads from a pipeline's dataset, always through the dataset API (the destination's
// read-only reader): row counts, pages of a table, one SQL statement, the loads, Clockodo hours per week.
import { type Dataset, type Relation, type RelationColumn, type Schema, SluiceError } from '@sluice/core'

/** Rows of a result as the page gets them: the columns, then tuples of JSON values. */
export interface RowsView {
  columns: RelationColumn[]
  rows: unknown[][]
  /** True when the result had more rows than returned. */
  more: boolean
}

/** The most rows one request may ask for. */
export const MAX_ROWS = 10_000

/** The furthest a table page may start (pages are read from the start: deep paging would read it all). */
export const MAX_OFFSET = 100_000

/** A value as JSON can carry it: dates as ISO text, big integers and bytes as text. */
export function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return value
}

/** Reads up to `limit` rows after skipping `offset`, and whether there were more. */
export async function readRows(relation: Relation, offset: number, limit: number): Promise<RowsView> {
  let columns: RelationColumn[] = []
  const rows: unknown[][] = []
  let seen = 0
  let more = false
  for await (const chunk of relation.limit(offset + limit + 1).iterTuples({ chunkSize: 1000 })) {
    columns = [...chunk.columns]
    for (const row of chunk.rows) {
      if (seen++ < offset) continue
      if (rows.length === limit) {
        more = true
        break
      }
      rows.push(row.map(jsonValue))
    }
  }
  return { columns, rows, more }
}

/** Parses a whole-number query parameter within bounds. */
export function countParam(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new SluiceError('QUERY_INVALID', `${name} "${value}" must be a whole number from 0 to ${max}`, {
      hint: `e.g. ${name}=${fallback}`,
    })
  }
  return n
}

/** One SQL statement through the reader, at most `limit` rows; with the time it took. */
export async function runQuery(
  dataset: Dataset,
  sql: string,
  limit: number,
): Promise<RowsView & { ms: number }> {
  if (sql.trim() === '') {
    throw new SluiceError('QUERY_INVALID', 'the query is empty', { hint: 'write one SELECT statement' })
  }
  const started = performance.now()
  const result = await readRows(dataset.query(sql), 0, limit)
  return { ...result, ms: Math.round(performance.now() - started) }
}

/** The `_sluice_loads` rows of the pipeline's schemas, newest first. */
export async function loadsOf(
  dataset: Dataset,
  schemaNames: readonly string[],
  limit: number,
): Promise<RowsView> {
  let relation = dataset.table('_sluice_loads').orderBy('inserted_at', 'desc')
  if (schemaNames.length > 0) relation = relation.where('schema_name', 'in', [...schemaNames])
  return readRows(relation, 0, limit)
}

/** Hours per week of one person or project. */
export interface HoursSeries {
  name: string
  hours: number[]
}

/** Clockodo hours per user and per project, per week (Monday first) of the last weeks of `entries`. */
export interface HoursView {
  /** The Mondays (`YYYY-MM-DD`, UTC) of the weeks, oldest first. */
  weeks: string[]
  /** The people with the most hours first (the rest summed as `others`). */
  users: HoursSeries[]
  projects: HoursSeries[]
  /** Hours of all entries of the weeks. */
  total: number
  /** Entries counted. */
  entries: number
}

const HOURS_COLUMNS = ['time_since', 'duration', 'users_name', 'projects_name'] as const

/** True when the schema has Clockodo's `entries` with the columns the hours chart reads. */
export function hasClockodoEntries(schema: Schema | undefined): boolean {
  const entries = schema?.tables['entries']
  return entries !== undefined && HOURS_COLUMNS.every((c) => entries.columns.some((x) => x.name === c))
}

function monday(d: Date): Date {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7))
  return day
}

const WEEK_MS = 7 * 24 * 3600 * 1000

function series(totals: Map<string, number[]>, top: number, weeks: number): HoursSeries[] {
  const ranked = [...totals.entries()]
    .map(([name, hours]) => ({ name, hours, sum: hours.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.sum - a.sum || a.name.localeCompare(b.name))
  const out = ranked.slice(0, top).map(({ name, hours }) => ({ name, hours: hours.map(round) }))
  if (ranked.length > top) {
    const rest = new Array<number>(weeks).fill(0)
    for (const r of ranked.slice(top)) {
      r.hours.forEach((h, i) => {
        rest[i]! += h
      })
    }
    out.push({ name: `${ranked.length - top} others`, hours: rest.map(round) })
  }
  return out
}

function round(h: number): number {
  return Math.round(h * 100) / 100
}

/** Sums `entries.duration` (seconds) per user and project over the `weeks` weeks up to the newest entry. */
export async function clockodoHours(dataset: Dataset, weeks: number, top = 12): Promise<HoursView> {
  const newest = await dataset.table('entries').max('time_since').scalar()
  if (!(newest instanceof Date)) return { weeks: [], users: [], projects: [], total: 0, entries: 0 }
  const first = new Date(monday(newest).getTime() - (weeks - 1) * WEEK_MS)
  const labels = Array.from({ length: weeks }, (_, i) =>
    new Date(first.getTime() + i * WEEK_MS).toISOString().slice(0, 10),
  )
  const users = new Map<string, number[]>()
  const projects = new Map<string, number[]>()
  const add = (m: Map<string, number[]>, key: string, week: number, hours: number) => {
    let row = m.get(key)
    if (!row) {
      row = new Array<number>(weeks).fill(0)
      m.set(key, row)
    }
    row[week]! += hours
  }
  let total = 0
  let entries = 0
  const relation = dataset
    .table('entries')
    .select(...HOURS_COLUMNS)
    .where('time_since', 'gte', first)
  for await (const chunk of relation.iterRows({ chunkSize: 5000 })) {
    for (const row of chunk) {
      const since = row['time_since']
      if (!(since instanceof Date)) continue
      const week = Math.floor((since.getTime() - first.getTime()) / WEEK_MS)
      if (week < 0 || week >= weeks) continue
      const hours = Number(row['duration'] ?? 0) / 3600
      add(users, String(row['users_name'] ?? '(no user)'), week, hours)
      add(projects, String(row['projects_name'] ?? '(no project)'), week, hours)
      total += hours
      entries++
    }
  }
  return {
    weeks: labels,
    users: series(users, top, weeks),
    projects: series(projects, top, weeks),
    total: round(total),
    entries,
  }
}
