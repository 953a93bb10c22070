import type { PipelineEvent } from '../events.ts'

/**
 * A query parameter value. `null`/`undefined` are left out; arrays become `key[]=a&key[]=b`; objects become
 * deepObject filters `key[sub]=v` (an array inside becomes `key[sub][]=v`).
 */
export type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly (string | number | boolean)[]
  | { [k: string]: string | number | boolean | readonly (string | number)[] }

/** One HTTP request, before auth and base URL are applied. */
export interface HttpRequest {
  /** HTTP method; default `GET`. */
  method?: string
  /** Path relative to the client's `baseUrl`, or an absolute http(s) URL (which ignores `baseUrl`). */
  path: string
  /** Query parameters, serialized as described at {@link QueryValue}. */
  params?: Record<string, QueryValue>
  /** Extra headers for this request; they win over the client's default headers. */
  headers?: Record<string, string>
  /** A JSON body; sets `content-type: application/json`. */
  json?: unknown
  /**
   * A form body (`application/x-www-form-urlencoded`, dlt's `data`), used when `json` is not set; values are
   * sent as strings.
   */
  form?: Record<string, string | number | boolean>
}

/** A decoded response. */
export interface HttpResponse<T = unknown> {
  status: number
  headers: Headers
  /** The parsed JSON body (`undefined` for an empty body). */
  body: T
  /** The URL that answered (after redirects) with secrets removed (safe to log). */
  url: string
  /** The request as the caller made it (before auth). */
  request: HttpRequest
  /** True when the request's `onResponse` hook answered `'ignore'`: `body` is then left out. Default absent. */
  ignored?: boolean
}

/**
 * What a {@link ResponseHook} answers: a `Response` that replaces the one it got (the client then judges its status
 * and body as if the API had sent them; a 2xx body must be JSON or empty), `'retry'` (the request is sent again after
 * the client's backoff and counts against `retry.maxAttempts`; when they run out the request fails as it would on
 * that status: `HTTP_STATUS`, or `HTTP_RESPONSE_RETRIED` for a 2xx), `'ignore'` (the client resolves with `ignored:
 * true` and no body; {@link paginate} ends the list there), or nothing (the response stays as it is).
 */
export type ResponseVerdict = Response | 'retry' | 'ignore' | undefined

/**
 * Sees every response of a request (any status, after redirects, before the client judges it) as a Web `Response`
 * whose `url` has secrets removed. A hook may throw: a `SluiceError` fails the request as it is, any other error
 * becomes `HTTP_RESPONSE_HOOK`.
 */
export type ResponseHook = (response: Response) => ResponseVerdict | Promise<ResponseVerdict>

/** Per-call options of {@link HttpClient.request}. */
export interface HttpRequestOptions {
  /** Aborts the request (and any retry wait). */
  signal?: AbortSignal
  /** Resource name put on emitted events. */
  resource?: string
  /**
   * An extra limiter this request must also pass, on top of the client's (e.g. an endpoint's own limit such as
   * Clockodo's 300 enhanced-list requests per 15 min). It is slowed down on 429 as well.
   */
  limiter?: RateLimiter
  /**
   * How a 2xx body becomes `response.body` instead of `JSON.parse` here (e.g. a resource's `ctx.pageReader`, which
   * parses on a page worker). Default: `JSON.parse` on this thread.
   */
  reader?: BodyReader<unknown>
  /**
   * Looks at each response before the client judges it (see {@link ResponseHook}). With a hook, bodies are read and
   * parsed on this thread (`reader` is not used), since the hook needs the body as text. Default none.
   */
  onResponse?: ResponseHook
}

/**
 * Reads 2xx bodies for {@link HttpClient.request} (option `reader`). A rejection of `parse` with a
 * `BodyDecodeError` counts as a body that is not JSON (`HTTP_DECODE`, retried when it looks cut off); any other
 * error that is not a `SluiceError` becomes `HTTP_PARSE` (not retried).
 */
export interface BodyReader<T> {
  /** Parses the bytes of a body fetched on this thread. */
  parse(bytes: Uint8Array): Promise<T>
  /**
   * Sends the request from elsewhere (a page worker's own `fetch`) and parses its body there. The client still
   * does everything else (auth, rate limits, retries, timeouts, redaction, redirects: implementations MUST NOT
   * follow them but answer the 3xx with its headers). Ignored when the client has its own `fetch` or `fetchInit`.
   * Rejects like `fetch` for network errors, with the signal's reason when aborted. MUST NOT read more than
   * `request.maxBytes` of a body (page workers then reject with the error the client reports as `HTTP_TOO_LARGE`).
   */
  fetch?(request: RemoteRequest, signal: AbortSignal): Promise<RemoteResponse<T>>
  /**
   * How many characters of a body that `parse` or `fetch` read were not valid UTF-8 (decoded as U+FFFD), for the
   * client's `invalidUtf8` rule. Default: none counted.
   */
  invalidUtf8?(body: T): number
}

/** A request {@link BodyReader.fetch} sends: what `fetch` needs, as plain data. */
export interface RemoteRequest {
  url: string
  method: string
  headers: [string, string][]
  body?: string
  /** Cap of the body in bytes, compressed and decoded; default none. */
  maxBytes?: number
}

/** The answer to a {@link RemoteRequest}: the parsed body of a 2xx, or the text of any other status. */
export interface RemoteResponse<T> {
  status: number
  headers: [string, string][]
  /** 2xx: the body, parsed. */
  body?: T
  /** 2xx whose body is not JSON: what the client needs for `HTTP_DECODE`. */
  decodeError?: { message: string; snippet: string; looksJson: boolean }
  /** Not 2xx: the body as text. */
  text?: string
}

/** A fetch-based JSON client with auth, retries, rate limiting and redaction. */
export interface HttpClient {
  /**
   * Sends a request with retries; resolves with the decoded body of a 2xx response.
   * Rejects with {@link HttpError} (`HTTP_STATUS`) for other statuses, `HTTP_DECODE` for bodies that are not
   * JSON, `HTTP_NETWORK` / `HTTP_TIMEOUT` when retries run out, or the signal's reason when aborted.
   */
  request<T = unknown>(req: HttpRequest, options?: HttpRequestOptions): Promise<HttpResponse<T>>
  /** The limiter all requests of this client pass through (share it between clients of one account). */
  readonly limiter: RateLimiter
  /** Removes secrets from a text (auth secrets and the `secrets` option). Optional for custom clients. */
  redact?(text: string): string
}

/** A rate-limit window: at most `limit` requests per sliding `intervalMs`. */
export interface RateLimitWindow {
  limit: number
  intervalMs: number
  /** Shown in `rate-limit-wait` events; default `<limit>/<interval>`. */
  name?: string
}

/** Options of {@link RateLimiter.acquire}. */
export interface AcquireOptions {
  /** Called when the caller must wait for a window or a slow-down pause. */
  onWait?: (waitMs: number, window: string) => void
}

/**
 * Gates requests: a cap on requests in flight plus sliding windows. Implementations MUST pair every
 * resolved `acquire` with exactly one `release`.
 */
export interface RateLimiter {
  /** Resolves when a request may start; rejects with the signal's reason when aborted while waiting. */
  acquire(signal?: AbortSignal, options?: AcquireOptions): Promise<void>
  /** Marks a request as finished. */
  release(): void
  /** Called after a 429: pauses starts for `retryAfterMs` (if given) and lowers concurrency for a while. */
  slowDown(retryAfterMs?: number): void
  /** Requests in flight right now. */
  readonly inFlight?: number
}

/** Time source and sleeper; injectable so tests can use fake timers. */
export interface Clock {
  now(): number
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Auth as plain configuration (dlt's auth types). */
export type AuthConfig =
  | {
      type: 'api_key'
      /** Header or query parameter name; default `Authorization`. */
      name?: string
      value: string
      /** Default `header`. */
      location?: 'header' | 'query'
    }
  | { type: 'api_keys'; headers: Record<string, string> }
  | { type: 'http_basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | {
      type: 'oauth2_client_credentials'
      accessTokenUrl: string
      clientId: string
      clientSecret: string
      scope?: string
      /** Default `client_secret_post` (credentials in the form body); `client_secret_basic` sends HTTP Basic. */
      authMethod?: 'client_secret_post' | 'client_secret_basic'
      extraParams?: Record<string, string>
      /** Token lifetime when the server sends no `expires_in`; default 3600. */
      defaultExpiresInSeconds?: number
    }
  | {
      /** OAuth2 JWT bearer grant (RFC 7523), as a service account uses it; the token is cached until it expires. */
      type: 'oauth2_jwt_bearer'
      /** The token endpoint; it gets the signed assertion (and is its `aud` unless `audience` is set). */
      accessTokenUrl: string
      /** The issuer, claim `iss`: the client id or service-account email. */
      clientId: string
      /**
       * The RSA private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as in a service-account JSON
       * key file; `\n` as two characters is read as a line break). Signs the assertion with RS256. Never logged.
       */
      privateKey: string
      /** Put in the JWT header as `kid` (e.g. a service account's `private_key_id`); default none. */
      privateKeyId?: string
      /** Claim `sub` (e.g. a user to act for); default `clientId`. */
      subject?: string
      /** Claim `aud`; default `accessTokenUrl`. */
      audience?: string
      /** Claim `scope`; a list is joined with spaces; default none. */
      scope?: string | readonly string[]
      /** Extra form fields of the token request; default none. */
      extraParams?: Record<string, string>
      /** How long an assertion is valid (`exp - iat`) in seconds; default 3600. */
      assertionLifetimeSeconds?: number
      /** Token lifetime when the server sends no `expires_in`; default 3600. */
      defaultExpiresInSeconds?: number
    }

/**
 * Custom auth: an object with one method that adds credentials to each outgoing request.
 * `secrets` lists values to redact (read on each redaction, so it may change, e.g. a refreshed token).
 */
export interface Auth {
  apply(req: { url: URL; headers: Headers }, signal?: AbortSignal): Promise<void> | void
  readonly secrets?: readonly string[]
  /** Optional: drop cached credentials after a 401 so the next `apply` fetches new ones (the request is retried once). */
  invalidate?(): void
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Base URL that relative request paths are appended to. */
  baseUrl: string
  /** Default headers for every request. */
  headers?: Record<string, string>
  auth?: AuthConfig | Auth
  /** Per-attempt timeout including reading the body; default 60000. */
  timeoutMs?: number
  /** Default `sluice/<version>`. */
  userAgent?: string
  retry?: {
    /** Attempts in total (first try included); default 5. */
    maxAttempts?: number
    /** Backoff base; the n-th retry waits a random time up to `baseDelayMs * 2^(n-1)` (full jitter); default 1000. */
    baseDelayMs?: number
    /** Cap of one backoff wait; default 60000. */
    maxDelayMs?: number
    /** Give up when the waits of one request would add up to more than this; default 300000. */
    maxTotalWaitMs?: number
    /** Statuses that are retried; default 408, 429 and every 5xx. */
    retryStatuses?: number[]
  }
  /** Windows (a new limiter) or a shared limiter; default: no windows. */
  rateLimit?: RateLimitWindow[] | RateLimiter
  /** Cap on requests in flight when `rateLimit` is not a limiter instance; default 8. */
  maxInFlight?: number
  /** Receives `request`, `response`, `retry` and `rate-limit-wait` events (URLs redacted). */
  emit?: (e: PipelineEvent) => void
  /** Extra strings to redact; auth secrets are redacted automatically. */
  secrets?: string[]
  /** Default: global `fetch` (looked up per call so msw can intercept it). */
  fetch?: typeof fetch
  /** Default: `Date.now` and `setTimeout`. */
  clock?: Clock
  /** Extra `RequestInit` fields, e.g. `{ dispatcher }` for an undici Agent on Node. */
  fetchInit?: Record<string, unknown>
  /** Random source for backoff jitter in [0, 1); default `Math.random`. */
  random?: () => number
  /**
   * Origins besides the base URL's that receive credentials (auth, `Authorization`, `Proxy-Authorization`,
   * `Cookie`, headers holding one of `secrets`, userinfo, auth query parameters): an origin such as
   * `https://files.example.com:8443` or a host name (https on its default port). Requests to any other origin, such
   * as a next-page link or a redirect to another host, are sent without them. Default: none (the base URL's origin
   * only; an http base URL on port 80 also trusts https on the same host).
   */
  allowedHosts?: string[]
  /** Redirects one request follows (each hop under the origin rule above); more fail with `HTTP_REDIRECT`. Default 20. */
  maxRedirects?: number
  /**
   * Cap of a 2xx body in bytes, counted on the wire (compressed) and decoded; a larger body stops being read and
   * the request fails with `HTTP_TOO_LARGE` (not retried). Error statuses are read up to 64 KiB. Default 64 MiB.
   */
  maxResponseBytes?: number
  /**
   * A 2xx body that is not valid UTF-8 (e.g. Latin-1): `'replace'` decodes each invalid sequence as U+FFFD and
   * reports the count to `onInvalidUtf8`; `'error'` fails the request with `HTTP_ENCODING` (not retried).
   * Default `'replace'`.
   */
  invalidUtf8?: 'replace' | 'error'
  /**
   * Told of every 2xx body decoded with replacements: its URL (secrets removed) and how many characters were
   * replaced. Default: a `warning` event through `emit`.
   */
  onInvalidUtf8?: (info: { url: string; replaced: number }) => void
}
