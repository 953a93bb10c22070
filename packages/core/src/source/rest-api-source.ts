import { createAuth } from '../http/http-auth.ts'
import { createHttpClient } from '../http/http-client.ts'
import { originPolicy } from '../http/http-origins.ts'
import type {
  Auth,
  HttpClient,
  HttpRequest,
  QueryValue,
  RateLimiter,
  ResponseHook,
} from '../http/http-types.ts'
import { paginate } from '../http/paginate.ts'
import type { PaginatorSpec } from '../http/paginators/paginator-types.ts'
import { createRateLimiter } from '../http/rate-limiter.ts'
import type { JsonObject } from '../json.ts'
import { defineSource } from './define-resource.ts'
import { type IncrementalRun, incremental } from './incremental-cursor.ts'
import { renderPlaceholders } from './placeholders.ts'
import { responseActionsHook } from './rest-api-actions.ts'
import { type NormalizedRestResource, normalizeRestApiConfig } from './rest-api-config.ts'
import { fromDltConfig } from './rest-api-dlt.ts'
import {
  type Clients,
  type GroupRead,
  type GroupReadDeps,
  planGroupRead,
  type RowsOf,
} from './rest-api-parents.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'
import type { Resource, ResourceContext, ResourceGroup, Source } from './source-types.ts'

type Row = JsonObject

/**
 * The origins of endpoint paths written as absolute URLs in the config (not ones a placeholder fills in): hosts the
 * user named, which get credentials like the base URL's.
 */
function configuredOrigins(resources: readonly NormalizedRestResource[]): string[] {
  const out = new Set<string>()
  for (const r of resources) {
    const m = /^(https?:\/\/[^/?#]+)/i.exec(r.endpoint.path)
    if (m && !m[1]!.includes('{')) out.add(new URL(m[1]!).origin)
  }
  return [...out]
}

/** Counts the characters of a resource's responses that were not UTF-8, for one warning at its end. */
class TextTally {
  private responses = 0
  private replaced = 0
  private first = ''

  add(bad: { url: string; replaced: number }): void {
    if (this.responses === 0) this.first = bad.url
    this.responses++
    this.replaced += bad.replaced
  }

  /** The warning, if any response had invalid UTF-8. */
  warning(resource: string): string | undefined {
    if (this.responses === 0) return undefined
    return `${resource}: ${this.replaced} character${this.replaced === 1 ? '' : 's'} in ${this.responses} response${this.responses === 1 ? '' : 's'} (the first: ${this.first}) were not valid UTF-8 and were loaded as U+FFFD; run with strict to fail instead`
  }
}

function applySteps(rows: Row[], r: NormalizedRestResource): Row[] {
  const steps = r.processingSteps
  if (!steps?.length) return rows
  let out = rows
  for (const step of steps) {
    if ('filter' in step) out = out.filter((row) => step.filter(row))
    else if ('yieldMap' in step) {
      const many: Row[] = []
      for (const row of out) for (const m of step.yieldMap(row)) many.push(m)
      out = many
    } else {
      const mapped: Row[] = []
      for (const row of out) {
        const m = step.map(row)
        if (m !== undefined && m !== null) mapped.push(m)
      }
      out = mapped
    }
  }
  return out
}

/**
 * A declarative REST source shaped like dlt's rest_api: a client, resource defaults and resources with
 * endpoints, paginators, data selectors, incremental cursors, processing steps and parent-child
 * resources (`{resources.<parent>.<field>}`, one request per parent row, in parallel within the limits,
 * with the child's incremental state kept per parent). A parent is read once per run for its own table and all
 * its selected children and grandchildren, with bounded memory (see rest-api-parents.ts). All resources share one
 * rate limiter and one auth.
 * dlt's snake_case `RESTAPIConfig` (e.g. loaded from JSON) is accepted as it is (see {@link fromDltConfig}).
 * Throws `CONFIG_INVALID` naming the bad key when the config is wrong.
 */
export function restApiSource(dltOrSluice: RestApiSourceConfig): Source {
  const config = fromDltConfig(dltOrSluice)
  const resources = normalizeRestApiConfig(config)
  const byName = new Map(resources.map((r) => [r.name, r]))
  const { paginator: clientPaginator, ...clientOptions } = config.client
  const limiter: RateLimiter =
    clientOptions.rateLimit && !Array.isArray(clientOptions.rateLimit)
      ? clientOptions.rateLimit
      : createRateLimiter({
          windows: clientOptions.rateLimit ?? [],
          maxInFlight: clientOptions.maxInFlight,
          clock: clientOptions.clock,
        })
  const auth = clientOptions.auth
    ? createAuth(clientOptions.auth, { fetch: clientOptions.fetch, clock: clientOptions.clock })
    : undefined
  const endpointLimiters = new Map<string, RateLimiter>()
  for (const r of resources) {
    const rl = r.endpoint.rateLimit
    if (!rl) continue
    endpointLimiters.set(
      r.name,
      Array.isArray(rl)
        ? createRateLimiter({ windows: rl, maxInFlight: Number.MAX_SAFE_INTEGER, clock: clientOptions.clock })
        : rl,
    )
  }
  // each endpoint's responseActions as one hook its requests run (on this thread: this source does not read its
  // pages on page workers)
  const responseHooks = new Map<string, ResponseHook | undefined>(
    resources.map((r) => [r.name, responseActionsHook(r.endpoint.responseActions)]),
  )
  const allowedHosts = [...(clientOptions.allowedHosts ?? []), ...configuredOrigins(resources)]
  originPolicy(clientOptions.baseUrl, allowedHosts) // a bad entry fails here, not at the first request
  // an endpoint's own auth, made once per source (a token it fetched is reused by every run)
  const endpointAuths = new Map<string, Auth>()
  for (const r of resources) {
    if (r.endpoint.auth)
      endpointAuths.set(
        r.name,
        createAuth(r.endpoint.auth, { fetch: clientOptions.fetch, clock: clientOptions.clock }),
      )
  }
  /** The HTTP client of each resource of one read: the client's auth, or the endpoint's own. */
  const clientsFor = (ctx: ResourceContext, text: TextTally): Clients => {
    const made = new Map<Auth | undefined, HttpClient>()
    return (r) => {
      const a = endpointAuths.get(r.name) ?? auth
      let c = made.get(a)
      if (!c) {
        c = clientFor(ctx, text, a)
        made.set(a, c)
      }
      return c
    }
  }
  const clientFor = (ctx: ResourceContext, text: TextTally, auth: Auth | undefined): HttpClient =>
    createHttpClient({
      ...clientOptions,
      auth,
      rateLimit: limiter,
      emit: (e) => ctx.emit(e),
      allowedHosts,
      invalidUtf8: clientOptions.invalidUtf8 ?? (ctx.strict ? 'error' : 'replace'),
      onInvalidUtf8: clientOptions.onInvalidUtf8 ?? ((bad) => text.add(bad)),
    })

  const paginatorOf = (r: NormalizedRestResource): PaginatorSpec => {
    if (r.endpoint.paginator) return r.endpoint.paginator
    const lastSegment = r.endpoint.path.split('?')[0]!.split('/').filter(Boolean).pop() ?? ''
    if (/^\{[^{}]+\}$/.test(lastSegment) && !r.ownPaginator) return { type: 'single_page' }
    return clientPaginator ?? { type: 'auto' }
  }
  const selectorOf = (r: NormalizedRestResource): string | undefined => {
    if (r.endpoint.dataSelector) return r.endpoint.dataSelector
    const lastSegment = r.endpoint.path.split('?')[0]!.split('/').filter(Boolean).pop() ?? ''
    return /^\{[^{}]+\}$/.test(lastSegment) && !r.ownPaginator ? '$' : undefined
  }

  /** Rows of `r` (after incremental filtering and steps), page by page. */
  const rowsOf: RowsOf = async function* (r, clients, ctx, state, parentValues, emitPages) {
    const inc: IncrementalRun | undefined = r.endpoint.incremental
      ? incremental({ primaryKey: r.primaryKey, ...r.endpoint.incremental }).open(state)
      : undefined
    const values: Record<string, unknown> = { ...parentValues }
    if (inc) {
      const convert = r.endpoint.incremental?.convert ?? ((v: unknown) => v)
      for (const [k, v] of Object.entries(inc.placeholders())) values[`incremental.${k}`] = convert(v)
    }
    const e = r.endpoint
    const req: HttpRequest = {
      method: e.method,
      path: renderPlaceholders(e.path, values, { encode: true }),
      params: renderPlaceholders(e.params, values, { asString: true }) as
        | Record<string, QueryValue>
        | undefined,
      headers: renderPlaceholders(e.headers, values, { asString: true }),
      json: renderPlaceholders(e.json, values),
      form: renderPlaceholders(e.data, values, { asString: true }),
    }
    try {
      for await (const page of paginate<Row>(clients(r), req, {
        paginator: paginatorOf(r),
        dataSelector: selectorOf(r),
        signal: ctx.signal,
        resource: r.name,
        parallel: e.parallel,
        limiter: endpointLimiters.get(r.name),
        maxPages: e.maxPages,
        onWarning: (message) => ctx.warn(message),
        onResponse: responseHooks.get(r.name),
      })) {
        let rows = page.items
        if (inc) rows = inc.filter(rows)
        if (r.includeFromParent?.length && r.parent) {
          const prefix = `_${r.parent}_`
          rows = rows.map((row) => {
            const extra: Row = {}
            for (const f of r.includeFromParent ?? [])
              extra[prefix + f] = parentValues[`resources.${r.parent}.${f}`] as Row[string]
            return { ...row, ...extra }
          })
        }
        rows = applySteps(rows, r)
        if (emitPages) {
          ctx.emit({
            type: 'page',
            resource: r.name,
            page: page.index + 1,
            rows: rows.length,
            totalPages: page.totalPages,
          })
        }
        if (rows.length > 0) yield rows
        // rows come in rowOrder and one passed the range: the next pages hold none of this run
        if (inc?.exhausted) break
      }
    } finally {
      for (const w of inc?.warnings ?? []) ctx.warn(`${r.name}: ${w}`)
    }
  }

  // the reads of one group in one run, made by its first resource to read (see rest-api-parents.ts)
  const plans = new WeakMap<ResourceGroup, GroupRead>()
  const texts = new WeakMap<ResourceContext, TextTally>()
  const deps: GroupReadDeps = {
    byName,
    rowsOf,
    clientsOf: (ctx) => {
      const text = new TextTally()
      texts.set(ctx, text)
      return clientsFor(ctx, text)
    },
  }
  const hasChildren = new Set(resources.flatMap((r) => (r.parent ? [r.parent] : [])))
  /** A parent, its children and theirs share a group: the topmost parent's name. */
  const groupOf = (r: NormalizedRestResource): string | undefined => {
    if (!r.parent && !hasChildren.has(r.name)) return undefined
    let top = r
    while (top.parent) top = byName.get(top.parent)!
    return top.name
  }

  const built: Resource<Row>[] = resources.map((r) => ({
    name: r.name,
    tableName: r.tableName,
    primaryKey: r.primaryKey,
    mergeKey: r.mergeKey,
    writeDisposition: r.writeDisposition,
    columns: r.columns,
    contract: r.contract,
    maxTableNesting: r.maxTableNesting,
    ...(groupOf(r) !== undefined ? { group: groupOf(r) } : {}),
    async *read(ctx: ResourceContext) {
      const group =
        ctx.group?.contexts.get(r.name) === ctx
          ? ctx.group
          : { name: r.name, contexts: new Map([[r.name, ctx]]) }
      let plan = plans.get(group)
      if (!plan) {
        plan = planGroupRead(group.contexts, deps)
        plans.set(group, plan)
      }
      try {
        yield* plan.pages(r.name)
      } finally {
        const warning = texts.get(ctx)?.warning(r.name)
        if (warning) ctx.warn(warning)
      }
    },
  }))
  return defineSource({ name: config.name, resources: built, contract: config.contract })
}
