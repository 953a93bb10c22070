import type { HttpRequest } from '../http-types.ts'
import { getPath } from '../json-path.ts'
import type { PageInfo, Paginator, StopConditions } from './paginator-types.ts'
import { requiredField, withBody, withParam } from './paginator-utils.ts'

function follow(page: PageInfo, next: string): HttpRequest {
  const url = new URL(next, page.response.url)
  // the next URL carries its own query; keep the request's params only if it has none
  const params = url.search ? undefined : page.request.params
  return { ...page.request, path: url.toString(), params }
}

/** Follows a next-page URL in the body at `nextUrlPath` (default `next`); relative URLs are resolved. */
export class JsonLinkPaginator implements Paginator {
  constructor(private readonly nextUrlPath = 'next') {}
  first(req: HttpRequest): HttpRequest {
    return req
  }
  next(page: PageInfo): HttpRequest | undefined {
    let v = getPath(page.body, this.nextUrlPath)
    if (v && typeof v === 'object')
      v = (v as { href?: unknown; url?: unknown }).href ?? (v as { url?: unknown }).url
    if (typeof v !== 'string' || v === '') return undefined
    return follow(page, v)
  }
}

/** The `rel="next"` target of an RFC 8288 Link header, if any. */
export function parseLinkNext(header: string | null): string | undefined {
  if (!header) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>(.*)/.exec(part.trim())
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!)) return m[1]
  }
  return undefined
}

/** Follows the `Link: <...>; rel="next"` response header. */
export class HeaderLinkPaginator implements Paginator {
  first(req: HttpRequest): HttpRequest {
    return req
  }
  next(page: PageInfo): HttpRequest | undefined {
    const next = parseLinkNext(page.response.headers.get('link'))
    return next ? follow(page, next) : undefined
  }
}

/** Cursor pagination: the cursor at `cursorPath` goes into `cursorParam` (or the body at `cursorBodyPath`). */
export class CursorPaginator implements Paginator {
  constructor(
    private readonly cursorPath = 'cursors.next',
    private readonly cursorParam = 'cursor',
    private readonly cursorBodyPath?: string,
  ) {}
  first(req: HttpRequest): HttpRequest {
    return req
  }
  next(page: PageInfo): HttpRequest | undefined {
    const v = getPath(page.body, this.cursorPath)
    if (v === null || v === undefined || v === '' || v === false) return undefined
    if (typeof v !== 'string' && typeof v !== 'number') return undefined
    return this.cursorBodyPath
      ? withBody(page.request, this.cursorBodyPath, v)
      : withParam(page.request, this.cursorParam, v)
  }
}

/** One request, no paging. */
export class SinglePagePaginator implements Paginator {
  first(req: HttpRequest): HttpRequest {
    return req
  }
  next(): undefined {
    return undefined
  }
}

/** Cursor in a response header: the value of header `cursorKey` (default `next`) goes into `cursorParam`. */
export class HeaderCursorPaginator implements Paginator {
  constructor(
    private readonly cursorKey = 'next',
    private readonly cursorParam = 'cursor',
  ) {}
  first(req: HttpRequest): HttpRequest {
    return req
  }
  next(page: PageInfo): HttpRequest | undefined {
    const v = page.response.headers.get(this.cursorKey)
    if (v === null || v.trim() === '') return undefined
    return withParam(page.request, this.cursorParam, v)
  }
}

/**
 * Adds the {@link StopConditions} to a paginator that has none of its own: paging ends at an empty page
 * (when `stopAfterEmptyPage`) or when `hasMorePath` is false, before the inner paginator is asked.
 */
export class StoppingPaginator implements Paginator {
  constructor(
    private readonly inner: Paginator,
    private readonly stop: StopConditions,
  ) {}
  first(req: HttpRequest): HttpRequest {
    return this.inner.first(req)
  }
  next(page: PageInfo): HttpRequest | undefined {
    if (this.stop.stopAfterEmptyPage && page.items.length === 0) return undefined
    if (this.stop.hasMorePath && requiredField(page, this.stop.hasMorePath, 'hasMorePath') === false)
      return undefined
    return this.inner.next(page)
  }
}
