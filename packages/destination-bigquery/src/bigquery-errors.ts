import { isSluiceError, SluiceError } from '@sluice/core/destination'
import { BIGQUERY_CREDENTIALS_SETTING } from './bigquery-credentials.ts'

/** What the error mapper may name (never secrets). */
export interface BigQueryErrorContext {
  projectId: string
  location: string
  /** The service account's e-mail, when known. */
  principal?: string | undefined
  /** What was being done, e.g. `load job into ds_staging.items`. */
  action: string
}

interface DriverError {
  code?: number | string
  message?: string
  reason?: string
  errors?: { reason?: string; message?: string }[]
  response?: { status?: number; data?: { error?: unknown; error_description?: string } }
}

const TRANSIENT_REASONS = new Set(['backendError', 'rateLimitExceeded', 'internalError', 'jobBackendError'])
const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up/

/**
 * Turns an @google-cloud/bigquery (or google-auth-library) error into a {@link SluiceError} that says what to
 * fix: bad or expired credentials (`DESTINATION_AUTH`), a missing project/dataset (`DESTINATION_DATABASE_MISSING`),
 * missing IAM roles (`DESTINATION_PERMISSION`), rejected rows (`DESTINATION_DATA`), and transient backend,
 * rate-limit and network errors (`DESTINATION_TRANSIENT`/`DESTINATION_CONNECT`, retried).
 */
export function mapBigQueryError(error: unknown, ctx: BigQueryErrorContext): SluiceError {
  if (isSluiceError(error)) return error
  const e = (error ?? {}) as DriverError
  const reason = e.reason ?? e.errors?.[0]?.reason ?? ''
  const status = Number(e.code ?? e.response?.status ?? 0)
  const message = String(e.message ?? error).split('\n')[0] ?? ''
  const where = `[bigquery] ${ctx.action} in project ${ctx.projectId} (${ctx.location})`
  const who = ctx.principal ? `service account ${ctx.principal}` : 'the credentials'
  const authData = e.response?.data?.error
  if (
    status === 401 ||
    reason === 'authError' ||
    authData === 'invalid_grant' ||
    /invalid_grant|invalid_client/.test(message)
  ) {
    return new SluiceError(
      'DESTINATION_AUTH',
      `${where} failed: the credentials were rejected (${message})`,
      {
        cause: error,
        hint: `check client_email and private_key in ${BIGQUERY_CREDENTIALS_SETTING} (a revoked key needs a new one)`,
      },
    )
  }
  if (status === 403 || reason === 'accessDenied') {
    if (/quota|rate limit/i.test(message) || reason === 'rateLimitExceeded' || reason === 'quotaExceeded') {
      return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
        cause: error,
        hint: 'BigQuery quota or rate limit reached; the load is retried',
        transient: reason === 'rateLimitExceeded',
      })
    }
    return new SluiceError('DESTINATION_PERMISSION', `${where} failed: access denied (${message})`, {
      cause: error,
      hint: `grant ${who} the roles BigQuery Data Editor (datasets, tables) and BigQuery Job User (jobs) on project ${ctx.projectId}`,
    })
  }
  if (status === 404 || reason === 'notFound') {
    return new SluiceError('DESTINATION_DATABASE_MISSING', `${where} failed: ${message}`, {
      cause: error,
      hint: `check project_id "${ctx.projectId}" and location "${ctx.location}" (datasets live in one location), and that ${who} may see them`,
    })
  }
  if (/concurrent update|could not serialize access/i.test(message)) {
    return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
      cause: error,
      hint: 'another job changed the same table at the same time; the load is retried',
      transient: true,
    })
  }
  if (TRANSIENT_REASONS.has(reason) || status === 429 || status >= 500) {
    return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
      cause: error,
      hint: 'a temporary BigQuery error; the load is retried',
      transient: true,
    })
  }
  if (NETWORK.test(message)) {
    return new SluiceError('DESTINATION_CONNECT', `${where}: could not reach BigQuery (${message})`, {
      cause: error,
      hint: 'check the network (and api_endpoint when set); the load is retried',
      transient: true,
    })
  }
  if (reason === 'invalid' && /JSON|parse|row/i.test(message)) {
    return new SluiceError('DESTINATION_DATA', `${where} rejected the data: ${message}`, {
      cause: error,
      hint: 'a value does not fit its column type; the message names the row and column',
    })
  }
  return new SluiceError('DESTINATION_QUERY', `${where} failed: ${message}`, { cause: error })
}
