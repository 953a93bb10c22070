import { SluiceError } from '../../errors.ts'
import type { HttpRequest, QueryValue } from '../http-types.ts'
import { getPath, setPath } from '../json-path.ts'
import type { PageInfo } from './paginator-types.ts'

/** Pages one paginated request may have unless told otherwise (`maxPages`); also the most `remaining` lists. */
export const DEFAULT_MAX_PAGES = 100_000

/** A copy of `req` with query parameter `name` set. */
export function withParam(req: HttpRequest, name: string, value: QueryValue): HttpRequest {
  return { ...req, params: { ...req.params, [name]: value } }
}

/** A copy of `req` with the JSON body's `path` set. */
export function withBody(req: HttpRequest, path: string, value: unknown): HttpRequest {
  return { ...req, json: setPath(req.json ?? {}, path, value) }
}

/** A number from a body value (numbers and numeric strings), else undefined. */
export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value)
  return undefined
}

/**
 * The value at a path the paginator's config names (`totalPath`, `hasMorePath`); `PAGINATION_FIELD_MISSING` when
 * the response lacks it, or (`whole`) it is not a whole number: as dlt does, since a list that never says where
 * it ends would be paged forever.
 */
export function requiredField(page: PageInfo, path: string, key: string, whole = false): unknown {
  const value = getPath(page.body, path)
  if (value !== undefined && value !== null && (!whole || toInt(value) !== undefined)) {
    return whole ? toInt(value) : value
  }
  const body = page.body
  const shape =
    value !== undefined && value !== null
      ? `holds ${JSON.stringify(value).slice(0, 40)} there, not a whole number`
      : Array.isArray(body)
        ? 'is a list'
        : body && typeof body === 'object'
          ? `has ${Object.keys(body).slice(0, 10).join(', ') || 'no keys'}`
          : 'is not a JSON object'
  throw new SluiceError(
    'PAGINATION_FIELD_MISSING',
    `${page.response.url} answered without "${path}" (the paginator's ${key}); the response ${shape}`,
    { hint: `check the paginator's ${key}, or leave it out if the API does not send it` },
  )
}
