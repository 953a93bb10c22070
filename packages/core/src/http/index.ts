export { detectDataSelector, selectData } from './data-selector.ts'
export { anySignal, base64Utf8, type CreateAuthOptions, createAuth, isAuth } from './http-auth.ts'
export { createHttpClient, parseRetryAfter, SLUICE_VERSION } from './http-client.ts'
export { sleep, systemClock } from './http-clock.ts'
export { BodyDecodeError, HttpError, isHttpError } from './http-error.ts'
export { appendQuery, buildUrl, joinUrl } from './http-query.ts'
export { redactUrl } from './http-redact.ts'
export type * from './http-types.ts'
export { getPath, type PathSegment, parsePath, setPath } from './json-path.ts'
export { createManualClock, type ManualClock } from './manual-clock.ts'
export { type Page, type PaginateOptions, paginate } from './paginate.ts'
export { AutoPaginator, type DetectedPaginator, detectPaginator } from './paginators/auto-paginator.ts'
export { createPaginator, PAGINATOR_TYPES } from './paginators/create-paginator.ts'
export {
  CursorPaginator,
  HeaderLinkPaginator,
  JsonLinkPaginator,
  parseLinkNext,
  SinglePagePaginator,
} from './paginators/link-paginators.ts'
export { OffsetPaginator } from './paginators/offset-paginator.ts'
export { PageNumberPaginator } from './paginators/page-number-paginator.ts'
export type * from './paginators/paginator-types.ts'
export { createRateLimiter, type RateLimiterOptions } from './rate-limiter.ts'
