// What the HTTP client sends besides the URL: a request's headers and body, and its checked numeric options.
import { SluiceError } from '../errors.ts'
import type { HttpRequest } from './http-types.ts'

/**
 * The headers of one request before credentials: Basic auth from the URL's userinfo (`basic`), `accept:
 * application/json`, the user agent, the client's `defaults`, the request's own headers (undefined and null left
 * out), and a content type for a body (form fields: `application/x-www-form-urlencoded`, else JSON).
 */
export function requestHeaders(
  req: HttpRequest,
  options: {
    basic: string | undefined
    hasBody: boolean
    userAgent: string
    defaults?: Record<string, string>
  },
): Headers {
  const headers = new Headers()
  if (options.basic) headers.set('Authorization', options.basic)
  headers.set('accept', 'application/json')
  headers.set('user-agent', options.userAgent)
  for (const [k, v] of Object.entries(options.defaults ?? {})) headers.set(k, v)
  for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined && v !== null) headers.set(k, v)
  if (options.hasBody && !headers.has('content-type')) {
    const form = req.json === undefined && req.form !== undefined
    headers.set('content-type', form ? 'application/x-www-form-urlencoded' : 'application/json')
  }
  return headers
}

/** The body of `req`: its JSON, else its form fields URL-encoded, else none. */
export function requestBody(req: HttpRequest): string | undefined {
  if (req.json !== undefined) return JSON.stringify(req.json)
  if (req.form === undefined) return undefined
  const form = new URLSearchParams()
  for (const [k, v] of Object.entries(req.form)) form.append(k, String(v))
  return form.toString()
}

/** `value` when it is a positive number (or undefined); else `CONFIG_INVALID` naming `client.<name>`. */
export function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isFinite(value) || value <= 0) {
    throw new SluiceError('CONFIG_INVALID', `client.${name} must be a positive number, got ${value}`)
  }
  return value
}
