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
import { CREDENTIALS_SETTING, type RedshiftConnectionParams } from './redshift-credentials.ts'

/** What the error mapper needs to know about the connection, and the secrets to keep out of messages. */
export interface RedshiftErrorContext
  extends Pick<RedshiftConnectionParams, 'host' | 'port' | 'user' | 'database'> {
  /** Secrets (the password, the stage's keys) removed from every message. */
  secrets: readonly (string | undefined)[]
}

/** Redshift's own words for conflicts and lost sessions: repeat the transaction. */
const TRANSIENT_MESSAGES =
  /Serializable isolation violation|conflict with concurrent transaction|Connection terminated|terminating connection|connection is closed|socket hang up|Client has encountered a connection error|The cluster is (?:currently )?(?:paused|resizing|rebooting)/i

/** Data errors dlt treats as terminal: repeating the load gives the same result. */
const TERMINAL_DATA: readonly [RegExp, string, string][] = [
  [
    /Cannot insert a NULL value into column|null value in column .* violates not-null constraint/i,
    'a NULL value went into a NOT NULL column',
    'the table has a NOT NULL column that the data leaves empty: drop the constraint (ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL) or fill the value in the source',
  ],
  [
    /Numeric data overflow|numeric field overflow|out of range for type/i,
    'a number does not fit its column (numeric overflow)',
    'widen the column (a decimal column hint with a larger precision, or bigint) or fix the value in the source',
  ],
  [
    /Precision exceeds maximum/i,
    'a decimal has more digits than its column allows (precision exceeds maximum)',
    'give the column a decimal hint with precision up to 38 and a matching scale, or round the values in the source',
  ],
  [
    /value too long for type/i,
    'a value is longer than its column allows',
    'Redshift stores at most 65535 bytes per varchar and 1 MB per super value: shorten or split the value, or give the column a larger length hint',
  ],
]

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * True for errors that come from the driver or the socket (a SQLSTATE or errno `code`, a lost connection), as
 * opposed to bugs in the calling code, which should surface unchanged.
 */
export function isRedshiftDriverError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as LibpqDriverError
  return (
    typeof e.code === 'string' ||
    libpqErrno(e) !== undefined ||
    TRANSIENT_MESSAGES.test(e.message ?? '') ||
    /timeout expired/i.test(e.message ?? '')
  )
}

/**
 * Turns a `pg` driver error from Redshift into a {@link SluiceError} that says what to do: refused connections,
 * unknown hosts, bad passwords, missing databases and privileges get their own codes and hints; NULL into NOT NULL,
 * numeric overflow, precision and length errors (also inside a failed COPY's detail) are terminal
 * `DESTINATION_DATA`; serialization conflicts, dropped connections and restarts are `transient`. Every secret of
 * the context is redacted. `what` names the operation, e.g. `COPY into "t"`. SluiceErrors pass through unchanged.
 */
export function mapRedshiftError(error: unknown, ctx: RedshiftErrorContext, what?: string): SluiceError {
  if (isSluiceError(error)) return error
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as LibpqDriverError
  const clean = (text: string | undefined): string => redact(text ?? '', ctx.secrets)
  const at = `${ctx.host}:${ctx.port}`
  const message = clean(e.message) || 'unknown error'
  const detail = clean(e.detail).replace(/\s+/g, ' ').trim()
  const errno = libpqErrno(e)
  const state = libpqSqlState(e)
  const op = what ? ` (${what})` : ''
  const full = `${message}${detail ? ` (${detail})` : ''}`

  if (errno === 'ECONNREFUSED') {
    return new SluiceError('DESTINATION_CONNECT', `[redshift] could not connect to ${at} (ECONNREFUSED)`, {
      cause: error,
      hint: `is the cluster running and publicly accessible (or reachable through your VPC) on port ${ctx.port}? set ${CREDENTIALS_SETTING}`,
    })
  }
  if (errno === 'ENOTFOUND') {
    return new SluiceError('DESTINATION_CONNECT', `[redshift] host "${ctx.host}" not found (ENOTFOUND)`, {
      cause: error,
      hint: `use the cluster's endpoint from the console (without :5439/db) as the host in ${CREDENTIALS_SETTING}`,
    })
  }
  if (/timeout expired|connection timeout/i.test(message)) {
    return new SluiceError('DESTINATION_CONNECT', `[redshift] connecting to ${at} timed out`, {
      cause: error,
      transient: true,
      hint: "does the cluster's security group allow inbound connections on its port from here? check the host and port",
    })
  }
  if (state === '28P01' || state === '28000') {
    return new SluiceError(
      'DESTINATION_AUTH',
      `[redshift] the cluster at ${at} rejected user "${ctx.user}": ${message}`,
      { cause: error, hint: `check the username and password in ${CREDENTIALS_SETTING}` },
    )
  }
  if (state === '3D000') {
    return new SluiceError(
      'DESTINATION_DATABASE_MISSING',
      `[redshift] database "${ctx.database}" does not exist on ${at}`,
      {
        cause: error,
        hint: `create it (CREATE DATABASE ${ident(ctx.database)}) or fix the database in ${CREDENTIALS_SETTING}`,
      },
    )
  }
  if (/S3ServiceException|Access Denied|not authorized to assume|is not authorized to perform/i.test(full)) {
    return new SluiceError(
      'DESTINATION_PERMISSION',
      `[redshift] COPY could not read the staging bucket${op}: ${full}`,
      {
        cause: error,
        hint: 'attach an IAM role with s3:GetObject and s3:ListBucket on the bucket to the cluster and set iam_role_arn, or give staging keys that may read it ([destination.filesystem.credentials])',
      },
    )
  }
  if (state === '42501') {
    const role = ident(ctx.user)
    return new SluiceError('DESTINATION_PERMISSION', `[redshift] permission denied${op}: ${message}`, {
      cause: error,
      hint: `the user needs: GRANT CREATE ON DATABASE ${ident(ctx.database)} TO ${role}; GRANT USAGE, CREATE ON SCHEMA <dataset> TO ${role}; and ownership of the dataset's tables`,
    })
  }
  for (const [pattern, what_, hint] of TERMINAL_DATA) {
    if (pattern.test(full)) {
      return new SluiceError('DESTINATION_DATA', `[redshift] ${what_}${op}: ${full}`, { cause: error, hint })
    }
  }
  if (
    (state !== undefined && (LIBPQ_TRANSIENT_STATES.has(state) || state.startsWith('08'))) ||
    (errno !== undefined && LIBPQ_TRANSIENT_ERRNO.has(errno)) ||
    TRANSIENT_MESSAGES.test(message)
  ) {
    return new SluiceError(
      'DESTINATION_TRANSIENT',
      `[redshift] ${message}${op}${state ? ` [${state}]` : ''}`,
      {
        cause: error,
        transient: true,
        hint: 'retrying may succeed',
      },
    )
  }
  const text = `[redshift] ${full}${op}${state ? ` [${state}]` : ''}`
  if (/Load into table .* failed/i.test(message)) {
    return new SluiceError('DESTINATION_DATA', text, {
      cause: error,
      hint: 'a row of the staged file does not fit the table: SELECT * FROM sys_load_error_detail ORDER BY start_time DESC LIMIT 10 shows which',
    })
  }
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

/** The driver (a peer dependency) is not installed. */
export function driverMissing(cause: unknown): SluiceError {
  return new SluiceError('DESTINATION_DRIVER_MISSING', '[redshift] the driver "pg" is not installed', {
    cause,
    hint: 'install it next to @sluice/destination-redshift: `npm install pg`',
  })
}
