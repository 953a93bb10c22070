// One HTTP exchange of the client: sending a request (with global fetch, the client's own fetch, or a body reader's
// fetch on a page worker) and reading its answer within the size cap. Redirects are not followed here: the client
// follows them hop by hop.
import { SluiceError } from '../errors.ts'
import { decodeUtf8, readErrorText, readResponse } from './http-body.ts'
import { BodyDecodeError, bodySnippet } from './http-error.ts'
import type { BodyReader } from './http-types.ts'

/** How the client sends: its options that matter here. */
export interface Exchange {
  fetch: typeof fetch | undefined
  fetchInit: Record<string, unknown> | undefined
  /** Cap of a 2xx body, compressed and decoded. */
  maxBytes: number
  redact(text: string): string
}

/** An answer: the text of a body that is not 2xx, for a 2xx a function giving the parsed body. */
export interface Exchanged {
  status: number
  headers: Headers
  /** Not 2xx: the start of the body; 2xx: the whole body when it was decoded here, else empty. */
  text: string
  /** 2xx: the parsed body (`HTTP_DECODE` when it is not JSON). */
  body: () => Promise<unknown>
  /** Characters of a 2xx body decoded here that were not UTF-8; undefined when the reader decoded it. */
  invalidUtf8?: number
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** True for an answer that redirects: 301, 302, 303, 307 or 308 with a `Location`. */
export function isRedirect(status: number, location: string | null | undefined): boolean {
  return REDIRECT_STATUSES.has(status) && typeof location === 'string'
}

/** The absolute http(s) URL a `Location` points to (fragment dropped), or undefined. */
export function redirectTarget(location: string, from: URL): URL | undefined {
  try {
    const next = new URL(location, from)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined
    next.hash = ''
    return next
  } catch {
    return undefined
  }
}

/**
 * Sends one request (here, or through the reader's own fetch) without following redirects, and reads the answer:
 * nothing of a redirect's body, the start of a non-2xx body, a 2xx body up to `maxBytes` (else
 * `BodyTooLargeError`).
 */
export async function exchange(
  send: Exchange,
  url: URL,
  init: { method: string; headers: Headers; body: string | undefined },
  signal: AbortSignal,
  safe: string,
  reader: BodyReader<unknown> | undefined,
): Promise<Exchanged> {
  if (reader?.fetch && send.fetch === undefined && send.fetchInit === undefined) {
    const r = await reader.fetch(
      {
        url: url.href,
        method: init.method,
        headers: [...init.headers],
        maxBytes: send.maxBytes,
        ...(init.body !== undefined ? { body: init.body } : {}),
      },
      signal,
    )
    const headers = new Headers(r.headers)
    return {
      status: r.status,
      headers,
      text: r.text ?? '',
      body: async () => {
        const bad = r.decodeError
        if (bad)
          throw decodeError(send, r.status, headers, safe, bad.snippet, bad.looksJson, new Error(bad.message))
        return r.body
      },
    }
  }
  const doFetch = send.fetch ?? globalThis.fetch
  const res = await doFetch(url, {
    ...send.fetchInit,
    method: init.method,
    headers: init.headers,
    body: init.body,
    signal,
    redirect: 'manual',
  } as RequestInit)
  if (res.type === 'opaqueredirect') {
    throw new SluiceError(
      'HTTP_REDIRECT',
      `${init.method} ${safe} was redirected and this runtime hides where`,
      {
        hint: 'use the final URL as baseUrl',
      },
    )
  }
  if (isRedirect(res.status, res.headers.get('location'))) {
    await res.body?.cancel().catch(() => undefined)
    return { status: res.status, headers: res.headers, text: '', body: async () => undefined }
  }
  if (res.status < 200 || res.status >= 300) {
    const text = await readErrorText(res)
    return { status: res.status, headers: res.headers, text, body: async () => undefined }
  }
  const bytes = await readResponse(res, send.maxBytes)
  if (reader) {
    return {
      status: res.status,
      headers: res.headers,
      text: '',
      body: () => parseWith(send, reader.parse, bytes, res.status, res.headers, safe),
    }
  }
  const { text, invalid } = decodeUtf8(bytes)
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: async () => parseJson(send, text, res, safe),
    invalidUtf8: invalid,
  }
}

function parseJson(send: Exchange, text: string, res: Response, safe: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw decodeError(send, res.status, res.headers, safe, bodySnippet(text), /^\s*[[{]/.test(text), cause)
  }
}

async function parseWith(
  send: Exchange,
  parse: (bytes: Uint8Array) => Promise<unknown>,
  bytes: Uint8Array,
  status: number,
  headers: Headers,
  safe: string,
): Promise<unknown> {
  try {
    return await parse(bytes)
  } catch (error) {
    if (error instanceof BodyDecodeError)
      throw decodeError(send, status, headers, safe, error.snippet, error.looksJson, error)
    if (error instanceof SluiceError) throw error
    // not a network error: no retry
    throw new SluiceError(
      'HTTP_PARSE',
      send.redact(
        `${safe}: reading the body failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
      { cause: error, hint: 'run again; if it happens again, report it with this message' },
    )
  }
}

/** `HTTP_DECODE` for a 2xx body that is not JSON: transient when it looks like JSON cut off. */
function decodeError(
  send: Exchange,
  status: number,
  headers: Headers,
  safe: string,
  start: string,
  startsLikeJson: boolean,
  cause: unknown,
): SluiceError {
  const contentType = headers.get('content-type') ?? ''
  const cutOff = startsLikeJson || contentType.includes('json')
  return new SluiceError(
    'HTTP_DECODE',
    send.redact(
      `${safe} answered HTTP ${status} with ${cutOff ? 'JSON that is cut off or invalid' : `a body that is not JSON (${contentType || 'no content-type'})`}: "${start}"`,
    ),
    {
      cause: cause instanceof Error ? new Error(send.redact(cause.message)) : undefined,
      transient: cutOff,
      hint: cutOff
        ? 'the connection probably broke mid-response; retry'
        : 'check baseUrl and path (is this the API?)',
    },
  )
}

/** Whether a redirect continues as GET without a body, as fetch does: 303 (not after HEAD), 301/302 after POST. */
export function redirectAsGet(status: number, method: string): boolean {
  return (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')
}

/** `HTTP_REDIRECT` with its (redacted) message; `loop` when there were too many redirects, else a bad Location. */
export function redirectError(message: string, loop: boolean): SluiceError {
  return new SluiceError('HTTP_REDIRECT', message, {
    hint: loop ? 'check baseUrl and the path (a redirect loop?)' : 'check baseUrl and the path',
  })
}
