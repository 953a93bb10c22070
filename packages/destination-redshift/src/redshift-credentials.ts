import { SluiceError } from '@sluice/core/destination'

/** TLS options passed to the driver (a subset of Node's `tls.ConnectionOptions`). */
export interface RedshiftSslOptions {
  /** Verify the server certificate against `ca` (or the system roots). Default `true` for an object. */
  rejectUnauthorized?: boolean
  /** PEM certificate(s) of the CA that signed the server certificate (Redshift's CA bundle). */
  ca?: string | readonly string[]
  /** Server name for SNI and certificate checks. Default the host. */
  servername?: string
}

/** Connection settings as separate fields, in dlt's names (`[destination.redshift.credentials]`). */
export interface RedshiftCredentialFields {
  /** The cluster or workgroup endpoint, e.g. `examplecluster.abc123.eu-central-1.redshift.amazonaws.com`. */
  host: string
  /** Default 5439. */
  port?: number | string
  username?: string
  /** Alias of `username`. */
  user?: string
  password?: string
  database: string
  /** libpq-style `sslmode`: `disable`, `allow`, `prefer`, `require` (default), `verify-ca`, `verify-full`. */
  sslmode?: string
  /** Seconds (dlt's `connect_timeout`). */
  connect_timeout?: number | string
}

/** Everything needed to open connections, validated. `password` is a secret: never log it. */
export interface RedshiftConnectionParams {
  host: string
  port: number
  user: string
  password: string | undefined
  database: string
  /** `false` = plain TCP. */
  ssl: false | (RedshiftSslOptions & { checkServerIdentity?: () => undefined })
  /** From `connect_timeout` (seconds); undefined when not given. */
  connectTimeoutMs: number | undefined
  /** `application_name` from the URL; default `sluice`. */
  applicationName: string
}

/** Where users set the credentials, named in every configuration error. */
export const CREDENTIALS_SETTING =
  'DESTINATION__REDSHIFT__CREDENTIALS (or the table [destination.redshift.credentials] with host, port, database, username, password in .sluice/secrets.toml)'

const EXAMPLE = 'redshift://loader:password@cluster.abc123.eu-central-1.redshift.amazonaws.com:5439/analytics'

function invalid(problem: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[redshift] invalid credentials: ${problem}`, {
    hint: `set ${CREDENTIALS_SETTING} to a URL like ${EXAMPLE}`,
  })
}

function parsePort(value: unknown): number {
  if (value === undefined || value === null || value === '') return 5439
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

/**
 * TLS from a libpq `sslmode`. Without one, `require`: Redshift always offers TLS, and dlt's driver (libpq's
 * `prefer`) encrypts whenever the server can; the driver here cannot fall back, so it always asks for it.
 */
function sslFrom(
  mode: string | undefined,
  option: boolean | RedshiftSslOptions | undefined,
): RedshiftConnectionParams['ssl'] {
  if (option === false) return false
  const extra = typeof option === 'object' ? option : {}
  switch (mode === undefined || mode === '' ? 'require' : mode) {
    case 'disable':
      return false
    case 'allow':
    case 'prefer':
    case 'require':
      return option === true || typeof option === 'object'
        ? { rejectUnauthorized: true, ...extra }
        : { rejectUnauthorized: false }
    case 'verify-ca':
      return { ...extra, rejectUnauthorized: true, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { ...extra, rejectUnauthorized: true }
    default:
      throw invalid(`sslmode "${mode}" is not one of disable, allow, prefer, require, verify-ca, verify-full`)
  }
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw invalid(`the ${what} is not valid percent-encoding (encode special characters, e.g. @ as %40)`)
  }
}

function fromUrl(text: string, ssl: boolean | RedshiftSslOptions | undefined): RedshiftConnectionParams {
  const trimmed = text.trim()
  if (trimmed === '') throw invalid('the value is empty')
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase()
  if (scheme === undefined) throw invalid('expected a URL starting with redshift://')
  if (scheme !== 'redshift' && scheme !== 'postgresql' && scheme !== 'postgres') {
    throw invalid(`the URL scheme is "${scheme}://", expected redshift:// (or postgresql://)`)
  }
  // Parsed by hand (not WHATWG URL): a password with an unencoded `@` or `/` still splits at the last `@`.
  const rest = trimmed.slice(scheme.length + 3)
  const queryAt = rest.indexOf('?')
  const main = queryAt === -1 ? rest : rest.slice(0, queryAt)
  const query = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1))
  const at = main.lastIndexOf('@')
  const userinfo = at === -1 ? '' : main.slice(0, at)
  const afterAt = main.slice(at + 1)
  const slash = afterAt.indexOf('/')
  const hostport = slash === -1 ? afterAt : afterAt.slice(0, slash)
  const path = slash === -1 ? '' : afterAt.slice(slash + 1)
  const ipv6 = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport)
  const colonAt = hostport.lastIndexOf(':')
  const hostPart = ipv6 ? (ipv6[1] ?? '') : colonAt === -1 ? hostport : hostport.slice(0, colonAt)
  const portPart = ipv6 ? ipv6[2] : colonAt === -1 ? undefined : hostport.slice(colonAt + 1)
  const colon = userinfo.indexOf(':')
  const userText = colon === -1 ? userinfo : userinfo.slice(0, colon)
  const passwordText = colon === -1 ? '' : userinfo.slice(colon + 1)
  const host = decode(hostPart, 'host')
  if (host === '') throw invalid(`the URL has no host (${EXAMPLE})`)
  const user = userText !== '' ? decode(userText, 'user') : (query.get('user') ?? '')
  if (user === '') throw invalid(`the URL has no user name (${EXAMPLE})`)
  const password =
    passwordText !== '' ? decode(passwordText, 'password') : (query.get('password') ?? undefined)
  const database = decode(path, 'database name') || (query.get('dbname') ?? '')
  if (database === '') throw invalid(`the URL names no database: add /<database> after the host (${EXAMPLE})`)
  return {
    host,
    port: parsePort(portPart !== undefined && portPart !== '' ? portPart : (query.get('port') ?? undefined)),
    user,
    password,
    database,
    ssl: sslFrom(query.get('sslmode') ?? undefined, ssl),
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
  fields: RedshiftCredentialFields,
  ssl: boolean | RedshiftSslOptions | undefined,
): RedshiftConnectionParams {
  const record = fields as unknown as Record<string, unknown>
  const user = fields.username ?? fields.user
  if (typeof user !== 'string' || user === '') throw invalid('"username" is missing or empty')
  if (fields.password !== undefined && typeof fields.password !== 'string')
    throw invalid('"password" must be a string')
  return {
    host: requiredText(record, 'host'),
    port: parsePort(fields.port),
    user,
    password: fields.password === '' ? undefined : fields.password,
    database: requiredText(record, 'database'),
    ssl: sslFrom(fields.sslmode, ssl),
    connectTimeoutMs: parseTimeout(fields.connect_timeout),
    applicationName: 'sluice',
  }
}

/**
 * Validates Redshift credentials: a URL (`redshift://user:password@host:5439/database?sslmode=verify-full`;
 * `postgresql://` too; `user`, `password`, `dbname`, `port`, `sslmode`, `connect_timeout` and `application_name`
 * query parameters as in libpq) or separate fields (dlt's `host`, `port`, `username`, `password`, `database`).
 * The port defaults to 5439. TLS defaults to `sslmode=require` (encrypted, certificate not checked); `ssl`
 * (`true` or an object with Redshift's CA bundle) verifies the certificate, `sslmode=disable` turns TLS off.
 * Throws `SluiceError('CONFIG_INVALID')` naming the setting to fix; the message never contains the password.
 */
export function parseRedshiftCredentials(
  credentials: string | RedshiftCredentialFields,
  ssl?: boolean | RedshiftSslOptions,
): RedshiftConnectionParams {
  if (typeof credentials === 'string') return fromUrl(credentials, ssl)
  if (typeof credentials === 'object' && credentials !== null) return fromFields(credentials, ssl)
  throw invalid(
    `expected a URL string or a table with host, username, database, got ${credentials === null ? 'null' : typeof credentials}`,
  )
}

/** The `sslmode` the credentials give (the URL's query or the table's key), for the settings a pipeline records. */
export function redshiftSslMode(credentials: string | RedshiftCredentialFields): string | undefined {
  if (typeof credentials !== 'string') return credentials.sslmode || undefined
  return new URLSearchParams(/\?(.*)$/.exec(credentials.trim())?.[1] ?? '').get('sslmode') || undefined
}

/** `redshift://user@host:port/database`: where the data lives, without the password. */
export function redshiftLocation(params: RedshiftConnectionParams): string {
  const host = params.host.includes(':') ? `[${params.host}]` : params.host
  return `redshift://${encodeURIComponent(params.user)}@${host}:${params.port}/${encodeURIComponent(params.database)}`
}
