import { SluiceError } from '@sluice/core/destination'

/** TLS options passed to the driver (a subset of Node's `tls.ConnectionOptions`). */
export interface PostgresSslOptions {
  /** Verify the server certificate against `ca` (or the system roots). Default `true`. */
  rejectUnauthorized?: boolean
  /** PEM certificate(s) of the CA that signed the server certificate. */
  ca?: string | readonly string[]
  /** PEM client certificate, for certificate authentication. */
  cert?: string
  /** PEM private key of `cert`. */
  key?: string
  /** Server name for SNI and certificate checks. Default the host. */
  servername?: string
}

/** Connection settings as separate fields (dlt's `[destination.postgres.credentials]` keys are accepted too). */
export interface PostgresCredentialFields {
  host: string
  /** Default 5432. */
  port?: number | string
  user?: string
  /** dlt's name for `user`. */
  username?: string
  password?: string
  database: string
  /** `true` = TLS with certificate verification; an object for details. Default no TLS. */
  ssl?: boolean | PostgresSslOptions
  /** libpq-style `sslmode`: `disable`, `allow`, `prefer` (no TLS), `require`, `verify-ca`, `verify-full`. */
  sslmode?: string
  /** Seconds (dlt's `connect_timeout`). */
  connect_timeout?: number | string
}

/** Everything needed to open connections, validated. `password` is a secret: never log it. */
export interface PostgresConnectionParams {
  host: string
  port: number
  user: string
  password: string | undefined
  database: string
  /** `false` = plain TCP. */
  ssl: false | (PostgresSslOptions & { checkServerIdentity?: () => undefined })
  /** From `connect_timeout` (seconds) in the URL or fields; undefined when not given. */
  connectTimeoutMs: number | undefined
  /** `application_name` from the URL; default `sluice`. */
  applicationName: string
}

/** Where users set the credentials, named in every configuration error. */
export const CREDENTIALS_SETTING =
  'DESTINATION__POSTGRES__CREDENTIALS (or `credentials` in [destination.postgres] of .sluice/secrets.toml)'

const EXAMPLE = 'postgresql://user:password@host:5432/database'

function invalid(problem: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[postgres] invalid credentials: ${problem}`, {
    hint: `set ${CREDENTIALS_SETTING} to a URL like ${EXAMPLE}`,
  })
}

function parsePort(value: unknown): number {
  if (value === undefined || value === null || value === '') return 5432
  const port = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : Number.NaN
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(`port ${JSON.stringify(String(value))} is not a number between 1 and 65535`)
  }
  return port
}

function parseTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw invalid(`connect_timeout ${JSON.stringify(String(value))} is not a number of seconds`)
  }
  return seconds === 0 ? undefined : Math.round(seconds * 1000)
}

/** Maps a libpq `sslmode` to driver TLS options. */
function sslFromMode(
  mode: string | undefined,
  base: PostgresConnectionParams['ssl'],
): PostgresConnectionParams['ssl'] {
  if (mode === undefined || mode === '') return base
  const extra = base === false ? {} : base
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return base
    case 'require':
      return { ...extra, rejectUnauthorized: false }
    case 'verify-ca':
      return { ...extra, rejectUnauthorized: true, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { ...extra, rejectUnauthorized: true }
    default:
      throw invalid(`sslmode "${mode}" is not one of disable, allow, prefer, require, verify-ca, verify-full`)
  }
}

function sslFromOption(ssl: boolean | PostgresSslOptions | undefined): PostgresConnectionParams['ssl'] {
  if (ssl === undefined || ssl === false) return false
  if (ssl === true) return { rejectUnauthorized: true }
  if (typeof ssl !== 'object') throw invalid('ssl must be true, false or an object of TLS options')
  return { rejectUnauthorized: true, ...ssl }
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw invalid(`the ${what} is not valid percent-encoding (encode special characters, e.g. @ as %40)`)
  }
}

function fromUrl(text: string, ssl: boolean | PostgresSslOptions | undefined): PostgresConnectionParams {
  const trimmed = text.trim()
  if (trimmed === '') throw invalid('the value is empty')
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    throw invalid('expected a URL starting with postgresql://')
  }
  if (scheme !== 'postgresql' && scheme !== 'postgres') {
    throw invalid(`the URL scheme is "${scheme}://", expected postgresql://`)
  }
  // Parsed by hand (not WHATWG URL): libpq URLs allow an empty host (`postgresql://u@/db?host=/socket`),
  // and a password with an unencoded `@` or `/` still splits at the last `@`.
  const rest = trimmed.slice(scheme.length + 3)
  const queryAt = rest.indexOf('?')
  const main = queryAt === -1 ? rest : rest.slice(0, queryAt)
  if (queryAt !== -1 && !main.includes('@') && rest.indexOf('@', queryAt) !== -1) {
    // `postgresql://user:pa?ss@host/db`: the query would start inside the password
    throw invalid(
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
  if (hostport.includes(',')) throw invalid('several hosts are not supported; give one host')
  let hostPart = hostport
  let portPart: string | undefined
  const ipv6 = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport)
  if (ipv6) {
    hostPart = ipv6[1] ?? ''
    portPart = ipv6[2]
  } else if (hostport.includes(':')) {
    hostPart = hostport.slice(0, hostport.lastIndexOf(':'))
    portPart = hostport.slice(hostport.lastIndexOf(':') + 1)
  }
  const colon = userinfo.indexOf(':')
  const userText = colon === -1 ? userinfo : userinfo.slice(0, colon)
  const passwordText = colon === -1 ? '' : userinfo.slice(colon + 1)
  const host = query.get('host') ?? decode(hostPart, 'host')
  if (host === '') throw invalid(`the URL has no host (${EXAMPLE})`)
  const user = userText !== '' ? decode(userText, 'user') : (query.get('user') ?? '')
  if (user === '') throw invalid(`the URL has no user name (${EXAMPLE})`)
  const password =
    passwordText !== '' ? decode(passwordText, 'password') : (query.get('password') ?? undefined)
  const database = decode(path, 'database name') || (query.get('dbname') ?? '')
  if (database === '') throw invalid(`the URL names no database: add /<database> after the host (${EXAMPLE})`)
  if (database.includes('/')) throw invalid(`the database name "${database}" contains "/"`)
  return {
    host,
    port: parsePort(portPart !== undefined && portPart !== '' ? portPart : (query.get('port') ?? undefined)),
    user,
    password,
    database,
    ssl: sslFromMode(query.get('sslmode') ?? undefined, sslFromOption(ssl)),
    connectTimeoutMs: parseTimeout(query.get('connect_timeout') ?? undefined),
    applicationName: query.get('application_name') ?? 'sluice',
  }
}

function requiredText(fields: Record<string, unknown>, key: string): string {
  const value = fields[key]
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`"${key}" is missing or empty`)
  return value
}

function fromFields(
  fields: PostgresCredentialFields,
  ssl: boolean | PostgresSslOptions | undefined,
): PostgresConnectionParams {
  const record = fields as unknown as Record<string, unknown>
  const user = fields.user ?? fields.username
  if (typeof user !== 'string' || user === '') throw invalid('"user" (or "username") is missing or empty')
  if (fields.password !== undefined && typeof fields.password !== 'string')
    throw invalid('"password" must be a string')
  return {
    host: requiredText(record, 'host'),
    port: parsePort(fields.port),
    user,
    password: fields.password === '' ? undefined : fields.password,
    database: requiredText(record, 'database'),
    ssl: sslFromMode(fields.sslmode, sslFromOption(ssl ?? fields.ssl)),
    connectTimeoutMs: parseTimeout(fields.connect_timeout),
    applicationName: 'sluice',
  }
}

/**
 * Validates PostgreSQL credentials: a URL (`postgresql://user:password@host:5432/database?sslmode=require`,
 * `postgres://` too; `host`, `port`, `user`, `password`, `dbname`, `sslmode`, `connect_timeout` and
 * `application_name` query parameters as in libpq) or separate fields. `ssl` overrides the TLS options
 * of both forms (an `sslmode` in the URL still applies on top). Port defaults to 5432; `sslmode=prefer`
 * and `allow` connect without TLS (the driver cannot fall back).
 * Throws `SluiceError('CONFIG_INVALID')` naming the setting to fix; the message never contains the password.
 */
export function parsePostgresCredentials(
  credentials: string | PostgresCredentialFields,
  ssl?: boolean | PostgresSslOptions,
): PostgresConnectionParams {
  if (typeof credentials === 'string') return fromUrl(credentials, ssl)
  if (typeof credentials === 'object' && credentials !== null) return fromFields(credentials, ssl)
  throw invalid(
    `expected a URL string or an object with host, user, database, got ${credentials === null ? 'null' : typeof credentials}`,
  )
}

/**
 * The credentials as a table without secrets, in `[destination.postgres.credentials]` keys: `host`, `port`,
 * `username`, `database`, and `sslmode` and `connect_timeout` when given. What a pipeline records; the password
 * comes from the environment or secrets.toml again (`DESTINATION__POSTGRES__CREDENTIALS__PASSWORD`, `PGPASSWORD`).
 */
export function postgresPublicCredentials(
  credentials: string | PostgresCredentialFields,
  params: PostgresConnectionParams,
): Record<string, unknown> {
  const given =
    typeof credentials === 'string'
      ? new URLSearchParams(/\?(.*)$/.exec(credentials.trim())?.[1] ?? '')
      : new URLSearchParams()
  const sslmode = typeof credentials === 'string' ? given.get('sslmode') : credentials.sslmode
  const timeout = typeof credentials === 'string' ? given.get('connect_timeout') : credentials.connect_timeout
  return {
    host: params.host,
    port: params.port,
    username: params.user,
    database: params.database,
    ...(sslmode ? { sslmode } : {}),
    ...(timeout !== undefined && timeout !== null && timeout !== '' ? { connect_timeout: timeout } : {}),
  }
}

/** `postgres://user@host:port/database`: where the data lives, without the password. */
export function postgresLocation(params: PostgresConnectionParams): string {
  const host = params.host.includes(':') ? `[${params.host}]` : params.host
  return `postgres://${encodeURIComponent(params.user)}@${host}:${params.port}/${encodeURIComponent(params.database)}`
}
