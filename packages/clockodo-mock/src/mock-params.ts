import type { Row } from './account-master.ts'
import { dayOf } from './mock-calendar.ts'

/** A request as the simulated API sees it (from msw or from node:http). */
export interface MockRequest {
  method: string
  /** Path below the API base, e.g. '/v2/entries' (case preserved). */
  route: string
  searchParams: URLSearchParams
  header(name: string): string | null
}

/** A parameter the route rejects: answered 400 with `field` named (in the route's error style). */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

/** Integer parameter `name`; undefined when absent or empty. */
export function intParam(
  req: MockRequest,
  name: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw new BadRequest(`${name} must be an integer`, name)
  const n = Number(raw)
  if (opts.min !== undefined && n < opts.min)
    throw new BadRequest(`${name} must be at least ${opts.min}`, name)
  if (opts.max !== undefined && n > opts.max)
    throw new BadRequest(`${name} must be at most ${opts.max}`, name)
  return n
}

/** Integer list from `name`, `name[]` or a comma list; undefined when absent. */
export function idsParam(req: MockRequest, name: string): number[] | undefined {
  const values = [...req.searchParams.getAll(name), ...req.searchParams.getAll(name + '[]')]
  if (values.length === 0 || values.every((v) => v === '')) return undefined
  const out: number[] = []
  for (const v of values) {
    for (const part of v.split(',')) {
      if (part === '') continue
      if (!/^\d+$/.test(part)) throw new BadRequest(`${name} must be an integer or a list of integers`, name)
      out.push(Number(part))
    }
  }
  return out
}

/** Boolean parameter (`1`/`true`, `0`/`false`); undefined when absent or empty. */
export function boolParam(req: MockRequest, name: string): boolean | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') return undefined
  if (raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new BadRequest(`${name} must be a boolean`, name)
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/

/** ISO 8601 date-time parameter as epoch ms (a bare date is "Wrong format"). */
export function dateTimeParam(req: MockRequest, name: string, required: boolean): number | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') {
    if (required) throw new BadRequest(`Parameter ${name} is required`, name)
    return undefined
  }
  const ms = Date.parse(raw)
  if (!ISO_RE.test(raw) || Number.isNaN(ms))
    throw new BadRequest(`Wrong format for ${name}: ISO 8601 date-time expected`, name)
  return ms
}

/** `YYYY-MM-DD` parameter as a day number. */
export function dateParam(req: MockRequest, name: string, required: boolean): number | undefined {
  const raw = req.searchParams.get(name)
  if (raw === null || raw === '') {
    if (required) throw new BadRequest(`Parameter ${name} is required`, name)
    return undefined
  }
  if (!DATE_RE.test(raw) || Number.isNaN(Date.parse(raw)))
    throw new BadRequest(`Wrong format for ${name}: YYYY-MM-DD expected`, name)
  return dayOf(raw)
}

/** Reads `page`/`items_per_page`; over the maximum (or below 1) is a 400, as the spec's `maximum` says. */
export function pagingParams(req: MockRequest, max: number, fallback: number): { page: number; ipp: number } {
  const page = intParam(req, 'page', { min: 1 }) ?? 1
  const ipp = intParam(req, 'items_per_page', { min: 1, max }) ?? fallback
  return { page, ipp }
}

/** `filter[fulltext]` matches one of `fields` (case-insensitive substring); true without the filter. */
export const fulltext = (req: MockRequest, row: Row, fields: string[] = ['name']): boolean => {
  const term = req.searchParams.get('filter[fulltext]')
  if (!term) return true
  const t = term.toLowerCase()
  return fields.some((f) => typeof row[f] === 'string' && (row[f] as string).toLowerCase().includes(t))
}

/** `filter[<name>]` equals the row's boolean field `name`; true without the filter. */
export const boolFilter = (req: MockRequest, row: Row, name: string): boolean => {
  const v = boolParam(req, `filter[${name}]`)
  return v === undefined || row[name] === v
}

/** The ids of parameter `param` include the row's `field`; true without the parameter. */
export const idFilter = (req: MockRequest, row: Row, param: string, field: string = param): boolean => {
  const ids = idsParam(req, param)
  return ids === undefined || ids.includes(row[field] as number)
}

/** users_id or filter[users_id], year or filter[year] (both spellings occur in Clockodo's API). */
export const either = (req: MockRequest, name: string): string =>
  req.searchParams.has(name) ? name : `filter[${name}]`
