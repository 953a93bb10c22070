import type { HttpRequest, QueryValue } from '../http-types.ts'
import { setPath } from '../json-path.ts'

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
