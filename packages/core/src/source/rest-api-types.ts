import type {
  Auth,
  AuthConfig,
  HttpClientOptions,
  QueryValue,
  RateLimiter,
  RateLimitWindow,
  ResponseHook,
} from '../http/http-types.ts'
import type { PaginatorSpec } from '../http/paginators/paginator-types.ts'
import type { JsonObject } from '../json.ts'
import type { ColumnHints, SchemaContract } from '../schema/schema-types.ts'
import type { IncrementalConfig } from './incremental-cursor.ts'
import type { WriteDispositionConfig } from './source-types.ts'

/**
 * The HTTP client of a REST source: {@link HttpClientOptions} plus the default paginator. Credentials go to the
 * base URL's origin, the `allowedHosts`, and the origins of endpoint paths written as absolute URLs; a next-page
 * link, a parent's URL field or a redirect to any other origin is requested without them. Bodies that are not valid
 * UTF-8 are counted into one warning per resource (`onInvalidUtf8` replaces that), or fail the run when it is strict
 * (unless `invalidUtf8` is set).
 */
export interface RestClientConfig extends Omit<HttpClientOptions, 'emit'> {
  /** Default paginator of every resource; default `auto`. Precedence: endpoint > resourceDefaults > client. */
  paginator?: PaginatorSpec
}

/** Legacy dlt form of a parent reference: `params: { id: { type: 'resolve', resource: 'users', field: 'id' } }`. */
export interface ResolveParam {
  type: 'resolve'
  resource: string
  field: string
}

/** Incremental cursor of an endpoint; `convert` formats values for placeholders (e.g. to a date string). */
export interface RestIncrementalConfig<T = unknown> extends IncrementalConfig<T> {
  convert?: (value: T | undefined) => unknown
}

/**
 * A reaction to responses of an endpoint (dlt's `response_actions`), matched by `status` (exact, any status, 2xx
 * too) and/or `content` (a substring of the response body); at least one of them. Actions: `ignore` ends the list
 * quietly there, without the rows of that response (for a child: that parent's list); `retry` sends the request
 * again with the client's backoff, counting against its `retry.maxAttempts` (when they run out the request fails as
 * usual); a {@link ResponseHook} (or several, run in order) may replace the response, ask for `'retry'` or
 * `'ignore'`, or throw.
 */
export interface ResponseAction {
  /** HTTP status that must match exactly. */
  status?: number
  /** A substring of the response body (the raw text, as the API sent it). */
  content?: string
  action: 'ignore' | 'retry' | ResponseHook | readonly ResponseHook[]
}

/** One endpoint. Strings may hold `{resources.<parent>.<field>}` and `{incremental.start_value}` etc. */
export interface RestEndpointConfig {
  /** Relative to the client's baseUrl, or an absolute URL. */
  path: string
  /** Default `GET`. */
  method?: string
  params?: Record<string, QueryValue | ResolveParam>
  json?: unknown
  /** A form body (`application/x-www-form-urlencoded`), as dlt's `data`; not together with `json`. */
  data?: Record<string, string | number | boolean>
  /** This endpoint's own auth instead of the client's (e.g. another API key); `{ token }` is a bearer token. */
  auth?: AuthConfig | Auth
  headers?: Record<string, string>
  /** JSONPath subset; omitted = detected from the first page. */
  dataSelector?: string
  paginator?: PaginatorSpec
  incremental?: RestIncrementalConfig
  /**
   * Run in order on every response of this endpoint, before the client judges its status: a {@link ResponseAction}
   * acts when it matches, a bare {@link ResponseHook} sees every response (dlt's callable action). The first
   * `ignore` or `retry` decides; a hook's replacement response is what the next entry sees.
   */
  responseActions?: (ResponseAction | ResponseHook)[]
  /** Fetch pages concurrently when the total is known; default true. */
  parallel?: boolean
  /** An endpoint's own limit on top of the client's (windows, or a shared limiter). */
  rateLimit?: RateLimitWindow[] | RateLimiter
  /**
   * Pages one list of this endpoint may have (each parent row's list counts on its own); one more fails with
   * `PAGINATION_LIMIT`. Default 100,000.
   */
  maxPages?: number
}

/**
 * A step run on each row after incremental filtering, in order: `map` returns the new row (or nothing to drop it),
 * `filter` keeps the rows it returns true for, `yieldMap` turns one row into any number of rows (dlt's `yield_map`).
 */
export type ProcessingStep =
  | { map: (row: JsonObject) => JsonObject | undefined | null }
  | { filter: (row: JsonObject) => boolean }
  | { yieldMap: (row: JsonObject) => Iterable<JsonObject> }

/** One resource of a REST source. */
export interface RestResourceConfig {
  name: string
  tableName?: string
  primaryKey?: string | readonly string[]
  mergeKey?: string | readonly string[]
  writeDisposition?: WriteDispositionConfig
  columns?: ColumnHints
  contract?: SchemaContract
  maxTableNesting?: number
  /** A string is the path; default: the resource name as the path. */
  endpoint?: string | RestEndpointConfig
  /** Parent fields copied into each child row as `_<parent>_<field>`. */
  includeFromParent?: string[]
  processingSteps?: ProcessingStep[]
  /** Parents whose child requests run at the same time; default 8 (the limiter still caps requests). */
  parentConcurrency?: number
}

/** Defaults deep-merged into every resource (the resource's own keys win). */
export type RestResourceDefaults = Omit<Partial<RestResourceConfig>, 'name' | 'endpoint'> & {
  endpoint?: Partial<RestEndpointConfig>
}

/** A declarative REST source shaped like dlt's rest_api config. */
export interface RestApiSourceConfig {
  /** Source (schema) name. */
  name: string
  client: RestClientConfig
  resourceDefaults?: RestResourceDefaults
  /** A string is both the name and the path. */
  resources: (string | RestResourceConfig)[]
  contract?: SchemaContract
}
