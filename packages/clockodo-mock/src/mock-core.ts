import { type ClockodoAccount, SimulatedAccount } from './clockodo-account.ts'
import type { MockRequest } from './mock-params.ts'
import { Rng } from './mock-random.ts'
import { CLOCKODO_RATE_LIMITS, RateLimiter, type RateLimits } from './mock-rate-limit.ts'
import {
  generalError,
  type Handler,
  JSON_HEADERS,
  json,
  type MockResult,
  type RouteTable,
} from './mock-responses.ts'
import { ENTRY_ROUTES } from './mock-routes-entries.ts'
import { accessRoute, MASTER_ROUTES } from './mock-routes-master.ts'
import { REPORT_ROUTES } from './mock-routes-reports.ts'

/** Credentials the simulated account accepts by default. */
export const DEFAULT_CREDENTIALS: { user: string; apiKey: string } = {
  user: 'demo@sluice.dev',
  apiKey: 'demo-api-key-0000',
}

/** Faults to inject; every rate is a share in [0, 1], drawn from a seeded random sequence (one draw set per request). */
export interface MockFaults {
  /** Delay every response by this many milliseconds. */
  latencyMs?: number
  /** Share of requests answered with 500. */
  errorRate?: number
  /** Share of requests whose connection is reset (msw: network error; server: socket destroyed). */
  resetRate?: number
  /** Share of 200 answers whose JSON body is cut in half (server: connection closed before Content-Length bytes). */
  truncateRate?: number
  /** In every block of `every` requests the last `count` are answered 429 with Retry-After (default 1 s). */
  burst429?: { every: number; count: number; retryAfterSeconds?: number }
  /** Delay of a slow response (meant to exceed a client's timeout). */
  slowMs?: number
  /** Share of requests answered after slowMs. */
  slowRate?: number
  /** Seed of the fault sequence. Default 1. */
  seed?: number
}

/** Behaviour of the simulated API. */
export interface MockOptions {
  /** Accepted credentials. Default {@link DEFAULT_CREDENTIALS}. */
  credentials?: { user: string; apiKey: string }
  /** Fault injection. Default none. */
  faults?: MockFaults
  /** true (default) = Clockodo's real per-user limits; false = none; an object overrides single limits. */
  rateLimits?: boolean | Partial<RateLimits>
  /** Answer a repeated URL (+ credentials) from the stored bytes of its first 200 answer (for benchmarks). Default false. */
  cache?: boolean
  /** Clock for rate-limit windows (epoch ms). Default Date.now (so vi.useFakeTimers works too). */
  now?: () => number
  /** Routes (e.g. '/v4/absences') the key has no rights for: they answer 403 with the GeneralErrors body. */
  forbidden?: readonly string[]
}

/** Every current list route (path below the API base) and its handler. */
const ROUTES: RouteTable = { ...ENTRY_ROUTES, ...MASTER_ROUTES, ...REPORT_ROUTES }

/** Current list routes (relative to the API base), in registration order; ':id' marks a path parameter. */
export const CURRENT_ROUTES: readonly string[] = [
  ...Object.keys(ROUTES),
  '/v2/users/:id/access/customers-projects',
  '/v2/users/:id/access/services',
]

/** Retired routes: they answer 410 Gone (plus every path under /v1/). */
export const RETIRED_ROUTES: readonly string[] = [
  '/customers',
  '/v2/customers',
  '/projects',
  '/v2/projects',
  '/services',
  '/v2/services',
  '/v3/services',
  '/lumpsumservices',
  '/v2/lumpsumservices',
  '/v2/lumpSumServices',
  '/v3/lumpSumServices',
  '/users',
  '/v2/users',
  '/teams',
  '/v2/teams',
  '/absences',
  '/v2/absences',
  '/v3/absences',
  '/entries',
  '/v2/entriesTexts',
  '/holidaysquota',
  '/holidayscarry',
  '/overtimecarry',
  '/nonbusinessdays',
  '/nonbusinessgroups',
  '/users/me',
  '/v2/users/me',
  '/aggregates/users/me',
  '/v2/aggregates/users/me',
  '/v2/customers/countProjects',
  '/v3/lumpsumservices',
]
const RETIRED = new Set(RETIRED_ROUTES)

/** Per-handler-set state: credentials, rate limits, faults, cache. */
export class MockCore {
  readonly account: SimulatedAccount
  private readonly credentials: { user: string; apiKey: string }
  private readonly limiter: RateLimiter | undefined
  private readonly faults: MockFaults
  private readonly forbidden: ReadonlySet<string>
  private readonly rng: Rng
  private requestCount = 0
  private readonly cache: Map<string, Uint8Array> | undefined
  private readonly encoder = new TextEncoder()

  constructor(account: ClockodoAccount, options: MockOptions = {}) {
    if (!(account instanceof SimulatedAccount))
      throw new Error('clockodoHandlers needs an account made by createClockodoAccount()')
    this.account = account
    this.credentials = options.credentials ?? DEFAULT_CREDENTIALS
    const rl = options.rateLimits ?? true
    this.limiter =
      rl === false
        ? undefined
        : new RateLimiter(
            { ...CLOCKODO_RATE_LIMITS, ...(rl === true ? {} : rl) },
            options.now ?? (() => Date.now()),
          )
    this.faults = options.faults ?? {}
    this.forbidden = new Set(options.forbidden ?? [])
    this.rng = new Rng(this.faults.seed ?? 1)
    this.cache = options.cache ? new Map() : undefined
  }

  /** Answers one request (never throws). */
  handle(req: MockRequest): MockResult {
    const f = this.faults
    const n = ++this.requestCount
    // one fixed set of draws per request keeps the fault sequence reproducible whatever the options
    const rReset = this.rng.next()
    const rError = this.rng.next()
    const rTruncate = this.rng.next()
    const rSlow = this.rng.next()
    let delayMs = f.latencyMs ?? 0
    if (f.slowMs && rSlow < (f.slowRate ?? 0)) delayMs += f.slowMs
    const withDelay = (r: MockResult): MockResult => ({ ...r, delayMs: r.delayMs + delayMs })
    if (rReset < (f.resetRate ?? 0)) return { status: 0, headers: {}, body: '', fault: 'reset', delayMs }
    if (rError < (f.errorRate ?? 0))
      return withDelay(generalError(500, 'server', 'Internal server error (injected fault)'))
    if (f.burst429 && f.burst429.every > 0) {
      const p = (n - 1) % f.burst429.every
      if (p >= f.burst429.every - f.burst429.count) {
        const retry = String(f.burst429.retryAfterSeconds ?? 1)
        return withDelay(
          json(
            429,
            { errors: [{ type: 'rate_limit', message: 'Too many requests', details: null, path: null }] },
            { 'retry-after': retry },
          ),
        )
      }
    }
    const app = req.header('x-clockodo-external-application')
    if (!app || app.length > 50) {
      return withDelay(
        generalError(
          400,
          'validation',
          'Header X-Clockodo-External-Application is required: "<application or company name>;<contact e-mail>", at most 50 characters',
          'X-Clockodo-External-Application',
        ),
      )
    }
    const user = this.authenticate(req)
    if (user === undefined) return withDelay(generalError(401, 'authentication', 'Authentication failed'))
    const handler: Handler | undefined = Object.hasOwn(ROUTES, req.route)
      ? ROUTES[req.route]
      : accessRoute(req.route)
    if (!handler) {
      if (RETIRED.has(req.route) || req.route.startsWith('/v1/')) {
        return withDelay(
          generalError(
            410,
            'gone',
            `The endpoint ${req.route} was retired on 2026-05-01; use its current version`,
          ),
        )
      }
      return withDelay(generalError(404, 'not_found', `No route ${req.route} (paths are case-sensitive)`))
    }
    if (this.forbidden.has(req.route)) {
      return withDelay(generalError(403, 'authorization', `The user has no rights to access ${req.route}`))
    }
    if (req.method !== 'GET')
      return withDelay(
        generalError(405, 'method_not_allowed', `The simulated account only serves GET ${req.route}`),
      )
    if (this.limiter) {
      const enhanced =
        req.route === '/v2/entries' && /^(1|true)$/.test(req.searchParams.get('enhanced_list') ?? '')
      const retry = this.limiter.take(user, enhanced)
      if (retry !== undefined) {
        return withDelay(
          json(
            429,
            { errors: [{ type: 'rate_limit', message: 'Too many requests', details: null, path: null }] },
            { 'retry-after': String(retry) },
          ),
        )
      }
    }
    const truncate = rTruncate < (f.truncateRate ?? 0)
    const key = this.cache
      ? `${this.account.mutationVersion}\u0000${user}\u0000${req.route}?${req.searchParams.toString()}`
      : ''
    const cached = this.cache?.get(key)
    if (cached)
      return {
        status: 200,
        headers: { ...JSON_HEADERS },
        body: cached,
        delayMs,
        ...(truncate ? { fault: 'truncate' as const } : {}),
      }
    let result: MockResult
    try {
      result = handler(req, { account: this.account, user })
    } catch (err) {
      result = generalError(500, 'server', `Simulated account failed: ${(err as Error).message}`)
    }
    if (this.cache && result.status === 200) {
      const bytes = typeof result.body === 'string' ? this.encoder.encode(result.body) : result.body
      this.cache.set(key, bytes)
      result = { ...result, body: bytes }
    }
    if (truncate && result.status === 200) result = { ...result, fault: 'truncate' }
    return withDelay(result)
  }

  private authenticate(req: MockRequest): string | undefined {
    const c = this.credentials
    const hUser = req.header('x-clockodoapiuser')
    const hKey = req.header('x-clockodoapikey')
    if (hUser !== null || hKey !== null) return hUser === c.user && hKey === c.apiKey ? hUser : undefined
    const auth = req.header('authorization')
    if (auth && /^basic /i.test(auth)) {
      let decoded = ''
      try {
        decoded = new TextDecoder().decode(
          Uint8Array.from(atob(auth.slice(6).trim()), (ch) => ch.charCodeAt(0)),
        )
      } catch {
        return undefined
      }
      const i = decoded.indexOf(':')
      if (i > 0 && decoded.slice(0, i) === c.user && decoded.slice(i + 1) === c.apiKey) return c.user
    }
    return undefined
  }
}

/** Cuts a body for the 'truncate' fault (half of it, so the JSON is never complete). */
export function truncated(body: string | Uint8Array): Uint8Array {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  return bytes.subarray(0, Math.floor(bytes.length / 2))
}
