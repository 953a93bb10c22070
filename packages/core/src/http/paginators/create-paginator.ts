import { SluiceError } from '../../errors.ts'
import { AutoPaginator } from './auto-paginator.ts'
import {
  CursorPaginator,
  HeaderCursorPaginator,
  HeaderLinkPaginator,
  JsonLinkPaginator,
  SinglePagePaginator,
  StoppingPaginator,
} from './link-paginators.ts'
import { OffsetPaginator } from './offset-paginator.ts'
import { PageNumberPaginator } from './page-number-paginator.ts'
import type {
  CustomPaginatorConfig,
  Paginator,
  PaginatorConfig,
  PaginatorFactory,
  PaginatorSpec,
  StopConditions,
} from './paginator-types.ts'

/** Paginator type names accepted in configs (built in; `registerPaginator` adds more). */
export const PAGINATOR_TYPES: readonly PaginatorConfig['type'][] = [
  'page_number',
  'offset',
  'cursor',
  'json_link',
  'header_link',
  'header_cursor',
  'single_page',
  'auto',
]

const registry = new Map<string, PaginatorFactory>()

/**
 * Makes `factory` the paginator of type `name`, so configs can say `paginator: 'name'` or
 * `paginator: { type: 'name', ...options }` (the factory gets that object; a string gives `{ type: name }`).
 * Registering a name again replaces the factory. Throws `CONFIG_INVALID` for a built-in type name.
 */
export function registerPaginator(name: string, factory: PaginatorFactory): void {
  if ((PAGINATOR_TYPES as readonly string[]).includes(name)) {
    throw new SluiceError('CONFIG_INVALID', `paginator type "${name}" is built in`, {
      hint: 'register the custom paginator under a name of its own',
    })
  }
  if (typeof name !== 'string' || !name) throw new SluiceError('CONFIG_INVALID', 'a paginator name is empty')
  registry.set(name, factory)
}

/** True when `name` is a built-in or registered paginator type. */
export function isPaginatorType(name: string): boolean {
  return (PAGINATOR_TYPES as readonly string[]).includes(name) || registry.has(name)
}

/** Every paginator type a config may name: the built-in ones, then the registered ones. */
export function paginatorTypes(): string[] {
  return [...PAGINATOR_TYPES, ...registry.keys()]
}

function stopping(p: Paginator, c: StopConditions): Paginator {
  return c.hasMorePath !== undefined || c.stopAfterEmptyPage ? new StoppingPaginator(p, c) : p
}

/**
 * A new paginator for a config or a type name; a {@link Paginator} object is returned as it is. Throws
 * `CONFIG_INVALID` for an unknown type or a missing `limit` of `offset` (so also for the string `'offset'`).
 */
export function createPaginator(config: PaginatorSpec): Paginator {
  if (typeof (config as Paginator).first === 'function') return config as Paginator
  const c = (typeof config === 'string' ? { type: config } : config) as PaginatorConfig
  const custom = registry.get(c.type)
  if (custom) return custom(c as CustomPaginatorConfig)
  switch (c.type) {
    case 'page_number':
      return new PageNumberPaginator(c)
    case 'offset':
      if (!(typeof c.limit === 'number' && c.limit > 0)) {
        throw new SluiceError(
          'CONFIG_INVALID',
          'paginator.limit must be a positive number for type "offset"',
          {
            hint: 'e.g. { type: "offset", limit: 100 }',
          },
        )
      }
      return new OffsetPaginator(c)
    case 'cursor':
      return stopping(new CursorPaginator(c.cursorPath, c.cursorParam, c.cursorBodyPath), c)
    case 'json_link':
      return stopping(new JsonLinkPaginator(c.nextUrlPath), c)
    case 'header_link':
      return stopping(new HeaderLinkPaginator(), c)
    case 'header_cursor':
      return stopping(new HeaderCursorPaginator(c.cursorKey, c.cursorParam), c)
    case 'single_page':
      return new SinglePagePaginator()
    case 'auto':
      return new AutoPaginator()
    default:
      throw new SluiceError(
        'CONFIG_INVALID',
        `paginator.type "${String((c as { type?: unknown }).type)}" is unknown; use one of ${paginatorTypes().join(', ')}`,
      )
  }
}
