import type { SimulatedAccount } from './clockodo-account.ts'
import { BadRequest, type MockRequest, pagingParams } from './mock-params.ts'

/** What to answer. */
export interface MockResult {
  status: number
  headers: Record<string, string>
  body: string | Uint8Array
  /** 'reset': drop the connection; 'truncate': send only part of the body. */
  fault?: 'reset' | 'truncate'
  /** Wait this long before answering. */
  delayMs: number
}

/** What a route handler gets besides the request. */
export interface HandlerContext {
  account: SimulatedAccount
  /** The authenticated API user. */
  user: string
}

/** Answers one route; may throw {@link BadRequest} when wrapped (see {@link general}). */
export type Handler = (req: MockRequest, ctx: HandlerContext) => MockResult

/** Routes by path below the API base, e.g. '/v2/entries'. */
export type RouteTable = Record<string, Handler>

/** Headers of every JSON answer. */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
}

/** A JSON answer. */
export function json(status: number, body: unknown, extra: Record<string, string> = {}): MockResult {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body), delayMs: 0 }
}

/** v3/v4-style error body (GeneralErrors). */
export function generalError(
  status: number,
  type: string,
  message: string,
  path: string | null = null,
): MockResult {
  return json(status, { errors: [{ type, message, details: null, path }] })
}

/** v2-style error body (SimpleErrorResponses). */
export function simpleError(status: number, message: string, fields: string[]): MockResult {
  return json(status, { error: { code: status, message, fields } })
}

/** Clockodo's paging block; an empty list has `count_pages: 0` with `current_page` as asked. */
export function pagingBlock(
  count: number,
  page: number,
  ipp: number,
): { items_per_page: number; current_page: number; count_pages: number; count_items: number } {
  return { items_per_page: ipp, current_page: page, count_pages: Math.ceil(count / ipp), count_items: count }
}

/** Builds a paged envelope with one JSON.stringify. */
export function pagedList<T>(
  req: MockRequest,
  key: string,
  rows: readonly T[],
  max: number,
  fallback: number = Math.min(1000, max),
): MockResult {
  const { page, ipp } = pagingParams(req, max, fallback)
  const from = (page - 1) * ipp
  return json(200, { paging: pagingBlock(rows.length, page, ipp), [key]: rows.slice(from, from + ipp) })
}

/** Wraps a GeneralErrors-style handler so {@link BadRequest} becomes a 400 GeneralErrors body. */
export const general =
  (fn: Handler): Handler =>
  (req, ctx) => {
    try {
      return fn(req, ctx)
    } catch (err) {
      if (err instanceof BadRequest) return generalError(400, 'validation', err.message, err.field)
      throw err
    }
  }
