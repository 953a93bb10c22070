import {
  isSluiceError,
  LIBPQ_TRANSIENT_ERRNO,
  LIBPQ_TRANSIENT_STATES,
  type LibpqDriverError,
  libpqErrno,
  libpqSqlState,
  redact,
  SluiceError,
} from '@sluice/core/destination'
import { CREDENTIALS_SETTING, type PostgresConnectionParams } from './postgres-credentials.ts'

/** What the error mapper needs to know about the connection (never the password in messages). */
export type PostgresErrorContext = Pick<
  PostgresConnectionParams,
  'host' | 'port' | 'user' | 'database' | 'password'
>

/** Error codes this package throws (besides `CONFIG_INVALID`). */
export type PostgresErrorCode =
  | 'DESTINATION_CONNECT'
  | 'DESTINATION_AUTH'
  | 'DESTINATION_DATABASE_MISSING'
  | 'DESTINATION_PERMISSION'
  | 'DESTINATION_TRANSIENT'
  | 'DESTINATION_DATA'
  | 'DESTINATION_QUERY'

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** The GRANT that fixes a `permission denied` / `must be owner` message, as far as the message tells. */
function grantHint(message: string, ctx: PostgresErrorContext): string {
  const role = ident(ctx.user)
  const object =
    /permission denied for (database|schema|table|relation|sequence|function) "?([^"\s]+)"?/i.exec(message)
  if (object) {
    const [, kind = '', name = ''] = object
    switch (kind.toLowerCase()) {
      case 'database':
        return `let the role create schemas: GRANT CREATE ON DATABASE ${ident(name)} TO ${role}; (or create the dataset schema beforehand and GRANT USAGE, CREATE ON SCHEMA <dataset> TO ${role})`
      case 'schema':
        return `GRANT USAGE, CREATE ON SCHEMA ${ident(name)} TO ${role};`
      default:
        return `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ${ident(name)} TO ${role}; (DDL also needs the role to own the table)`
    }
  }
  const owner = /must be owner of (?:table|relation|schema) "?([^"\s]+)"?/i.exec(message)
  if (owner)
    return `sluice changes the table's structure, which needs ownership: ALTER TABLE ${ident(owner[1] ?? '')} OWNER TO ${role}; (or connect as the owner)`
  return `the role ${role} needs: GRANT CREATE ON DATABASE ${ident(ctx.database)} TO ${role}; GRANT USAGE, CREATE ON SCHEMA <dataset> TO ${role}; and ownership of the dataset's tables`
}

const CONNECTION_LOST =
  /Connection terminated|terminating connection|Client has encountered a connection error|connection is closed|socket hang up/i

/**
 * True for errors that come from the driver or the socket (a SQLSTATE or errno `code`, a lost connection),
 * as opposed to bugs in the calling code, which should surface unchanged.
 */
export function isPostgresDriverError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as LibpqDriverError
  return (
    typeof e.code === 'string' ||
    libpqErrno(e) !== undefined ||
    CONNECTION_LOST.test(e.message ?? '') ||
    /timeout expired/i.test(e.message ?? '')
  )
}

/**
 * Turns a `pg` driver error (or a Node socket error) into a {@link SluiceError} that says what to do:
 * refused connections, unknown hosts, bad passwords, missing databases and missing privileges get their
 * own codes and hints; serialization failures, deadlocks, dropped connections and server restarts are
 * `transient`. The password is redacted from every message. `what` names the operation, e.g. `COPY into "t"`.
 * SluiceErrors pass through unchanged.
 */
export function mapPostgresError(error: unknown, ctx: PostgresErrorContext, what?: string): SluiceError {
  if (isSluiceError(error)) return error
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as LibpqDriverError
  const clean = (text: string | undefined): string => redact(text ?? '', [ctx.password])
  const at = `${ctx.host}:${ctx.port}`
  const message = clean(e.message) || 'unknown error'
  const errno = libpqErrno(e)
  const state = libpqSqlState(e)
  const op = what ? ` (${what})` : ''

  if (errno === 'ECONNREFUSED') {
    return new SluiceError('DESTINATION_CONNECT', `[postgres] could not connect to ${at} (ECONNREFUSED)`, {
      cause: error,
      hint: `is the server running at ${at}? set ${CREDENTIALS_SETTING}`,
    })
  }
  if (errno === 'ENOTFOUND') {
    return new SluiceError('DESTINATION_CONNECT', `[postgres] host "${ctx.host}" not found (ENOTFOUND)`, {
      cause: error,
      hint: `check the host name in ${CREDENTIALS_SETTING}`,
    })
  }
  if (/timeout expired|connection timeout/i.test(message)) {
    return new SluiceError('DESTINATION_CONNECT', `[postgres] connecting to ${at} timed out`, {
      cause: error,
      transient: true,
      hint: `is the server reachable (firewall, host, port)? check ${CREDENTIALS_SETTING} or raise connectTimeoutMs`,
    })
  }
  if (/server does not support SSL/i.test(message)) {
    return new SluiceError('DESTINATION_CONNECT', `[postgres] the server at ${at} does not support SSL`, {
      cause: error,
      hint: `connect without TLS: remove ssl / use sslmode=disable in ${CREDENTIALS_SETTING}`,
    })
  }
  if (state === '28P01' || (state === '28000' && /password/i.test(message))) {
    return new SluiceError(
      'DESTINATION_AUTH',
      `[postgres] password authentication failed for user "${ctx.user}" at ${at}`,
      {
        cause: error,
        hint: `check the user and password in ${CREDENTIALS_SETTING}`,
      },
    )
  }
  if (state === '28000') {
    return new SluiceError(
      'DESTINATION_AUTH',
      `[postgres] the server at ${at} rejected user "${ctx.user}": ${message}`,
      {
        cause: error,
        hint: `allow the connection in pg_hba.conf, or check the user, database and sslmode in ${CREDENTIALS_SETTING}`,
      },
    )
  }
  if (state === '3D000') {
    const name = /database "([^"]+)"/.exec(message)?.[1] ?? ctx.database
    return new SluiceError(
      'DESTINATION_DATABASE_MISSING',
      `[postgres] database "${name}" does not exist on ${at}`,
      {
        cause: error,
        hint: `create it (\`createdb ${name}\` or CREATE DATABASE ${ident(name)}) or fix the database name in ${CREDENTIALS_SETTING}`,
      },
    )
  }
  if (state === '42501') {
    return new SluiceError('DESTINATION_PERMISSION', `[postgres] insufficient privilege${op}: ${message}`, {
      cause: error,
      hint: grantHint(message, ctx),
    })
  }
  if (
    (state !== undefined && (LIBPQ_TRANSIENT_STATES.has(state) || state.startsWith('08'))) ||
    (errno !== undefined && LIBPQ_TRANSIENT_ERRNO.has(errno))
  ) {
    return new SluiceError('DESTINATION_TRANSIENT', `[postgres] ${message}${op} [${state ?? errno}]`, {
      cause: error,
      transient: true,
      hint: 'retrying may succeed',
    })
  }
  if (
    /Connection terminated|terminating connection|Client has encountered a connection error|connection is closed|socket hang up/i.test(
      message,
    )
  ) {
    return new SluiceError(
      'DESTINATION_TRANSIENT',
      `[postgres] the connection to ${at} was lost${op}: ${message}`,
      {
        cause: error,
        transient: true,
        hint: 'retrying may succeed; check the server log if it repeats',
      },
    )
  }
  if (state === '2BP01') {
    return new SluiceError('DESTINATION_QUERY', `[postgres] ${message}${op} [2BP01]`, {
      cause: error,
      hint: 'views or other objects depend on a table that the staging-optimized replace drops: use replaceStrategy insert-from-staging, or drop the dependent objects',
    })
  }
  const detail = [e.detail, e.where]
    .map(clean)
    .filter((s) => s !== '')
    .join('; ')
  const text = `[postgres] ${message}${op}${state ? ` [${state}]` : ''}${detail ? ` (${detail})` : ''}`
  if (state?.startsWith('22') || state?.startsWith('23')) {
    return new SluiceError('DESTINATION_DATA', text, {
      cause: error,
      hint: clean(e.hint) || 'a value does not fit its column',
    })
  }
  return new SluiceError('DESTINATION_QUERY', text, {
    cause: error,
    ...(e.hint ? { hint: clean(e.hint) } : {}),
  })
}
