import type { SluiceErrorCode } from './error-codes.ts'

/**
 * The error every sluice package throws: a stable `code`, the underlying `cause`, and a message that says
 * what happened and what to do next. Messages MUST NOT contain secrets: build them from {@link redact}ed parts.
 */
export class SluiceError extends Error {
  /** Stable, greppable code such as `HTTP_STATUS`, `CONFIG_INVALID`, `DESTINATION_CONNECT` (see `ERROR_CODES`). */
  readonly code: SluiceErrorCode
  /** True when retrying the same operation may succeed (network, 429, 5xx, serialization failures). */
  readonly transient: boolean
  /** What the user should do next; already part of `message`. */
  readonly hint: string | undefined

  constructor(
    code: SluiceErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; transient?: boolean } = {},
  ) {
    super(options.hint ? `${message}: ${options.hint}` : message, { cause: options.cause })
    this.name = 'SluiceError'
    this.code = code
    this.transient = options.transient ?? false
    this.hint = options.hint
  }
}

/** True for a {@link SluiceError} (also across copies of the package) with the given code, or any code. */
export function isSluiceError(error: unknown, code?: SluiceErrorCode): error is SluiceError {
  if (!(error instanceof Error) || error.name !== 'SluiceError') return false
  return code === undefined || (error as SluiceError).code === code
}

/**
 * Replaces every occurrence of each secret in `text` with `***`. Secrets shorter than 4 characters are
 * ignored (they would mangle ordinary words).
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***')
  }
  return out
}
