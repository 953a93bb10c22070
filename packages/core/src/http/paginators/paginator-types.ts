import type { HttpRequest, HttpResponse } from '../http-types.ts'

/** A fetched page as a paginator sees it. */
export interface PageInfo {
  request: HttpRequest
  response: HttpResponse
  body: unknown
  /** The rows the data selector found on this page. */
  items: readonly unknown[]
}

/**
 * Turns one request into the sequence of page requests. Implementations MUST be stateless between
 * `first()` calls on different requests only if reused; sluice creates one paginator per paginate() call
 * from a config, but a Paginator object passed in is used as it is (create a new one per run).
 */
export interface Paginator {
  /** The request of the first page (e.g. with `page=1`). */
  first(req: HttpRequest): HttpRequest
  /** The request of the page after `page`, or undefined when there is none. */
  next(page: PageInfo): HttpRequest | undefined
  /**
   * Optional: when the first page tells the total, the requests for all remaining pages (2..n), so they
   * can be fetched in parallel. Undefined when the total is unknown (then `next` is used). At most `max`
   * requests (paginate passes `maxPages`; default 100,000): a list cut there tells the caller there are more
   * pages than it takes, and an absurd total costs nothing.
   */
  remaining?(page: PageInfo, max?: number): HttpRequest[] | undefined
}

/** Paginator configuration (dlt's paginator types, camelCase). */
export type PaginatorConfig =
  | {
      type: 'page_number'
      /** Number of the first page; default 0 (as dlt; Clockodo uses 1). */
      basePage?: number
      /** Query parameter; default `page`. */
      pageParam?: string
      /** Put the page number into the JSON body at this path instead (POST pagination). */
      pageBodyPath?: string
      /** Path of the total number of pages; default `total`. A value of 0 means "no pages after this one". */
      totalPath?: string
      /** Last page number to fetch (inclusive). */
      maximumPage?: number
      /** Stop when a page has no rows; default true. */
      stopAfterEmptyPage?: boolean
      /** Path of a boolean that says whether more pages follow. */
      hasMorePath?: string
    }
  | {
      type: 'offset'
      /** Page size sent as `limitParam`. */
      limit: number
      /** First offset; default 0. */
      offset?: number
      /** Default `offset`. */
      offsetParam?: string
      /** Default `limit`. */
      limitParam?: string
      offsetBodyPath?: string
      limitBodyPath?: string
      /** Path of the total number of items; default `total`. */
      totalPath?: string
      /** Stop at this offset. */
      maximumOffset?: number
      /** Default true. */
      stopAfterEmptyPage?: boolean
      hasMorePath?: string
    }
  | (StopConditions & {
      type: 'cursor'
      /** Path of the next cursor in the body; default `cursors.next`. */
      cursorPath?: string
      /** Query parameter; default `cursor`. */
      cursorParam?: string
      /** Put the cursor into the JSON body at this path instead. */
      cursorBodyPath?: string
    })
  | (StopConditions & {
      type: 'json_link'
      /** Path of the next page's URL; default `next`. Relative URLs are resolved against the request URL. */
      nextUrlPath?: string
    })
  | (StopConditions & { type: 'header_link' })
  | (StopConditions & {
      type: 'header_cursor'
      /** Response header holding the next cursor; default `next`. */
      cursorKey?: string
      /** Query parameter the cursor goes into; default `cursor`. */
      cursorParam?: string
    })
  | { type: 'single_page' }
  | { type: 'auto' }

/**
 * Stop conditions every paginator except `single_page` and `auto` takes (as in dlt): `hasMorePath` names a
 * boolean in the body (false ends paging; a response without it fails with `PAGINATION_FIELD_MISSING`), and
 * `stopAfterEmptyPage` ends paging at a page without rows (default true for `page_number` and `offset`, false
 * for the others).
 */
export interface StopConditions {
  /** Path of a boolean that says whether more pages follow. */
  hasMorePath?: string
  /** Stop when a page has no rows. */
  stopAfterEmptyPage?: boolean
}

/** A paginator registered by name with `registerPaginator`: its type plus whatever its factory reads. */
export interface CustomPaginatorConfig {
  type: string
  [key: string]: unknown
}

/**
 * What a `paginator` option takes: a config, a type name as a string (`'single_page'`, or a registered name;
 * `offset` needs its `limit` and so an object), a registered paginator's config, or a {@link Paginator} object.
 */
export type PaginatorSpec = PaginatorConfig | CustomPaginatorConfig | string | Paginator

/** Makes a new paginator from its config (the object form, `type` included); see `registerPaginator`. */
export type PaginatorFactory = (config: CustomPaginatorConfig) => Paginator
