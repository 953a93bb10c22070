import { SluiceError } from '../../errors.ts'

/** What differs between destinations that take libpq-style credentials (PostgreSQL, Redshift, ...). */
export interface LibpqProfile {
  /** The destination's name in messages, e.g. `postgres` (`[postgres] invalid credentials: ...`). */
  readonly name: string
  /** Accepted URL schemes; the first is the one messages suggest. */
  readonly schemes: readonly string[]
  /** Port when none is given, e.g. 5432. */
  readonly defaultPort: number
  /** Where users set the credentials, named in every error's hint. */
  readonly setting: string
  /** An example URL for messages (no real secret). */
  readonly example: string
}

/** Connection settings as separate fields (libpq / dlt keys: `host`, `port`, `user` or `username`, ...). */
export interface LibpqFields {
  host: string
  /** Default: the profile's port. */
  port?: number | string
  user?: string
  /** dlt's name for `user`. */
  username?: string
  password?: string
  database: string
  /** libpq's `sslmode`: `disable`, `allow`, `prefer`, `require`, `verify-ca`, `verify-full`. */
  sslmode?: string
  /** Seconds (dlt's `connect_timeout`); 0 means none. */
  connect_timeout?: number | string
}

/** Validated connection settings, before TLS is decided. `password` is a secret: never log it. */
export interface LibpqSettings {
  host: string
  port: number
  user: string
  password: string | undefined
  database: string
  /** The `sslmode` given, if any; the destination maps it to TLS options. */
  sslmode: string | undefined
  /** From `connect_timeout` (seconds); undefined when not given or 0. */
  connectTimeoutMs: number | undefined
  /** `application_name` from the URL; default `sluice`. */
  applicationName: string
}

/** The libpq `sslmode` values. */
export const LIBPQ_SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const

/** A `CONFIG_INVALID` error naming the destination, the problem and the setting to fix; never contains secrets. */
export function libpqInvalid(profile: LibpqProfile, problem: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[${profile.name}] invalid credentials: ${problem}`, {
    hint: `set ${profile.setting} to a URL like ${profile.example}`,
  })
}

function parsePort(profile: LibpqProfile, value: unknown): number {
  if (value === undefined || value === null || value === '') return profile.defaultPort
  const port = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : Number.NaN
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw libpqInvalid(profile, `port ${JSON.stringify(String(value))} is not a number between 1 and 65535`)
  }
  return port
}

function parseTimeout(profile: LibpqProfile, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw libpqInvalid(profile, `connect_timeout ${JSON.stringify(String(value))} is not a number of seconds`)
  }
  return seconds === 0 ? undefined : Math.round(seconds * 1000)
}

function checkSslMode(profile: LibpqProfile, mode: string | undefined): string | undefined {
  if (mode === undefined || mode === '') return undefined
  if (!(LIBPQ_SSL_MODES as readonly string[]).includes(mode)) {
    throw libpqInvalid(profile, `sslmode "${mode}" is not one of ${LIBPQ_SSL_MODES.join(', ')}`)
  }
  return mode
}

function decode(profile: LibpqProfile, part: string, what: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw libpqInvalid(
      profile,
      `the ${what} is not valid percent-encoding (encode special characters, e.g. @ as %40)`,
    )
  }
}

function fromUrl(profile: LibpqProfile, text: string): LibpqSettings {
  const trimmed = text.trim()
  const first = profile.schemes[0]
  if (trimmed === '') throw libpqInvalid(profile, 'the value is empty')
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase()
  if (scheme === undefined) throw libpqInvalid(profile, `expected a URL starting with ${first}://`)
  if (!profile.schemes.includes(scheme)) {
    const others = profile.schemes.slice(1).map((s) => `${s}://`)
    const also = others.length > 0 ? ` (or ${others.join(', ')})` : ''
    throw libpqInvalid(profile, `the URL scheme is "${scheme}://", expected ${first}://${also}`)
  }
  // Parsed by hand (not WHATWG URL): libpq URLs allow an empty host (`postgresql://u@/db?host=/socket`),
  // and a password with an unencoded `@` or `/` still splits at the last `@`.
  const rest = trimmed.slice(scheme.length + 3)
  const queryAt = rest.indexOf('?')
  const main = queryAt === -1 ? rest : rest.slice(0, queryAt)
  if (queryAt !== -1 && !main.includes('@') && rest.indexOf('@', queryAt) !== -1) {
    // `postgresql://user:pa?ss@host/db`: the query would start inside the password
    throw libpqInvalid(
      profile,
      'the user name or password contains a raw "?", where the URL\'s query would start: percent-encode it as %3F (and # as %23, % as %25)',
    )
  }
  const query = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1))
  const at = main.lastIndexOf('@')
  const userinfo = at === -1 ? '' : main.slice(0, at)
  const afterAt = main.slice(at + 1)
  const slash = afterAt.indexOf('/')
  const hostport = slash === -1 ? afterAt : afterAt.slice(0, slash)
  const path = slash === -1 ? '' : afterAt.slice(slash + 1)
  if (hostport.includes(',')) throw libpqInvalid(profile, 'several hosts are not supported; give one host')
  const ipv6 = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport)
  const colonAt = hostport.lastIndexOf(':')
  const hostPart = ipv6 ? (ipv6[1] ?? '') : colonAt === -1 ? hostport : hostport.slice(0, colonAt)
  const portPart = ipv6 ? ipv6[2] : colonAt === -1 ? undefined : hostport.slice(colonAt + 1)
  const colon = userinfo.indexOf(':')
  const userText = colon === -1 ? userinfo : userinfo.slice(0, colon)
  const passwordText = colon === -1 ? '' : userinfo.slice(colon + 1)
  const host = query.get('host') ?? decode(profile, hostPart, 'host')
  if (host === '') throw libpqInvalid(profile, `the URL has no host (${profile.example})`)
  const user = userText !== '' ? decode(profile, userText, 'user') : (query.get('user') ?? '')
  if (user === '') throw libpqInvalid(profile, `the URL has no user name (${profile.example})`)
  const password =
    passwordText !== '' ? decode(profile, passwordText, 'password') : (query.get('password') ?? undefined)
  const database = decode(profile, path, 'database name') || (query.get('dbname') ?? '')
  if (database === '') {
    throw libpqInvalid(
      profile,
      `the URL names no database: add /<database> after the host (${profile.example})`,
    )
  }
  if (database.includes('/')) throw libpqInvalid(profile, `the database name "${database}" contains "/"`)
  return {
    host,
    port: parsePort(
      profile,
      portPart !== undefined && portPart !== '' ? portPart : (query.get('port') ?? undefined),
    ),
    user,
    password,
    database,
    sslmode: checkSslMode(profile, query.get('sslmode') ?? undefined),
    connectTimeoutMs: parseTimeout(profile, query.get('connect_timeout') ?? undefined),
    applicationName: query.get('application_name') ?? 'sluice',
  }
}

function requiredText(profile: LibpqProfile, fields: Record<string, unknown>, key: string): string {
  const value = fields[key]
  if (typeof value !== 'string' || value.trim() === '')
    throw libpqInvalid(profile, `"${key}" is missing or empty`)
  return value
}

function fromFields(profile: LibpqProfile, fields: LibpqFields): LibpqSettings {
  const record = fields as unknown as Record<string, unknown>
  const user = fields.user ?? fields.username
  if (typeof user !== 'string' || user === '') {
    throw libpqInvalid(profile, '"username" (or "user") is missing or empty')
  }
  if (fields.password !== undefined && typeof fields.password !== 'string') {
    throw libpqInvalid(profile, '"password" must be a string')
  }
  return {
    host: requiredText(profile, record, 'host'),
    port: parsePort(profile, fields.port),
    user,
    password: fields.password === '' ? undefined : fields.password,
    database: requiredText(profile, record, 'database'),
    sslmode: checkSslMode(profile, fields.sslmode),
    connectTimeoutMs: parseTimeout(profile, fields.connect_timeout),
    applicationName: 'sluice',
  }
}

/**
 * Validates libpq-style credentials, shared by the destinations that speak PostgreSQL's wire protocol: a URL
 * (`<scheme>://user:password@host:port/database?sslmode=require`; the `host`, `port`, `user`, `password`,
 * `dbname`, `sslmode`, `connect_timeout` and `application_name` query parameters as in libpq) or separate fields
 * ({@link LibpqFields}). The port defaults to the profile's. TLS is left to the destination (`sslmode` is
 * returned, checked). Throws `SluiceError('CONFIG_INVALID')` naming the profile's setting; the message never
 * contains the password.
 */
export function parseLibpqCredentials(
  profile: LibpqProfile,
  credentials: string | LibpqFields,
): LibpqSettings {
  if (typeof credentials === 'string') return fromUrl(profile, credentials)
  if (typeof credentials === 'object' && credentials !== null) return fromFields(profile, credentials)
  throw libpqInvalid(
    profile,
    `expected a URL string or a table with host, username, database, got ${credentials === null ? 'null' : typeof credentials}`,
  )
}

/** `<scheme>://user@host:port/database`: where the data lives, without the password. */
export function libpqLocation(
  scheme: string,
  settings: Pick<LibpqSettings, 'host' | 'port' | 'user' | 'database'>,
): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  return `${scheme}://${encodeURIComponent(settings.user)}@${host}:${settings.port}/${encodeURIComponent(settings.database)}`
}

/** The fields of a `pg` driver error (or a Node socket error) that error mappers read. */
export interface LibpqDriverError {
  code?: string
  errno?: number
  message?: string
  detail?: string
  hint?: string
  where?: string
  severity?: string
  /** Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError of these. */
  errors?: unknown[]
}

/** SQLSTATEs where repeating the transaction or connection may succeed. */
export const LIBPQ_TRANSIENT_STATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '53300', // too_many_connections
  '58000', // system_error
  '58030', // io_error
])

/** Socket errors where connecting again may succeed. */
export const LIBPQ_TRANSIENT_ERRNO: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
])

/** The Node socket error code (`ECONNREFUSED` ...) of a driver error, also inside an AggregateError. */
export function libpqErrno(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as LibpqDriverError
  if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code
  for (const inner of e.errors ?? []) {
    const code = (inner as LibpqDriverError | undefined)?.code
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code
  }
  return undefined
}

/** The SQLSTATE of a driver error (five characters), or undefined for socket and other errors. */
export function libpqSqlState(error: unknown): string | undefined {
  const code = (error as LibpqDriverError | null | undefined)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}
