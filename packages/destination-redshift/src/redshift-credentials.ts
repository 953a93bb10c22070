import {
  type LibpqFields,
  type LibpqProfile,
  libpqLocation,
  parseLibpqCredentials,
} from '@sluice/core/destination'

/** TLS options passed to the driver (a subset of Node's `tls.ConnectionOptions`). */
export interface RedshiftSslOptions {
  /** Verify the server certificate against `ca` (or the system roots). Default `true` for an object. */
  rejectUnauthorized?: boolean
  /** PEM certificate(s) of the CA that signed the server certificate (Redshift's CA bundle). */
  ca?: string | readonly string[]
  /** Server name for SNI and certificate checks. Default the host. */
  servername?: string
}

/**
 * Connection settings as separate fields, in dlt's names (`[destination.redshift.credentials]`): `host` (the
 * cluster or workgroup endpoint), `port` (default 5439), `username` (or `user`), `password`, `database`,
 * `sslmode` (default `require`) and `connect_timeout` (seconds).
 */
export type RedshiftCredentialFields = LibpqFields

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

const PROFILE: LibpqProfile = {
  name: 'redshift',
  schemes: ['redshift', 'postgresql', 'postgres'],
  defaultPort: 5439,
  setting: CREDENTIALS_SETTING,
  example: 'redshift://loader:password@cluster.abc123.eu-central-1.redshift.amazonaws.com:5439/analytics',
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
    default:
      return { ...extra, rejectUnauthorized: true }
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
  const { sslmode, ...settings } = parseLibpqCredentials(PROFILE, credentials)
  return { ...settings, ssl: sslFrom(sslmode, ssl) }
}

/** The `sslmode` the credentials give (the URL's query or the table's key), for the settings a pipeline records. */
export function redshiftSslMode(credentials: string | RedshiftCredentialFields): string | undefined {
  if (typeof credentials !== 'string') return credentials.sslmode || undefined
  return new URLSearchParams(/\?(.*)$/.exec(credentials.trim())?.[1] ?? '').get('sslmode') || undefined
}

/** `redshift://user@host:port/database`: where the data lives, without the password. */
export function redshiftLocation(params: RedshiftConnectionParams): string {
  return libpqLocation('redshift', params)
}
