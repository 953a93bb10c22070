import { isSluiceError, redact, SluiceError } from '@sluice/core/destination'
import { DATABRICKS_CREDENTIALS_SETTING } from './databricks-credentials.ts'

/** An answer of the Databricks REST API that is not a success: an HTTP error or a failed statement. */
export class DatabricksApiError extends Error {
  /** HTTP status; undefined for a statement that ran and failed (or was canceled). */
  readonly status: number | undefined
  /** Databricks' `error_code`, e.g. `PERMISSION_DENIED`, `TEMPORARILY_UNAVAILABLE`; `CANCELED` for a canceled statement. */
  readonly errorCode: string | undefined
  /** The SQLSTATE of a failed statement. */
  readonly sqlState: string | undefined

  constructor(message: string, fields: { status?: number; errorCode?: string; sqlState?: string } = {}) {
    super(message)
    this.name = 'DatabricksApiError'
    this.status = fields.status
    this.errorCode = fields.errorCode
    this.sqlState = fields.sqlState
  }
}

/** What an error message may name (never secrets). */
export interface DatabricksErrorContext {
  /** Workspace host. */
  host: string
  /** What was being done, e.g. `COPY INTO \`ds_staging\`.\`items\``. */
  action: string
  /** Values to mask wherever they appear in a message (keys inside a statement an error echoes). */
  secrets?: readonly (string | undefined)[]
  /**
   * False when repeating the request could do its work twice (a `COPY INTO` whose answer was lost): such
   * failures are then not transient, and the package resumes from the start on the next run. Default true.
   */
  repeatable?: boolean
}

const TRANSIENT_CODES = new Set([
  'TEMPORARILY_UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'SERVICE_UNDER_MAINTENANCE',
  'WORKSPACE_TEMPORARILY_UNAVAILABLE',
  'REQUEST_LIMIT_EXCEEDED',
])
const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR|socket|fetch failed|network/i
const CONCURRENT =
  /DELTA_CONCURRENT|Concurrent(?:Append|DeleteRead|DeleteDelete|Transaction|Write)Exception|DELTA_METADATA_CHANGED|MetadataChangedException/
const PERMISSION = /INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED|does not have .*privilege|not authorized/i
const DATA =
  /CAST_INVALID_INPUT|NUMERIC_VALUE_OUT_OF_RANGE|ARITHMETIC_OVERFLOW|CAST_OVERFLOW|DELTA_FAILED_TO_MERGE_FIELDS|INVALID_PARQUET|DATATYPE_MISMATCH/

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return (text.split('\n')[0] ?? '').trim()
}

function causeText(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, i = 0; e && i < 4; i++) {
    parts.push(String((e as { code?: unknown }).code ?? ''), e instanceof Error ? e.message : String(e))
    e = (e as { cause?: unknown }).cause
  }
  return parts.join(' ')
}

/**
 * Turns a failure of the Databricks API (or of `fetch`) into a {@link SluiceError} that says what to fix: rejected
 * credentials (`DESTINATION_AUTH`), missing grants (`DESTINATION_PERMISSION`), a missing catalog or warehouse
 * (`DESTINATION_DATABASE_MISSING`), values that do not fit (`DESTINATION_DATA`), and transient conditions (429,
 * 503, a warehouse still starting, a concurrent Delta commit, the network) marked `transient` where repeating is
 * safe. Secrets in `ctx.secrets` are masked; the message never holds the token.
 */
export function mapDatabricksError(error: unknown, ctx: DatabricksErrorContext): SluiceError {
  if (isSluiceError(error)) return error
  const secrets = ctx.secrets ?? []
  const where = `[databricks] ${redact(ctx.action, secrets)} on ${ctx.host}`
  const repeatable = ctx.repeatable !== false
  if (!(error instanceof DatabricksApiError)) {
    const text = causeText(error)
    if (NETWORK.test(text) || error instanceof TypeError) {
      return new SluiceError(
        'DESTINATION_CONNECT',
        `${where}: could not reach Databricks (${firstLine(error)})`,
        {
          cause: error,
          hint: repeatable
            ? 'check server_hostname and the network; the request is retried'
            : 'check server_hostname and the network; the statement may have run, so run again: the package resumes and reloads its staging tables',
          transient: repeatable,
        },
      )
    }
    return new SluiceError('DESTINATION_QUERY', `${where} failed: ${redact(firstLine(error), secrets)}`, {
      cause: error,
    })
  }
  const message = redact(firstLine(error), secrets)
  const { status, errorCode, sqlState } = error
  // the cause travels with the error: it gets the masked text too
  const cause = secrets.some((s) => s && error.message.includes(s))
    ? new DatabricksApiError(redact(error.message, secrets), {
        ...(status === undefined ? {} : { status }),
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(sqlState === undefined ? {} : { sqlState }),
      })
    : error
  if (status === 401 || errorCode === 'UNAUTHENTICATED') {
    return new SluiceError(
      'DESTINATION_AUTH',
      `${where} failed: the credentials were rejected (${message})`,
      {
        cause,
        hint: `check access_token (or client_id and client_secret) in ${DATABRICKS_CREDENTIALS_SETTING}; an expired or revoked token needs a new one`,
      },
    )
  }
  if (
    status === 403 ||
    errorCode === 'PERMISSION_DENIED' ||
    sqlState === '42501' ||
    PERMISSION.test(message)
  ) {
    return new SluiceError('DESTINATION_PERMISSION', `${where} failed: permission denied (${message})`, {
      cause,
      hint: "grant the principal CAN USE on the SQL warehouse, USE CATALOG and CREATE SCHEMA on the catalog, and on the dataset's schemas USE SCHEMA, CREATE TABLE, CREATE VOLUME, MODIFY, SELECT, READ VOLUME and WRITE VOLUME",
    })
  }
  if (/CATALOG_NOT_FOUND|NO_SUCH_CATALOG/.test(message)) {
    return new SluiceError('DESTINATION_DATABASE_MISSING', `${where} failed: ${message}`, {
      cause,
      hint: 'check catalog: it must be an existing Unity Catalog catalog the principal may USE',
    })
  }
  if (status === 404 && /volume/i.test(message)) {
    return new SluiceError('DESTINATION_DATABASE_MISSING', `${where} failed: ${message}`, {
      cause,
      hint: 'check staging_volume_name: the volume must exist and the principal needs WRITE VOLUME on it (or leave the setting out: a volume is created in <dataset>_staging)',
    })
  }
  if (status === 404 && /warehouse|endpoint/i.test(message)) {
    return new SluiceError('DESTINATION_DATABASE_MISSING', `${where} failed: ${message}`, {
      cause,
      hint: 'check http_path: it must be the HTTP path of an existing SQL warehouse (Connection details of the warehouse)',
    })
  }
  if (CONCURRENT.test(message)) {
    return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
      cause,
      hint: 'another writer changed the same Delta table at the same time; the statement did not commit and is retried',
      transient: true,
    })
  }
  const refused = status === 429 || status === 503
  if (refused || (status === undefined && errorCode !== undefined && TRANSIENT_CODES.has(errorCode))) {
    return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
      cause,
      hint: 'Databricks is busy or the SQL warehouse is starting; the request is retried',
      transient: true,
    })
  }
  if (status !== undefined && status >= 500) {
    return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
      cause,
      hint: repeatable
        ? 'a temporary Databricks error; the request is retried'
        : 'a Databricks error without an answer on whether the statement ran: run again, the package resumes and reloads its staging tables',
      transient: repeatable,
    })
  }
  if (errorCode === 'CANCELED') {
    return new SluiceError('DESTINATION_QUERY', `${where} was canceled (${message})`, {
      cause,
      hint: "the statement was canceled outside sluice (by a user, the warehouse's statement timeout or a warehouse stop); run again",
    })
  }
  if (sqlState?.startsWith('22') || DATA.test(message)) {
    return new SluiceError('DESTINATION_DATA', `${where}: a value does not fit its column (${message})`, {
      cause,
      hint: 'the message names the column; check the types the schema gives it',
    })
  }
  return new SluiceError('DESTINATION_QUERY', `${where} failed: ${message}`, { cause })
}
