import type { PipelineEvent } from '@sluice/core'
import { SluiceError } from '@sluice/core'
import { CLOCKODO_RESOURCES } from './clockodo-resource-names.ts'

/** Which entries lists the source reads: see {@link ClockodoConfig.enhancedList}. */
export type EnhancedListMode = 'auto' | 'always' | 'never'

/** The values `enhanced_list` accepts. */
export const ENHANCED_LIST_MODES: readonly EnhancedListMode[] = ['auto', 'always', 'never']

/**
 * Options of {@link clockodoSource}. Those left out are read from the environment (`SOURCES__CLOCKODO__<KEY>`, see
 * `clockodoOptionsFrom`); options given win.
 */
export interface ClockodoConfig {
  /** E-mail address of the Clockodo user whose API key is used (`SOURCES__CLOCKODO__API_USER`). Required. */
  apiUser: string
  /** That user's API key (`SOURCES__CLOCKODO__API_KEY`), a secret: never logged. Required. */
  apiKey: string
  /** API root; default `https://my.clockodo.com/api` (`SOURCES__CLOCKODO__BASE_URL`). */
  baseUrl?: string
  /**
   * Value of the `X-Clockodo-External-Application` header, `name;contact e-mail`, at most 50 characters
   * (`SOURCES__CLOCKODO__EXTERNAL_APPLICATION`). Default `sluice;<apiUser>`.
   */
  externalApplication?: string
  /** First day of entries to load (`YYYY-MM-DD` or ISO UTC). Default: the earliest user `start_date`, else 2000-01-01. */
  startDate?: string
  /** End (exclusive) of the entries to load. Default: today + 365 days (future-dated entries exist). */
  endDate?: string
  /** Days before the last loaded window end that every run re-reads (edits and deletions in them arrive). Default 30. */
  lookbackDays?: number
  /**
   * Which entries lists to read (`SOURCES__CLOCKODO__ENHANCED_LIST`, `enhanced_list`). `always`: every page with
   * `enhanced_list=1` (names, revenue, hourly rate, text), under Clockodo's extra limit of 300 such pages per 15
   * minutes. `never`: plain lists only, the name columns filled from the master data; `revenue` and `hourly_rate`
   * stay empty. `auto`: as `always` while the whole run fits the enhanced-list budget, else the newest windows
   * enhanced and the oldest plain, so the run takes no longer than the general limits need (a warning names the
   * rows without revenue). `true` and `false` mean `always` and `never`. Default `auto`.
   */
  enhancedList?: EnhancedListMode | boolean
  /** Load only these resources (table names from {@link CLOCKODO_RESOURCES}). Default: all. */
  resources?: string[]
  /** Fail the run on a 403 instead of skipping the resource with a warning. Default false. */
  strict?: boolean
  /** Size in days of one entries request window. Default 92. */
  windowDays?: number
  /**
   * Read entries and work times incrementally (lookback windows merged by key). `false` re-reads their whole
   * history every run and replaces the tables: for destinations without merge (the filesystem). Default true.
   */
  incremental?: boolean
  /** Clock for "today"; default `() => new Date()`. */
  now?: () => Date
  /** fetch implementation; default the global `fetch`. */
  fetch?: typeof fetch
  /** Requests in flight at most (shared by all resources of the source). Default 6. */
  maxInFlight?: number
  /**
   * Per-attempt request timeout in milliseconds, reading the body included (`SOURCES__CLOCKODO__TIMEOUT_MS`).
   * Default 60000 (the HTTP client's default). A timed-out attempt is retried like a 5xx.
   */
  timeoutMs?: number
  /**
   * Attempts per request for transient failures (429, 5xx, resets, cut-off bodies, timeouts)
   * (`SOURCES__CLOCKODO__MAX_ATTEMPTS`). Default 5 (the HTTP client's default).
   */
  maxAttempts?: number
  /**
   * Cap of one response body in bytes, compressed and decoded (`SOURCES__CLOCKODO__MAX_RESPONSE_BYTES`); a larger
   * body fails the run with `HTTP_TOO_LARGE`. Default 67108864 (64 MiB; an entries page of 1,000 is about 1 MB).
   */
  maxResponseBytes?: number
  /** Extra listener for HTTP progress events (the runner's `ctx.emit` receives them too). */
  emit?: (event: PipelineEvent) => void
}

/** Default API root. */
export const CLOCKODO_DEFAULT_BASE_URL: string = 'https://my.clockodo.com/api'
const MAX_APP_HEADER = 50
const APP_PATTERN = /^[^;\s][^;]*;[^;\s@]+@[^;\s@]+\.[^;\s@]+$/
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/

function invalid(message: string, hint: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[clockodo] ${message}`, { hint })
}

function keyHint(env: string, toml: string, file: 'secrets.toml' | 'config.toml'): string {
  return `set ${env} or ${toml} in [sources.clockodo] of .sluice/${file}`
}

/** {@link keyHint} for a library script too: the option of `clockodoSource()` first. */
function optionHint(option: string, env: string, toml: string, file: 'secrets.toml' | 'config.toml'): string {
  return `pass ${option} to clockodoSource(), or ${keyHint(env, toml, file)} (the file is read by the sluice CLI and loadConfig() of @sluice/core/node)`
}

function str(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const t = value.trim()
  return t === '' ? undefined : t
}

/** Parses `YYYY-MM-DD` or an ISO date-time (UTC when it has no offset); undefined when it is not a real date. */
export function parseClockodoDate(value: string): Date | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      value,
    )
  if (!m) return undefined
  const d =
    m[4] === undefined
      ? new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`)
      : new Date(m[7] === undefined ? `${value.replace(' ', 'T')}Z` : value.replace(' ', 'T'))
  if (Number.isNaN(d.getTime())) return undefined
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  if (day.getUTCMonth() !== Number(m[2]) - 1 || day.getUTCDate() !== Number(m[3])) return undefined
  return d
}

function checkDate(value: unknown, env: string, toml: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const s = str(value)
  if (s === undefined || !parseClockodoDate(s)) {
    throw invalid(
      `${toml} must be a date like 2024-01-31 or 2024-01-31T00:00:00Z, got ${JSON.stringify(String(value))}`,
      keyHint(env, toml, 'config.toml'),
    )
  }
  return s
}

function checkInt(value: unknown, min: number, max: number, env: string, toml: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const n = typeof value === 'string' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalid(
      `${toml} must be a whole number from ${min} to ${max}, got ${JSON.stringify(String(value))}`,
      keyHint(env, toml, 'config.toml'),
    )
  }
  return n
}

function checkMode(value: unknown): EnhancedListMode {
  if (value === undefined || value === null || value === '') return 'auto'
  if (value === true || value === 'true') return 'always'
  if (value === false || value === 'false') return 'never'
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value
  if ((ENHANCED_LIST_MODES as readonly unknown[]).includes(v)) return v as EnhancedListMode
  throw invalid(
    `enhanced_list must be one of ${ENHANCED_LIST_MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(String(value))}`,
    keyHint('SOURCES__CLOCKODO__ENHANCED_LIST', 'enhanced_list', 'config.toml'),
  )
}

/**
 * Checks the external-application header value: `name;contact e-mail`, printable ASCII, at most 50 characters
 * (Clockodo rejects longer values). Throws `CONFIG_INVALID` naming SOURCES__CLOCKODO__EXTERNAL_APPLICATION.
 */
export function validateExternalApplication(value: string): string {
  const v = value.trim()
  const hint = `${keyHint('SOURCES__CLOCKODO__EXTERNAL_APPLICATION', 'external_application', 'config.toml')} to "<app or company name>;<technical contact e-mail>", e.g. "sluice;ops@example.com", at most ${MAX_APP_HEADER} characters`
  if (!PRINTABLE_ASCII.test(v)) {
    throw invalid(`the external application ${JSON.stringify(v)} must be printable ASCII`, hint)
  }
  if (v.length > MAX_APP_HEADER) {
    throw invalid(
      `the external application ${JSON.stringify(v)} has ${v.length} characters (Clockodo accepts at most ${MAX_APP_HEADER})`,
      hint,
    )
  }
  if (!APP_PATTERN.test(v)) {
    throw invalid(`the external application ${JSON.stringify(v)} is not "name;e-mail"`, hint)
  }
  return v
}

/**
 * Validates options and fills the static defaults (baseUrl, externalApplication, lookbackDays, enhancedList,
 * windowDays, strict, maxInFlight). Start and end date stay as given (their defaults depend on the account and
 * the clock). Throws `SluiceError('CONFIG_INVALID')` whose message names the variable or TOML key to set.
 */
export function validateClockodoConfig(input: Partial<ClockodoConfig>): ClockodoConfig {
  const apiUser = str(input.apiUser)
  if (!apiUser) {
    throw invalid(
      'the Clockodo API user is missing',
      `${optionHint('apiUser', 'SOURCES__CLOCKODO__API_USER', 'api_user', 'secrets.toml')} to the e-mail address of the Clockodo user whose API key you use`,
    )
  }
  const apiKey = str(input.apiKey)
  if (!apiKey) {
    throw invalid(
      'the Clockodo API key is missing',
      `${optionHint('apiKey', 'SOURCES__CLOCKODO__API_KEY', 'api_key', 'secrets.toml')}; copy the key from the "Personal data" page in Clockodo (use an owner or admin user: a key sees only what its user may see)`,
    )
  }
  if (!PRINTABLE_ASCII.test(apiUser) || !PRINTABLE_ASCII.test(apiKey)) {
    throw invalid(
      'the Clockodo API user and key must be printable ASCII (they are sent as HTTP headers)',
      'check SOURCES__CLOCKODO__API_USER and SOURCES__CLOCKODO__API_KEY for stray characters',
    )
  }

  const rawBase = str(input.baseUrl) ?? CLOCKODO_DEFAULT_BASE_URL
  let baseUrl: string
  try {
    const u = new URL(rawBase)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)')
    baseUrl = u.href.replace(/\/+$/, '')
  } catch (cause) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `[clockodo] the base URL ${JSON.stringify(rawBase)} is not an http(s) URL`,
      {
        cause,
        hint: `${keyHint('SOURCES__CLOCKODO__BASE_URL', 'base_url', 'config.toml')}, e.g. ${CLOCKODO_DEFAULT_BASE_URL}`,
      },
    )
  }

  const given = str(input.externalApplication)
  let externalApplication: string
  if (given !== undefined) {
    externalApplication = validateExternalApplication(given)
  } else {
    const candidate = `sluice;${apiUser}`
    if (candidate.length > MAX_APP_HEADER || !APP_PATTERN.test(candidate)) {
      throw invalid(
        `cannot build the default external application "sluice;<api user>" from the API user (${candidate.length > MAX_APP_HEADER ? 'longer than 50 characters' : 'not an e-mail address'})`,
        `${keyHint('SOURCES__CLOCKODO__EXTERNAL_APPLICATION', 'external_application', 'config.toml')} to "<name>;<contact e-mail>", at most ${MAX_APP_HEADER} characters`,
      )
    }
    externalApplication = candidate
  }

  const startDate = checkDate(input.startDate, 'SOURCES__CLOCKODO__START_DATE', 'start_date')
  const endDate = checkDate(input.endDate, 'SOURCES__CLOCKODO__END_DATE', 'end_date')
  if (
    startDate &&
    endDate &&
    parseClockodoDate(startDate)!.getTime() >= parseClockodoDate(endDate)!.getTime()
  ) {
    throw invalid(
      `start_date ${startDate} is not before end_date ${endDate}`,
      'pick a start date before the end date',
    )
  }

  let resources: string[] | undefined
  if (input.resources !== undefined) {
    const names = input.resources.map((r) => r.trim()).filter((r) => r !== '')
    const unknown = names.filter((r) => !CLOCKODO_RESOURCES.includes(r))
    if (unknown.length > 0) {
      throw invalid(
        `unknown resource${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
        `choose from ${CLOCKODO_RESOURCES.join(', ')}`,
      )
    }
    resources = [...new Set(names)]
  }

  const config: ClockodoConfig = {
    apiUser,
    apiKey,
    baseUrl,
    externalApplication,
    lookbackDays:
      checkInt(input.lookbackDays, 0, 36500, 'SOURCES__CLOCKODO__LOOKBACK_DAYS', 'lookback_days') ?? 30,
    enhancedList: checkMode(input.enhancedList),
    strict: input.strict ?? false,
    windowDays: checkInt(input.windowDays, 1, 366, 'SOURCES__CLOCKODO__WINDOW_DAYS', 'window_days') ?? 92,
    maxInFlight: checkInt(input.maxInFlight, 1, 64, 'SOURCES__CLOCKODO__MAX_IN_FLIGHT', 'max_in_flight') ?? 6,
  }
  const timeoutMs = checkInt(input.timeoutMs, 1, 3_600_000, 'SOURCES__CLOCKODO__TIMEOUT_MS', 'timeout_ms')
  if (timeoutMs !== undefined) config.timeoutMs = timeoutMs
  const maxAttempts = checkInt(input.maxAttempts, 1, 100, 'SOURCES__CLOCKODO__MAX_ATTEMPTS', 'max_attempts')
  if (maxAttempts !== undefined) config.maxAttempts = maxAttempts
  const maxResponseBytes = checkInt(
    input.maxResponseBytes,
    1024,
    2 ** 31,
    'SOURCES__CLOCKODO__MAX_RESPONSE_BYTES',
    'max_response_bytes',
  )
  if (maxResponseBytes !== undefined) config.maxResponseBytes = maxResponseBytes
  if (startDate !== undefined) config.startDate = startDate
  if (endDate !== undefined) config.endDate = endDate
  if (resources !== undefined) config.resources = resources
  if (input.incremental === false) config.incremental = false
  if (input.now) config.now = input.now
  if (input.fetch) config.fetch = input.fetch
  if (input.emit) config.emit = input.emit
  return config
}
