import type { HttpRequest } from '../http-types.ts'
import { getPath } from '../json-path.ts'
import type { PageInfo, Paginator, PaginatorConfig } from './paginator-types.ts'
import { DEFAULT_MAX_PAGES, requiredField, toInt, withBody, withParam } from './paginator-utils.ts'

type Config = Extract<PaginatorConfig, { type: 'offset' }>

/**
 * Offset/limit pagination: offset 0, limit, 2*limit, ... until the total item count at `totalPath` is
 * reached, `maximumOffset` is reached, `hasMorePath` is false, or a page is empty. A configured `totalPath` or
 * `hasMorePath` that a response lacks fails with `PAGINATION_FIELD_MISSING`.
 */
export class OffsetPaginator implements Paginator {
  private offset: number
  constructor(private readonly c: Config) {
    this.offset = c.offset ?? 0
  }

  private set(req: HttpRequest, offset: number): HttpRequest {
    let r = req
    r = this.c.offsetBodyPath
      ? withBody(r, this.c.offsetBodyPath, offset)
      : withParam(r, this.c.offsetParam ?? 'offset', offset)
    r = this.c.limitBodyPath
      ? withBody(r, this.c.limitBodyPath, this.c.limit)
      : withParam(r, this.c.limitParam ?? 'limit', this.c.limit)
    return r
  }

  first(req: HttpRequest): HttpRequest {
    this.offset = this.c.offset ?? 0
    return this.set(req, this.offset)
  }

  /**
   * Total items from the body; undefined when absent (`PAGINATION_FIELD_MISSING` when `totalPath` is configured).
   */
  private total(page: PageInfo): number | undefined {
    if (this.c.totalPath === undefined) return toInt(getPath(page.body, 'total'))
    return requiredField(page, this.c.totalPath, 'totalPath', true) as number
  }

  private end(page: PageInfo): number | undefined {
    const total = this.total(page)
    if (total === undefined) return this.c.maximumOffset
    return this.c.maximumOffset === undefined ? total : Math.min(total, this.c.maximumOffset)
  }

  next(page: PageInfo): HttpRequest | undefined {
    if ((this.c.stopAfterEmptyPage ?? true) && page.items.length === 0) return undefined
    if (this.c.hasMorePath && requiredField(page, this.c.hasMorePath, 'hasMorePath') === false)
      return undefined
    const nextOffset = this.offset + this.c.limit
    const end = this.end(page)
    if (end !== undefined && nextOffset >= end) return undefined
    this.offset = nextOffset
    return this.set(page.request, nextOffset)
  }

  remaining(page: PageInfo, max: number = DEFAULT_MAX_PAGES): HttpRequest[] | undefined {
    if (this.c.hasMorePath) return undefined
    if ((this.c.stopAfterEmptyPage ?? true) && page.items.length === 0) return []
    const total = this.total(page)
    if (total === undefined) return undefined
    const end = this.end(page) ?? total
    const out: HttpRequest[] = []
    for (let o = this.offset + this.c.limit; o < end && out.length < max; o += this.c.limit) {
      out.push(this.set(page.request, o))
      this.offset = o
    }
    return out
  }
}
