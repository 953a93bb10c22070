import { SluiceError } from '../errors.ts'

/**
 * A response with a status the client does not accept (code `HTTP_STATUS`). `name` stays `SluiceError`
 * so `isSluiceError` matches it.
 */
export class HttpError extends SluiceError {
  /** The HTTP status. */
  readonly status: number
  /** The request URL with secrets removed. */
  readonly url: string

  constructor(
    message: string,
    options: { status: number; url: string; cause?: unknown; hint?: string; transient?: boolean },
  ) {
    super('HTTP_STATUS', message, options)
    this.status = options.status
    this.url = options.url
  }
}

/** True when `error` is an {@link HttpError} (also across package copies), optionally with the given status. */
export function isHttpError(error: unknown, status?: number): error is HttpError {
  if (!(error instanceof Error) || error.name !== 'SluiceError') return false
  const s = (error as { status?: unknown }).status
  if (typeof s !== 'number' || (error as SluiceError).code !== 'HTTP_STATUS') return false
  return status === undefined || s === status
}

/** A body that is not valid JSON; the HTTP client turns it into `HTTP_DECODE` (retried when it looks cut off). */
export class BodyDecodeError extends Error {
  /** The start of the body, whitespace collapsed (before redaction). */
  readonly snippet: string
  /** True when the body starts like JSON: probably cut off mid-response. */
  readonly looksJson: boolean

  constructor(message: string, snippet: string, looksJson: boolean) {
    super(message)
    this.name = 'BodyDecodeError'
    this.snippet = snippet
    this.looksJson = looksJson
  }
}

/** The first 200 characters of `text`, whitespace collapsed. */
export function bodySnippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return t.length > 200 ? `${t.slice(0, 200)}…` : t
}
