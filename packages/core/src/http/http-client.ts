import corePackage from '../../package.json' with { type: 'json' }
import { redact, SluiceError } from '../errors.ts'
import { authQueryParam, createAuth } from './http-auth.ts'
import {
  BodyTooLargeError,
  DEFAULT_MAX_RESPONSE_BYTES,
  reportInvalidText,
  tooLargeError,
} from './http-body.ts'
import { systemClock } from './http-clock.ts'
import { base64Utf8 } from './http-credentials.ts'
import { bodySnippet } from './http-error.ts'
import {
  type Exchange,
  exchange,
  isRedirect,
  redirectAsGet,
  redirectError,
  redirectTarget,
} from './http-exchange.ts'
import { isCredentialHeader, type OriginPolicy, originPolicy, stripQueryCredentials } from './http-origins.ts'
import { buildUrl } from './http-query.ts'
import { redactUrl, secretForms } from './http-redact.ts'
import { positive, requestBody, requestHeaders } from './http-request-parts.ts'
import { type Answer, retriedError, runResponseHook } from './http-response-hook.ts'
import { DEFAULT_RETRY_STATUS, parseRetryAfter, statusError } from './http-status.ts'
import type {
  Auth,
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

/** Redirects one request follows at most (as `fetch` does). */
const DEFAULT_MAX_REDIRECTS = 20

function isLimiter(x: unknown): x is RateLimiter {
  return typeof (x as RateLimiter | undefined)?.acquire === 'function'
}

class TimeoutSignal extends Error {
  constructor() {
    super('timeout')
    this.name = 'TimeoutError'
  }
}

/** What a hop needs besides its URL. */
interface Hop {
  method: string
  body: string | undefined
  /** `Authorization: Basic ...` from the userinfo of the request's URL (sent to trusted origins only). */
  basic: string | undefined
}

class Client implements HttpClient {
  readonly limiter: RateLimiter
  private readonly auth: Auth | undefined
  private readonly clock: Clock
  private readonly o: HttpClientOptions
  private readonly retryable: (status: number) => boolean
  private readonly secretParams: string[]
  private readonly policy: OriginPolicy
  private readonly maxBytes: number
  private active = 0
  private readonly urlSecrets = new Set<string>()

  constructor(options: HttpClientOptions) {
    let policy: OriginPolicy | undefined
    if (typeof options.baseUrl === 'string' && /^https?:\/\//i.test(options.baseUrl)) {
      try {
        policy = originPolicy(options.baseUrl, options.allowedHosts)
      } catch (e) {
        if (e instanceof SluiceError) throw e
      }
    }
    if (!policy) {
      throw new SluiceError('CONFIG_INVALID', `client.baseUrl must be an absolute http(s) URL`, {
        hint: 'e.g. https://my.clockodo.com/api',
      })
    }
    this.policy = policy
    this.o = options
    this.maxBytes = positive(options.maxResponseBytes, 'maxResponseBytes') ?? DEFAULT_MAX_RESPONSE_BYTES
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
    return secretForms([...(this.o.secrets ?? []), ...(this.auth?.secrets ?? []), ...this.urlSecrets])
  }

  redact(text: string): string {
    return redact(text, this.secrets())
  }

  private safe(url: URL): string {
    return redactUrl(url, this.secrets(), this.secretParams)
  }

  /** Removes userinfo from `url` (fetch refuses it) and returns it as HTTP Basic, unless auth is configured. */
  private userinfo(url: URL): string | undefined {
    if (!url.username && !url.password) return undefined
    const user = decodeURIComponent(url.username)
    const pass = decodeURIComponent(url.password)
    if (pass) this.urlSecrets.add(pass)
    url.username = ''
    url.password = ''
    return this.auth ? undefined : `Basic ${base64Utf8(`${user}:${pass}`)}`
  }

  /**
   * The headers of one hop to `url`. Credentials (auth, Basic from userinfo, credential headers, auth query
   * parameters) only when the policy trusts the URL's origin; for any other origin they are left out.
   */
  private async headersFor(url: URL, req: HttpRequest, hop: Hop, signal?: AbortSignal): Promise<Headers> {
    const trusted = this.policy.trusts(url)
    const headers = requestHeaders(req, {
      basic: hop.basic,
      hasBody: hop.body !== undefined,
      userAgent: this.o.userAgent ?? `sluice/${SLUICE_VERSION}`,
      defaults: this.o.headers,
    })
    if (trusted) {
      await this.auth?.apply({ url, headers }, signal)
      return headers
    }
    const secrets = this.secrets()
    for (const [k, v] of [...headers]) if (isCredentialHeader(k, v, secrets)) headers.delete(k)
    stripQueryCredentials(url, this.secretParams, secrets)
    return headers
  }

  /** Like {@link headersFor}, with an auth failure as `HTTP_AUTH` (secrets removed). */
  private async prepare(url: URL, req: HttpRequest, hop: Hop, signal?: AbortSignal): Promise<Headers> {
    try {
      return await this.headersFor(url, req, hop, signal)
    } catch (e) {
      if (signal?.aborted) throw signal.reason
      if (e instanceof SluiceError) throw e
      throw new SluiceError(
        'HTTP_AUTH',
        this.redact(`auth failed: ${e instanceof Error ? e.message : String(e)}`),
        { hint: 'check the auth configuration' },
      )
    }
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
      const method = (req.method ?? 'GET').toUpperCase()
      const hop: Hop = {
        method,
        body: requestBody(req),
        basic: this.userinfo(url),
      }
      const headers = await this.prepare(url, req, hop, signal)
      const safe = this.safe(url)
      const onWait = (waitMs: number, window: string): void =>
        this.o.emit?.({ type: 'rate-limit-wait', resource, waitMs, window })
      const extra = options.limiter
      if (extra) await extra.acquire(signal, { onWait })
      try {
        await this.limiter.acquire(signal, { onWait })
      } catch (e) {
        extra?.release()
        throw e
      }
      this.active++
      this.o.emit?.({ type: 'request', resource, method, url: safe, inFlight: this.active })
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
        let res: Answer = await this.follow(url, headers, req, hop, ctrl.signal, safe, options)
        status = res.status
        this.o.emit?.({
          type: 'response',
          resource,
          url: safe,
          status,
          ms: this.clock.now() - started,
          inFlight: this.active - 1,
        })
        const judged = options.onResponse
          ? await runResponseHook(options.onResponse, res, { method, safe, redact: (t) => this.redact(t) })
          : res
        if (judged === 'ignore') {
          return {
            status,
            headers: res.headers,
            body: undefined as T,
            url: res.url,
            request: req,
            ignored: true,
          }
        }
        const statusOf = (transient: boolean) =>
          statusError({
            method,
            safe,
            answer: res,
            origins: this.policy.origins,
            redact: (t) => this.redact(t),
            transient,
          })
        if (judged === 'retry') {
          const error =
            status >= 200 && status < 300
              ? retriedError(res, method, safe, (t) => this.redact(t))
              : statusOf(true)
          failure = this.retryLater(res, error, `HTTP ${status}, a response action asked for a retry`, extra)
        } else {
          res = judged
          status = res.status
          if (status >= 200 && status < 300) {
            const body = await res.body()
            const invalid = res.invalidUtf8 ?? options.reader?.invalidUtf8?.(body) ?? 0
            if (invalid > 0) reportInvalidText(this.o, method, res.url, invalid, resource)
            return { status, headers: res.headers, body: body as T, url: res.url, request: req }
          }
          const error = statusOf(this.retryable(status))
          if (status === 401 && this.auth?.invalidate && !authRetried) {
            authRetried = true
            this.auth.invalidate()
            failure = { error, retryAfterMs: 0, reason: 'HTTP 401, refreshing credentials', free: true }
          } else if (!error.transient) {
            throw error
          } else {
            failure = this.retryLater(res, error, `HTTP ${status}`, extra)
          }
        }
      } catch (e) {
        if (signal?.aborted) throw signal.reason
        if (e instanceof BodyTooLargeError) throw tooLargeError(method, safe, e)
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
      this.o.emit?.({ type: 'retry', resource, url: safe, attempt, waitMs, reason: failure.reason })
      if (waitMs > 0) await this.clock.sleep(waitMs, signal)
    }
  }

  /** A failure to retry after `res`: its `Retry-After` counts, and after a 429 the limiters slow down. */
  private retryLater(
    res: Answer,
    error: SluiceError,
    reason: string,
    extra: RateLimiter | undefined,
  ): { error: SluiceError; retryAfterMs?: number; reason: string } {
    const ra = parseRetryAfter(res.headers.get('retry-after'), this.clock.now())
    if (res.status === 429) {
      this.limiter.slowDown(ra)
      extra?.slowDown(ra)
    }
    return { error, retryAfterMs: ra, reason }
  }

  /**
   * Sends the request and follows redirects itself (at most `maxRedirects`), so that every hop gets credentials
   * only when its origin is trusted. 303 (and 301/302 after a POST) continue as GET without a body, as fetch does.
   */
  private async follow(
    url: URL,
    headers: Headers,
    req: HttpRequest,
    first: Hop,
    signal: AbortSignal,
    safe: string,
    options: HttpRequestOptions,
  ): Promise<Answer> {
    const max = this.o.maxRedirects ?? DEFAULT_MAX_REDIRECTS
    const send: Exchange = {
      fetch: this.o.fetch,
      fetchInit: this.o.fetchInit,
      maxBytes: this.maxBytes,
      redact: (text) => this.redact(text),
    }
    let hop = first
    let at = url
    let hopSafe = safe
    let hopHeaders = headers
    for (let n = 0; ; n++) {
      // a response hook needs the body as text here, so the reader does not parse it elsewhere
      const reader = options.onResponse ? undefined : options.reader
      const res = await exchange(send, at, { ...hop, headers: hopHeaders }, signal, hopSafe, reader)
      const location = res.headers.get('location')
      if (!isRedirect(res.status, location)) return { ...res, url: hopSafe, trusted: this.policy.trusts(at) }
      const next = redirectTarget(location!, at)
      if (!next || n >= max) {
        const problem = next
          ? `${hop.method} ${safe} was redirected more than ${max} times (last to ${this.safe(next)})`
          : `${hop.method} ${hopSafe} was redirected to ${bodySnippet(location!)}, which is not an http(s) URL`
        throw redirectError(this.redact(problem), next !== undefined)
      }
      const asGet = redirectAsGet(res.status, hop.method)
      hop = {
        method: asGet ? 'GET' : hop.method,
        body: asGet ? undefined : hop.body,
        basic: this.userinfo(next) ?? hop.basic,
      }
      hopHeaders = await this.headersFor(next, req, hop, signal)
      at = next
      hopSafe = this.safe(next)
    }
  }
}

/** Why a request's timeout timer is stopped once the request finished. */
const REQUEST_DONE = 'request finished'

/**
 * Creates an {@link HttpClient}: base URL, default headers, auth, JSON decoding, per-attempt timeout,
 * retries with exponential backoff and full jitter (Retry-After wins), a shared rate limiter, redaction
 * of secrets in every event and error, credentials only to trusted origins (redirects followed here, hop by
 * hop) and a cap on response bodies.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new Client(options)
}
