import corePackage from '../../package.json' with { type: 'json' }
import { SluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import { authQueryParam, base64Utf8, createAuth } from './http-auth.ts'
import { systemClock } from './http-clock.ts'
import { BodyDecodeError, bodySnippet, HttpError } from './http-error.ts'
import { buildUrl } from './http-query.ts'
import { redactUrl } from './http-redact.ts'
import { apiMessage, DEFAULT_RETRY_STATUS, parseRetryAfter, statusHint, tryJson } from './http-status.ts'
import type {
  Auth,
  BodyReader,
  Clock,
  HttpClient,
  HttpClientOptions,
  HttpRequest,
  HttpRequestOptions,
  HttpResponse,
  RateLimiter,
} from './http-types.ts'
import { createRateLimiter } from './rate-limiter.ts'

/** The version in the default user agent: this package's, read from its package.json. */
export const SLUICE_VERSION: string = corePackage.version

function isLimiter(x: unknown): x is RateLimiter {
  return typeof (x as RateLimiter | undefined)?.acquire === 'function'
}

class TimeoutSignal extends Error {
  constructor() {
    super('timeout')
    this.name = 'TimeoutError'
  }
}

class Client implements HttpClient {
  readonly limiter: RateLimiter
  private readonly auth: Auth | undefined
  private readonly clock: Clock
  private readonly o: HttpClientOptions
  private readonly retryable: (status: number) => boolean
  private readonly secretParams: string[]
  private active = 0
  private readonly urlSecrets = new Set<string>()

  constructor(options: HttpClientOptions) {
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//i.test(options.baseUrl)) {
      throw new SluiceError('CONFIG_INVALID', `client.baseUrl must be an absolute http(s) URL`, {
        hint: 'e.g. https://my.clockodo.com/api',
      })
    }
    this.o = options
    this.clock = options.clock ?? systemClock
    this.auth = options.auth
      ? createAuth(options.auth, { fetch: options.fetch, clock: this.clock })
      : undefined
    this.limiter = isLimiter(options.rateLimit)
      ? options.rateLimit
      : createRateLimiter({
          windows: options.rateLimit ?? [],
          maxInFlight: options.maxInFlight,
          clock: this.clock,
        })
    const statuses = options.retry?.retryStatuses
    this.retryable = statuses ? (s) => statuses.includes(s) : DEFAULT_RETRY_STATUS
    const qp = this.auth ? authQueryParam(this.auth) : undefined
    this.secretParams = qp ? [qp] : []
  }

  private secrets(): string[] {
    const out: string[] = []
    for (const s of [...(this.o.secrets ?? []), ...(this.auth?.secrets ?? []), ...this.urlSecrets]) {
      if (!s) continue
      out.push(s)
      const enc = encodeURIComponent(s)
      if (enc !== s) out.push(enc)
      const form = new URLSearchParams({ s }).toString().slice(2)
      if (form !== s && form !== enc) out.push(form)
    }
    return out
  }

  redact(text: string): string {
    let out = text
    for (const s of this.secrets()) if (s.length >= 4) out = out.split(s).join('***')
    return out
  }

  private emit(e: PipelineEvent): void {
    this.o.emit?.(e)
  }

  async request<T = unknown>(req: HttpRequest, options: HttpRequestOptions = {}): Promise<HttpResponse<T>> {
    const { signal, resource } = options
    const retry = this.o.retry ?? {}
    const maxAttempts = Math.max(1, retry.maxAttempts ?? 5)
    const baseDelay = retry.baseDelayMs ?? 1000
    const maxDelay = retry.maxDelayMs ?? 60_000
    const maxTotalWait = retry.maxTotalWaitMs ?? 300_000
    const random = this.o.random ?? Math.random
    let totalWait = 0
    let authRetried = false
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason
      let failure: { error: SluiceError; retryAfterMs?: number; reason: string; free?: boolean }
      const url = buildUrl(this.o.baseUrl, req.path, req.params)
      const headers = new Headers()
      if (url.username || url.password) {
        // fetch refuses URLs with credentials: turn them into HTTP Basic (unless auth is configured)
        const user = decodeURIComponent(url.username)
        const pass = decodeURIComponent(url.password)
        if (pass) this.urlSecrets.add(pass)
        url.username = ''
        url.password = ''
        if (!this.auth) headers.set('Authorization', `Basic ${base64Utf8(`${user}:${pass}`)}`)
      }
      headers.set('accept', 'application/json')
      headers.set('user-agent', this.o.userAgent ?? `sluice/${SLUICE_VERSION}`)
      for (const [k, v] of Object.entries(this.o.headers ?? {})) headers.set(k, v)
      for (const [k, v] of Object.entries(req.headers ?? {}))
        if (v !== undefined && v !== null) headers.set(k, v)
      let body: string | undefined
      if (req.json !== undefined) {
        body = JSON.stringify(req.json)
        if (!headers.has('content-type')) headers.set('content-type', 'application/json')
      }
      try {
        await this.auth?.apply({ url, headers }, signal)
      } catch (e) {
        if (signal?.aborted) throw signal.reason
        if (e instanceof SluiceError) throw e
        throw new SluiceError(
          'HTTP_AUTH',
          this.redact(`auth failed: ${e instanceof Error ? e.message : String(e)}`),
          {
            hint: 'check the auth configuration',
          },
        )
      }
      const safe = redactUrl(url, this.secrets(), this.secretParams)
      const method = (req.method ?? 'GET').toUpperCase()
      const onWait = (waitMs: number, window: string): void =>
        this.emit({ type: 'rate-limit-wait', resource, waitMs, window })
      const extra = options.limiter
      if (extra) await extra.acquire(signal, { onWait })
      try {
        await this.limiter.acquire(signal, { onWait })
      } catch (e) {
        extra?.release()
        throw e
      }
      this.active++
      this.emit({ type: 'request', resource, method, url: safe, inFlight: this.active })
      const started = this.clock.now()
      const ctrl = new AbortController()
      const onCallerAbort = (): void => ctrl.abort(signal?.reason)
      signal?.addEventListener('abort', onCallerAbort, { once: true })
      const timerCtrl = new AbortController()
      const timeoutMs = this.o.timeoutMs ?? 60_000
      this.clock.sleep(timeoutMs, timerCtrl.signal).then(
        () => ctrl.abort(new TimeoutSignal()),
        () => {},
      )
      let status = 0
      try {
        const res = await this.exchange(url, { method, headers, body }, ctrl.signal, safe, options.reader)
        status = res.status
        this.emit({
          type: 'response',
          resource,
          url: safe,
          status,
          ms: this.clock.now() - started,
          inFlight: this.active - 1,
        })
        if (status >= 200 && status < 300) {
          return { status, headers: res.headers, body: (await res.body()) as T, url: safe, request: req }
        }
        const text = res.text
        const parsed = tryJson(text)
        const apiMsg = apiMessage(parsed ?? text)
        const message = this.redact(
          `${method} ${safe} failed with HTTP ${status}${apiMsg ? `: ${bodySnippet(apiMsg)}` : ''}`,
        )
        const transient = this.retryable(status)
        const error = new HttpError(message, { status, url: safe, hint: statusHint(status), transient })
        if (status === 401 && this.auth?.invalidate && !authRetried) {
          authRetried = true
          this.auth.invalidate()
          failure = { error, retryAfterMs: 0, reason: 'HTTP 401, refreshing credentials', free: true }
        } else if (!transient) {
          throw error
        } else {
          const ra = parseRetryAfter(res.headers.get('retry-after'), this.clock.now())
          if (status === 429) {
            this.limiter.slowDown(ra)
            extra?.slowDown(ra)
          }
          failure = { error, retryAfterMs: ra, reason: `HTTP ${status}` }
        }
      } catch (e) {
        if (signal?.aborted) throw signal.reason
        if (e instanceof SluiceError) {
          if (!e.transient) throw e
          failure = { error: e, reason: e.code === 'HTTP_DECODE' ? 'truncated response' : e.code }
        } else if (ctrl.signal.aborted && ctrl.signal.reason instanceof TimeoutSignal) {
          failure = {
            error: new SluiceError('HTTP_TIMEOUT', `${method} ${safe} timed out after ${timeoutMs} ms`, {
              transient: true,
              hint: 'the API is slow or unreachable; raise timeoutMs or retry later',
            }),
            reason: 'timeout',
          }
        } else {
          const detail =
            e instanceof Error
              ? this.redact(String((e.cause as Error | undefined)?.message ?? e.message))
              : ''
          failure = {
            error: new SluiceError(
              'HTTP_NETWORK',
              `${method} ${safe} failed: network error${detail ? ` (${detail})` : ''}`,
              {
                transient: true,
                hint: 'check the network connection and baseUrl',
              },
            ),
            reason: 'network error',
          }
        }
      } finally {
        // a plain reason: abort() without one builds a DOMException with a stack trace, once per request
        timerCtrl.abort(REQUEST_DONE)
        signal?.removeEventListener('abort', onCallerAbort)
        this.active--
        this.limiter.release()
        extra?.release()
      }
      if (failure.free) attempt--
      else if (attempt >= maxAttempts) throw failure.error
      const backoff = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1)) * random()
      const waitMs = Math.round(failure.retryAfterMs ?? backoff)
      if (totalWait + waitMs > maxTotalWait) throw failure.error
      totalWait += waitMs
      this.emit({ type: 'retry', resource, url: safe, attempt, waitMs, reason: failure.reason })
      if (waitMs > 0) await this.clock.sleep(waitMs, signal)
    }
  }

  /**
   * Sends the request (here, or through the reader's own fetch) and reads the answer: the text of a non-2xx
   * body, and for a 2xx a function giving the parsed body (throwing `HTTP_DECODE` when it is not JSON).
   */
  private async exchange(
    url: URL,
    init: { method: string; headers: Headers; body: string | undefined },
    signal: AbortSignal,
    safe: string,
    reader: BodyReader<unknown> | undefined,
  ): Promise<{ status: number; headers: Headers; text: string; body: () => Promise<unknown> }> {
    if (reader?.fetch && this.o.fetch === undefined && this.o.fetchInit === undefined) {
      const r = await reader.fetch(
        {
          url: url.href,
          method: init.method,
          headers: [...init.headers],
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
            throw this.decodeError(
              r.status,
              headers,
              safe,
              bad.snippet,
              bad.looksJson,
              new Error(bad.message),
            )
          return r.body
        },
      }
    }
    const doFetch = this.o.fetch ?? globalThis.fetch
    const res = await doFetch(url, {
      ...this.o.fetchInit,
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal,
    } as RequestInit)
    if (reader && res.status >= 200 && res.status < 300) {
      const bytes = new Uint8Array(await res.arrayBuffer())
      return {
        status: res.status,
        headers: res.headers,
        text: '',
        body: () => this.parseWith(reader.parse, bytes, res.status, res.headers, safe),
      }
    }
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, body: async () => this.decode(text, res, safe) }
  }

  private decode(text: string, res: Response, safe: string): unknown {
    if (text.trim() === '') return undefined
    try {
      return JSON.parse(text)
    } catch (cause) {
      throw this.decodeError(res.status, res.headers, safe, bodySnippet(text), /^\s*[[{]/.test(text), cause)
    }
  }

  private async parseWith(
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
        throw this.decodeError(status, headers, safe, error.snippet, error.looksJson, error)
      if (error instanceof SluiceError) throw error
      // not a network error: no retry
      throw new SluiceError(
        'HTTP_PARSE',
        this.redact(
          `${safe}: reading the body failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
        { cause: error, hint: 'run again; if it happens again, report it with this message' },
      )
    }
  }

  /** `HTTP_DECODE` for a 2xx body that is not JSON: transient when it looks like JSON cut off. */
  private decodeError(
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
      this.redact(
        `${safe} answered HTTP ${status} with ${cutOff ? 'JSON that is cut off or invalid' : `a body that is not JSON (${contentType || 'no content-type'})`}: "${start}"`,
      ),
      {
        cause: cause instanceof Error ? new Error(this.redact(cause.message)) : undefined,
        transient: cutOff,
        hint: cutOff
          ? 'the connection probably broke mid-response; retry'
          : 'check baseUrl and path (is this the API?)',
      },
    )
  }
}

/** Why a request's timeout timer is stopped once the request finished. */
const REQUEST_DONE = 'request finished'

/**
 * Creates an {@link HttpClient}: base URL, default headers, auth, JSON decoding, per-attempt timeout,
 * retries with exponential backoff and full jitter (Retry-After wins), a shared rate limiter and redaction
 * of secrets in every event and error.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new Client(options)
}
