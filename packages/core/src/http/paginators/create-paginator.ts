import { SluiceError } from '../../errors.ts'
import { AutoPaginator } from './auto-paginator.ts'
import {
  CursorPaginator,
  HeaderLinkPaginator,
  JsonLinkPaginator,
  SinglePagePaginator,
} from './link-paginators.ts'
import { OffsetPaginator } from './offset-paginator.ts'
import { PageNumberPaginator } from './page-number-paginator.ts'
import type { Paginator, PaginatorConfig } from './paginator-types.ts'

/** Paginator type names accepted in configs. */
export const PAGINATOR_TYPES: readonly PaginatorConfig['type'][] = [
  'page_number',
  'offset',
  'cursor',
  'json_link',
  'header_link',
  'single_page',
  'auto',
]

/**
 * A new paginator for a config; a {@link Paginator} object is returned as it is. Throws `CONFIG_INVALID`
 * for an unknown type or missing `limit` of `offset`.
 */
export function createPaginator(config: PaginatorConfig | Paginator): Paginator {
  if (typeof (config as Paginator).first === 'function') return config as Paginator
  const c = config as PaginatorConfig
  switch (c.type) {
    case 'page_number':
      return new PageNumberPaginator(c)
    case 'offset':
      if (!(typeof c.limit === 'number' && c.limit > 0)) {
        throw new SluiceError('CONFIG_INVALID', 'paginator.limit must be a positive number for type "offset"')
      }
      return new OffsetPaginator(c)
    case 'cursor':
      return new CursorPaginator(c.cursorPath, c.cursorParam, c.cursorBodyPath)
    case 'json_link':
      return new JsonLinkPaginator(c.nextUrlPath)
    case 'header_link':
      return new HeaderLinkPaginator()
    case 'single_page':
      return new SinglePagePaginator()
    case 'auto':
      return new AutoPaginator()
    default:
      throw new SluiceError(
        'CONFIG_INVALID',
        `paginator.type "${String((c as { type?: unknown }).type)}" is unknown; use one of ${PAGINATOR_TYPES.join(', ')}`,
      )
  }
}
