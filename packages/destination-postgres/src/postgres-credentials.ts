import {
  type LibpqFields,
  type LibpqProfile,
  libpqInvalid,
  libpqLocation,
  parseLibpqCredentials,
} from '@sluice/core/destination'

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
export interface PostgresCredentialFields extends LibpqFields {
  /** `true` = TLS with certificate verification; an object for details. Default no TLS. */
  ssl?: boolean | PostgresSslOptions
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

const PROFILE: LibpqProfile = {
  name: 'postgres',
  schemes: ['postgresql', 'postgres'],
  defaultPort: 5432,
  setting: CREDENTIALS_SETTING,
  example: 'postgresql://user:password@host:5432/database',
}

/** Maps a libpq `sslmode` to driver TLS options; `prefer` and `allow` keep `base` (the driver cannot fall back). */
function sslFromMode(
  mode: string | undefined,
  base: PostgresConnectionParams['ssl'],
): PostgresConnectionParams['ssl'] {
  const extra = base === false ? {} : base
  switch (mode) {
    case 'require':
      return { ...extra, rejectUnauthorized: false }
    case 'verify-ca':
      return { ...extra, rejectUnauthorized: true, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { ...extra, rejectUnauthorized: true }
    default:
      return base
  }
}

function sslFromOption(ssl: boolean | PostgresSslOptions | undefined): PostgresConnectionParams['ssl'] {
  if (ssl === undefined || ssl === false) return false
  if (ssl === true) return { rejectUnauthorized: true }
  if (typeof ssl !== 'object')
    throw libpqInvalid(PROFILE, 'ssl must be true, false or an object of TLS options')
  return { rejectUnauthorized: true, ...ssl }
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
  const { sslmode, ...settings } = parseLibpqCredentials(PROFILE, credentials)
  const option =
    ssl ?? (typeof credentials === 'object' && credentials !== null ? credentials.ssl : undefined)
  return { ...settings, ssl: sslFromMode(sslmode, sslFromOption(option)) }
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
  return libpqLocation('postgres', params)
}
