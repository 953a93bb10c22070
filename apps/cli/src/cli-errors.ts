import { isSluiceError } from '@sluice/core'

/** A mistake in how sluice was called or configured: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

const CONFIG_CODES = new Set([
  'CONFIG_INVALID',
  'CONFIG_MISSING',
  'DEPENDENCY_MISSING',
  'USAGE',
  'RESOURCE_UNKNOWN',
  'PIPELINE_UNKNOWN',
  // asking a dataset for what is not there, or for what a reader refuses
  'TABLE_UNKNOWN',
  'COLUMN_UNKNOWN',
  'QUERY_INVALID',
  'QUERY_FAILED',
  'READ_ONLY',
  'READER_MISSING',
])

/** Exit codes: 0 done, 1 load failed, 2 usage or configuration error (a query the dataset cannot answer too). */
export function exitCodeFor(error: unknown): 1 | 2 {
  if (error instanceof UsageError) return 2
  if (isSluiceError(error) && CONFIG_CODES.has(error.code)) return 2
  return 1
}

/** One line (plus causes) for the terminal: `[sluice] <message>`. */
export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return `[sluice] ${String(error)}`
  const lines = [error.message.startsWith('[sluice]') ? error.message : `[sluice] ${error.message}`]
  let cause = (error as { cause?: unknown }).cause
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    if (!error.message.includes(cause.message)) lines.push(`  caused by: ${cause.message}`)
    cause = (cause as { cause?: unknown }).cause
  }
  return lines.join('\n')
}

/** The `--json` form of an error: `{ "error": { code, message, hint?, exitCode } }`. */
export function errorObject(error: unknown): {
  error: { code: string; message: string; hint?: string; exitCode: 1 | 2 }
} {
  const exitCode = exitCodeFor(error)
  if (isSluiceError(error)) {
    return {
      error: {
        code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
        exitCode,
      },
    }
  }
  const code = error instanceof UsageError ? 'USAGE' : 'ERROR'
  return { error: { code, message: error instanceof Error ? error.message : String(error), exitCode } }
}
