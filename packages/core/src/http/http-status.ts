// What a response's status and body tell the HTTP client: whether to retry, how long to wait, what went wrong.
import { bodySnippet, HttpError } from './http-error.ts'

/** The statuses retried by default: 408, 429 and 5xx. */
export const DEFAULT_RETRY_STATUS = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500

/** Parses `Retry-After` (seconds or an HTTP date) into ms from `now`; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const date = Date.parse(v)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** The text of an API error body, if it has one. */
export function apiMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined
  if (!body || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string' && v.trim()) return v.trim()
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>
      return pick(o['message']) ?? pick(o['detail']) ?? pick(o['title'])
    }
    if (Array.isArray(v)) {
      const msgs = v.map(pick).filter((x) => x !== undefined)
      return msgs.length ? msgs.join('; ') : undefined
    }
    return undefined
  }
  return (
    pick(b['error_description']) ??
    pick(b['error']) ??
    pick(b['errors']) ??
    pick(b['message']) ??
    pick(b['detail']) ??
    pick(b['title'])
  )
}

/** What to do about a request that failed with `status` (for the error's hint). */
export function statusHint(status: number): string {
  if (status === 401) return 'check the credentials (API key, user, token)'
  if (status === 403)
    return 'the credentials have no rights for this resource; grant them or leave the resource out'
  if (status === 404 || status === 410)
    return 'the route is retired or the path is wrong; check the path and API version'
  if (status === 400 || status === 422)
    return 'the API rejected the request parameters; check params and body'
  if (status === 429)
    return 'the API rate limit was hit and retries ran out; lower the request rate or retry later'
  if (status >= 500) return 'the API failed on its side and retries ran out; retry later'
  return 'check the request'
}

/** The JSON value of `text`, or undefined when it is not JSON. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The error of an answer that is not 2xx: the request, the URL that answered when a redirect led elsewhere, the
 * API's message. A refusal (401, 403, 407) from an origin that got no credentials says so and names the origins
 * that get them.
 */
export function statusError(o: {
  method: string
  /** The request's URL, secrets removed. */
  safe: string
  answer: { status: number; text: string; url: string; trusted: boolean }
  origins: readonly string[]
  redact(text: string): string
  transient: boolean
}): HttpError {
  const { status, text, url } = o.answer
  const apiMsg = apiMessage(tryJson(text) ?? text)
  const via = url !== o.safe ? ` (redirected to ${url})` : ''
  const message = o.redact(
    `${o.method} ${o.safe} failed with HTTP ${status}${via}${apiMsg ? `: ${bodySnippet(apiMsg)}` : ''}`,
  )
  const refused = status === 401 || status === 403 || status === 407
  const hint =
    refused && !o.answer.trusted
      ? `${new URL(url).origin} got no credentials: sluice sends them only to ${o.origins.join(', ')}; if that host belongs to the API, add it to the client's allowedHosts`
      : statusHint(status)
  return new HttpError(message, { status, url, hint, transient: o.transient })
}
