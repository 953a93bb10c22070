// How a page worker sends its requests, and the replies that say why a page failed.
import { BodyTooLargeError, ERROR_BODY_BYTES, readResponse, readStream } from '../http/http-body.ts'
import { BodyDecodeError } from '../http/http-error.ts'
import { isRedirect } from '../http/http-exchange.ts'
import type { RemoteRequest } from '../http/http-types.ts'
import type { FetchFailedReply } from './page-protocol.ts'

/**
 * How a page worker sends a request. It MUST NOT follow redirects (the HTTP client on the pipeline's thread follows
 * them hop by hop, with credentials only for trusted origins) and answers with the status, the headers and the
 * body's bytes, decoded per `content-encoding`: none of a redirect (3xx with `Location`), at most
 * {@link ERROR_BODY_BYTES} of another status that is not 2xx, a 2xx body up to `request.maxBytes` counted on the
 * wire and decoded (past it: rejects with `BodyTooLargeError`, having stopped reading). Rejects like `fetch` for
 * network errors (the reason in `cause` or the message), with the signal's reason once it aborts.
 */
export type PageSend = (
  request: RemoteRequest,
  signal: AbortSignal,
) => Promise<{
  status: number
  headers: [string, string][]
  body: Uint8Array
  /**
   * Called once the worker no longer needs `body`: a sender may then reuse its buffer for a later body (so that a
   * worker does not allocate one per page). Optional.
   */
  done?: () => void
}>

const NO_BYTES = new Uint8Array(0)

/** {@link PageSend} with `fetch` (Web APIs: what Web Workers use). */
export const fetchSend: PageSend = async (request, signal) => {
  const { url, method, headers, body, maxBytes } = request
  const res = await fetch(url, {
    method,
    headers,
    signal,
    redirect: 'manual',
    ...(body !== undefined ? { body } : {}),
  })
  const answer = { status: res.status, headers: [...res.headers] }
  if (isRedirect(res.status, res.headers.get('location'))) {
    await res.body?.cancel().catch(() => undefined)
    return { ...answer, body: NO_BYTES }
  }
  if (res.status < 200 || res.status >= 300) {
    return { ...answer, body: await readStream(res.body, ERROR_BODY_BYTES, { truncate: true }) }
  }
  return { ...answer, body: await readResponse(res, maxBytes ?? Number.POSITIVE_INFINITY) }
}

/** Why a body could not be parsed, as the replies carry it. */
export function decodeFailure(error: unknown): { message: string; snippet: string; looksJson: boolean } {
  const bad = error instanceof BodyDecodeError ? error : undefined
  return {
    message: error instanceof Error ? error.message : String(error),
    snippet: bad?.snippet ?? '',
    looksJson: bad?.looksJson ?? false,
  }
}

/** The reply for a page whose request failed (a network error, or a body over its size cap). */
export function fetchFailure(id: number, error: unknown): FetchFailedReply {
  // fetch's network errors carry the reason in `cause` (e.g. connect ECONNREFUSED)
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause?.message
  const message = typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error)
  const failed: FetchFailedReply = { t: 'fetch-failed', id, message }
  if (error instanceof BodyTooLargeError)
    failed.tooLarge = { limit: error.limit, compressed: error.compressed }
  return failed
}
