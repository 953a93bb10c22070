// The checks every request passes before any route runs: the Host header (against DNS rebinding), the token
// (in the URL once, then an HttpOnly SameSite=Strict cookie), the Origin of requests that send data; and the
// headers every response carries (a strict Content-Security-Policy: the page loads nothing from elsewhere).
import type { MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'

/** What the guard checks against. */
export interface GuardOptions {
  token: string
  /** The port the server listens on (the Host header must name it). */
  port: number
  /** The interface given (`--host`), also accepted as a host name. */
  host: string
}

/** The cookie that carries the token: one per port, since cookies are shared by every port of a host. */
export function cookieName(port: number): string {
  return `sluice_dashboard_${port}`
}

/** A random token: 32 bytes as hex. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Compares in time independent of where the strings differ. */
function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/** The Host header values the server answers: loopback names with the port, and the `--host` given. */
export function allowedHosts(options: Pick<GuardOptions, 'port' | 'host'>): Set<string> {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]'])
  hosts.add(options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host)
  return new Set([...hosts].map((h) => `${h}:${options.port}`))
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
}

/** The middleware that refuses requests with a wrong Host, without the token, or from another origin. */
export function guard(options: GuardOptions): MiddlewareHandler {
  const hosts = allowedHosts(options)
  const cookie = cookieName(options.port)
  return async (c, next) => {
    const refuse = (status: 401 | 403, text: string) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v)
      return c.text(text, status)
    }
    const host = c.req.header('host')?.toLowerCase()
    if (!host || !hosts.has(host)) {
      return refuse(403, `host "${host ?? ''}" is not served here: open the URL sluice printed`)
    }
    const fromUrl = c.req.query('token')
    const authorized =
      sameToken(fromUrl, options.token) ||
      sameToken(getCookie(c, cookie), options.token) ||
      sameToken(c.req.header('authorization')?.replace(/^Bearer /, ''), options.token)
    if (!authorized) {
      return refuse(
        401,
        'this dashboard needs its token: open the URL sluice printed (it ends in ?token=...)',
      )
    }
    const origin = c.req.header('origin')
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && origin !== undefined) {
      if (!hosts.has(origin.replace(/^https?:\/\//, '').toLowerCase()))
        return refuse(403, `requests from ${origin} are refused`)
    }
    if (fromUrl !== undefined) {
      setCookie(c, cookie, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' })
      // the token leaves the address bar (and the history) once the cookie holds it
      if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) {
        const url = new URL(c.req.url)
        url.searchParams.delete('token')
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v)
        return c.redirect(`${url.pathname}${url.search}`, 303)
      }
    }
    await next()
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v)
  }
}
