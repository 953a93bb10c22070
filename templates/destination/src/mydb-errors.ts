import { SluiceError } from '@sluice/core/destination'

function firstLine(cause: unknown): string {
  return (cause instanceof Error ? cause.message : String(cause)).split('\n')[0] ?? ''
}

/**
 * Turns a driver error into a {@link SluiceError} that says what failed and what to do. Map every error class of
 * your driver here: connection refused, bad credentials, missing database, missing privilege (each with the
 * setting or grant that fixes it), values that do not fit (`DESTINATION_DATA`), and mark as `transient` what a
 * retry can fix (lost connections, serialization failures). Never put a secret in a message.
 */
export function mydbError(cause: unknown, action: string): SluiceError {
  const line = firstLine(cause)
  if (/Conversion Error|Invalid Input Error|Could not convert/i.test(line)) {
    return new SluiceError(
      'DESTINATION_DATA',
      `[mydb] a value does not fit its column while ${action} (${line})`,
      {
        cause,
        hint: 'the load package does not match the table; check the column types',
      },
    )
  }
  return new SluiceError('DESTINATION_QUERY', `[mydb] failed while ${action} (${line})`, {
    cause,
    hint: 'see the message of the engine above; if the SQL itself is wrong, that is a bug of this destination',
  })
}

/** The driver (a peer dependency) is not installed. */
export function driverMissing(cause: unknown): SluiceError {
  return new SluiceError(
    'DESTINATION_DRIVER_MISSING',
    '[mydb] the driver @duckdb/node-api is not installed',
    {
      cause,
      hint: 'install it next to the destination package: `npm install @duckdb/node-api`',
    },
  )
}
