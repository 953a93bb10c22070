import type { HttpRequest } from '../http-types.ts'
import { getPath } from '../json-path.ts'
import type { PageInfo, Paginator, PaginatorConfig } from './paginator-types.ts'
import { DEFAULT_MAX_PAGES, requiredField, toInt, withBody, withParam } from './paginator-utils.ts'

type Config = Extract<PaginatorConfig, { type: 'page_number' }>

/**
 * Page-number pagination: page `basePage`, `basePage + 1`, ... until the total from `totalPath` is reached
 * (a total of 0 stops after the first page), `maximumPage` is passed, `hasMorePath` is false or a page is
 * empty. When the total is known after the first page, {@link Paginator.remaining} lists the other pages. A
 * configured `totalPath` or `hasMorePath` that a response lacks fails with `PAGINATION_FIELD_MISSING`.
 */
export class PageNumberPaginator implements Paginator {
  private readonly base: number
  private readonly param: string
  private page: number
  constructor(private readonly c: Config) {
    this.base = c.basePage ?? 0
    this.param = c.pageParam ?? 'page'
    this.page = this.base
  }

  private set(req: HttpRequest, page: number): HttpRequest {
    return this.c.pageBodyPath ? withBody(req, this.c.pageBodyPath, page) : withParam(req, this.param, page)
  }

  first(req: HttpRequest): HttpRequest {
    this.page = this.base
    return this.set(req, this.base)
  }

  /**
   * Total pages from the body; undefined when absent (`PAGINATION_FIELD_MISSING` when `totalPath` is configured:
   * a list that never says where it ends would be paged forever).
   */
  private total(page: PageInfo): number | undefined {
    if (this.c.totalPath === undefined) return toInt(getPath(page.body, 'total'))
    return requiredField(page, this.c.totalPath, 'totalPath', true) as number
  }

  private lastPage(page: PageInfo): number | undefined {
    const total = this.total(page)
    const byTotal = total === undefined ? undefined : this.base + Math.max(total, 1) - 1
    if (this.c.maximumPage === undefined) return byTotal
    return byTotal === undefined ? undefined : Math.min(byTotal, this.c.maximumPage)
  }

  next(page: PageInfo): HttpRequest | undefined {
    if ((this.c.stopAfterEmptyPage ?? true) && page.items.length === 0) return undefined
    if (this.c.hasMorePath && requiredField(page, this.c.hasMorePath, 'hasMorePath') === false)
      return undefined
    const current = this.page
    const nextPage = current + 1
    const total = this.total(page)
    if (total !== undefined && nextPage >= this.base + total) return undefined
    if (this.c.maximumPage !== undefined && nextPage > this.c.maximumPage) return undefined
    this.page = nextPage
    return this.set(page.request, nextPage)
  }

  remaining(page: PageInfo, max: number = DEFAULT_MAX_PAGES): HttpRequest[] | undefined {
    if (this.c.hasMorePath) return undefined
    if ((this.c.stopAfterEmptyPage ?? true) && page.items.length === 0) return []
    const last = this.lastPage(page)
    if (last === undefined) return undefined
    const out: HttpRequest[] = []
    for (let p = this.page + 1; p <= last && out.length < max; p++) out.push(this.set(page.request, p))
    this.page = Math.max(this.page, last)
    return out
  }
}
