import { isSluiceError, SluiceError } from '@sluice/core/destination'
import { SNOWFLAKE_CREDENTIALS_SETTING } from './snowflake-credentials.ts'

/** What the error mapper may name (never secrets). */
export interface SnowflakeErrorContext {
  account: string
  user: string
  database: string
  warehouse?: string | undefined
  role?: string | undefined
  /** What was being done, e.g. `connect`, `COPY INTO "DS_STAGING"."ITEMS"`. */
  action: string
}

interface DriverError {
  code?: string | number
  sqlState?: string
  message?: string
  cause?: unknown
}

const NETWORK_CODES = new Set(['401001', '401002', '401003'])

/**
 * Turns a snowflake-sdk error into a {@link SluiceError} that says what to fix: bad credentials
 * (`DESTINATION_AUTH`), a missing database/schema/table or missing privileges (`DESTINATION_PERMISSION`,
 * `DESTINATION_DATABASE_MISSING`), no warehouse, network trouble (`DESTINATION_CONNECT`, transient), bad rows
 * (`DESTINATION_DATA`). Anything else is `DESTINATION_QUERY` with the server's message.
 */
export function mapSnowflakeError(error: unknown, ctx: SnowflakeErrorContext): SluiceError {
  if (isSluiceError(error)) return error
  const e = (error ?? {}) as DriverError
  const code = e.code === undefined ? '' : String(e.code).padStart(6, '0')
  const full = String(e.message ?? error)
    .replace(/\s*\n\s*/g, ' ')
    .trim()
  const message = full.length > 300 ? `${full.slice(0, 297)}...` : full
  const where = `[snowflake] ${ctx.action} on account ${ctx.account}`
  if (code === '390100' || code === '390101' || code === '390422') {
    return new SluiceError('DESTINATION_AUTH', `${where} failed: ${message}`, {
      cause: error,
      hint: `check user "${ctx.user}" and its password in ${SNOWFLAKE_CREDENTIALS_SETTING}`,
    })
  }
  if (code === '390144' || code === '394304' || /JWT/i.test(message)) {
    return new SluiceError('DESTINATION_AUTH', `${where} failed: ${message}`, {
      cause: error,
      hint: `check private_key_path / private_key_passphrase and that the public key is set on user "${ctx.user}" (ALTER USER ... SET RSA_PUBLIC_KEY=...)`,
    })
  }
  if (
    code === '390201' ||
    code === '090105' ||
    /database .* does not exist|does not have a current database/i.test(message)
  ) {
    return new SluiceError('DESTINATION_DATABASE_MISSING', `${where} failed: ${message}`, {
      cause: error,
      hint: `create database "${ctx.database}" (CREATE DATABASE ...) or grant USAGE on it to role ${ctx.role ?? '<default role>'}`,
    })
  }
  if (code === '000606' || /no active warehouse/i.test(message)) {
    return new SluiceError('DESTINATION_PERMISSION', `${where} failed: ${message}`, {
      cause: error,
      hint: `set warehouse in ${SNOWFLAKE_CREDENTIALS_SETTING} and GRANT USAGE ON WAREHOUSE to role ${ctx.role ?? '<default role>'}`,
    })
  }
  if (code === '003001' || code === '003011' || /insufficient privileges|not authorized/i.test(message)) {
    return new SluiceError('DESTINATION_PERMISSION', `${where} failed: ${message}`, {
      cause: error,
      hint: `grant role ${ctx.role ?? '<default role>'} USAGE and CREATE SCHEMA on database "${ctx.database}" (and OWNERSHIP or INSERT/DELETE/UPDATE on the dataset's tables)`,
    })
  }
  if (code === '002003') {
    return new SluiceError('DESTINATION_PERMISSION', `${where} failed: ${message}`, {
      cause: error,
      hint: `the object is missing or role ${ctx.role ?? '<default role>'} may not see it: check database "${ctx.database}" and its grants`,
    })
  }
  if (code === '100069' || code === '100071' || /^100\d{3}$/.test(code)) {
    return new SluiceError('DESTINATION_DATA', `${where} rejected the data: ${message}`, {
      cause: error,
      hint: 'a value does not fit its column type; check the job file named in the message',
    })
  }
  if (code === '000625' || code === '000630' || /lock .* (timed out|waiters)|deadlock/i.test(message)) {
    return new SluiceError('DESTINATION_TRANSIENT', `${where}: ${message}`, {
      cause: error,
      hint: 'another statement held a lock on the same table; the load is retried',
      transient: true,
    })
  }
  if (NETWORK_CODES.has(code) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN/.test(message)) {
    return new SluiceError('DESTINATION_CONNECT', `${where}: could not reach Snowflake (${message})`, {
      cause: error,
      hint: 'check the account identifier (e.g. myorg-myaccount) and the network; the load is retried',
      transient: true,
    })
  }
  return new SluiceError('DESTINATION_QUERY', `${where} failed: ${message}`, { cause: error })
}
