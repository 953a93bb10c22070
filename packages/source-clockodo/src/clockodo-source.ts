import type {
  Auth,
  Clock,
  Config,
  HttpClient,
  ParsedPage,
  PipelineEvent,
  RateLimiter,
  RateLimitWindow,
  Resource,
  ResourceContext,
  Source,
} from '@sluice/core'
import { createHttpClient, createRateLimiter, pageRows, systemClock } from '@sluice/core'
import type { ClockodoEndpoint } from './clockodo-catalog.ts'
import { CLOCKODO_ENDPOINTS } from './clockodo-catalog.ts'
import type { ClockodoConfig } from './clockodo-config.ts'
import { parseClockodoDate, validateClockodoConfig } from './clockodo-config.ts'
import { readEntries } from './clockodo-entries.ts'
import { clockodoOptionsFrom } from './clockodo-env.ts'
import { mapClockodoError } from './clockodo-errors.ts'
import { createClockodoHistory } from './clockodo-history.ts'
import { readMasterData } from './clockodo-master-data.ts'
import {
  CLOCKODO_ENHANCED_LIST_LIMIT,
  CLOCKODO_RATE_LIMITS,
  createEnhancedListLimiter,
} from './clockodo-rate-limits.ts'
import type { ClockodoSourceContext } from './clockodo-source-context.ts'
import { addDays, startOfUtcDay } from './clockodo-windows.ts'
import { readWorkTimes } from './clockodo-work-times.ts'
import { readYearSweep } from './clockodo-year-sweeps.ts'

/** Extra options for tests and embedding (not part of the user-facing configuration). */
export interface ClockodoSourceInternals {
  /** Clock for retries and rate limits; default the system clock. */
  clock?: Clock
  /** Retry options of the HTTP client. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; maxTotalWaitMs?: number }
  /**
   * Other rate limits than Clockodo's (for simulations with smaller numbers): `general` for every request,
   * `enhanced` on top for enhanced entry lists. Default {@link CLOCKODO_RATE_LIMITS} and
   * {@link CLOCKODO_ENHANCED_LIST_LIMIT}.
   */
  rateLimits?: { general: readonly RateLimitWindow[]; enhanced: RateLimitWindow }
  /**
   * Where options missing from the first argument come from: default the process's environment variables
   * (`SOURCES__CLOCKODO__API_KEY`, then `SOURCES__API_KEY`). Pass `await loadConfig()` of `@sluice/core/node` to
   * read `.sluice/secrets.toml` and `.sluice/config.toml` too, as the `sluice` CLI does.
   */
  config?: Config
}

type Reader = (
  e: ClockodoEndpoint,
  source: ClockodoSourceContext,
  ctx: ResourceContext,
) => AsyncGenerator<object[] | ParsedPage>

/** The reader of each family of resources. */
const READERS: Record<ClockodoEndpoint['mode']['kind'], Reader> = {
  entries: readEntries,
  work_times: readWorkTimes,
  years: readYearSweep,
  list: readMasterData,
}

/**
 * The Clockodo source: one resource per current list endpoint (see {@link CLOCKODO_RESOURCES}), all sharing
 * one rate limiter (Clockodo's per-user limits) and, for enhanced entry lists, a second one.
 * Entries and work times load incrementally (re-read lookback windows, `replaceRange`, merge on the key);
 * everything else is replaced each run (an exact mirror). A 403 on a resource throws `RESOURCE_SKIPPED`
 * (or `RESOURCE_FORBIDDEN` with `strict`). The API key never appears in errors or events. Options left out are read
 * from the environment ({@link clockodoOptionsFrom}): `clockodoSource()` with `SOURCES__CLOCKODO__API_USER` and
 * `SOURCES__CLOCKODO__API_KEY` set is enough.
 */
export function clockodoSource(
  input: Partial<ClockodoConfig> = {},
  internals: ClockodoSourceInternals = {},
): Source {
  const config = validateClockodoConfig(clockodoOptionsFrom(input, internals.config))
  const baseUrl = config.baseUrl!
  const maxInFlight = config.maxInFlight ?? 6
  // Pages fetched ahead of the reader: as many as may be in flight. Twice that kept more parsed pages waiting for
  // a busy reader (normalizing), which only made garbage: e2e 1M entries into DuckDB took 10.6-11.0 s with
  // maxInFlight pages ahead and 11.1-12.3 s with twice as many; the 50 ms latency case was the same.
  const lookahead = maxInFlight
  const now = (): Date => (config.now ? config.now() : new Date())
  const clock = internals.clock
  const incremental = config.incremental !== false
  const general = createRateLimiter({
    windows: [...(internals.rateLimits?.general ?? CLOCKODO_RATE_LIMITS)],
    maxInFlight,
    ...(clock ? { clock } : {}),
  })
  const enhancedLimit = internals.rateLimits?.enhanced ?? CLOCKODO_ENHANCED_LIST_LIMIT
  const tracked = createEnhancedListLimiter(general, clock ?? systemClock, enhancedLimit)
  const enhanced = tracked.limiter

  // The user, the key and the application header (which holds a contact e-mail, by default the user's) identify the
  // account: the client sends them only to the base URL's origin (never along a redirect to another host, on this
  // thread or on page workers). Only the key is a secret to redact.
  const auth: Auth = {
    secrets: [config.apiKey],
    apply: ({ headers }) => {
      headers.set('X-ClockodoApiUser', config.apiUser)
      headers.set('X-ClockodoApiKey', config.apiKey)
      headers.set('X-Clockodo-External-Application', config.externalApplication!)
    },
  }
  /** Responses with invalid UTF-8 per resource run, reported as one warning at its end. */
  const texts = new WeakMap<ResourceContext, { responses: number; replaced: number }>()
  const clientFor = (ctx: ResourceContext, limiter: RateLimiter): HttpClient =>
    createHttpClient({
      baseUrl,
      headers: {
        'X-ClockodoEnableIsoUtcDateTimes': '1',
        'Accept-Language': 'en',
        Accept: 'application/json',
      },
      auth,
      secrets: [config.apiKey],
      rateLimit: limiter,
      invalidUtf8: config.strict || ctx.strict ? 'error' : 'replace',
      onInvalidUtf8: ({ replaced }) => {
        const t = texts.get(ctx) ?? { responses: 0, replaced: 0 }
        t.responses++
        t.replaced += replaced
        texts.set(ctx, t)
      },
      ...(config.maxResponseBytes !== undefined ? { maxResponseBytes: config.maxResponseBytes } : {}),
      emit: (e: PipelineEvent) => {
        ctx.emit(e)
        config.emit?.(e)
      },
      ...(config.fetch ? { fetch: config.fetch } : {}),
      ...(clock ? { clock } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(internals.retry || config.maxAttempts !== undefined
        ? {
            retry: {
              ...(config.maxAttempts !== undefined ? { maxAttempts: config.maxAttempts } : {}),
              ...internals.retry,
            },
          }
        : {}),
    })

  const source: ClockodoSourceContext = {
    config,
    lookahead,
    incremental,
    now,
    endDate: () => (config.endDate ? parseClockodoDate(config.endDate)! : addDays(startOfUtcDay(now()), 365)),
    client: (ctx, limits = 'general') => clientFor(ctx, limits === 'enhanced' ? enhanced : general),
    history: createClockodoHistory({ config, now, lookahead }),
    clock: clock ?? systemClock,
    enhancedBudget: tracked.budget,
    limits: { general: internals.rateLimits?.general ?? CLOCKODO_RATE_LIMITS, enhanced: enhancedLimit },
  }

  const makeResource = (e: ClockodoEndpoint): Resource<object> => {
    const read = READERS[e.mode.kind]
    return {
      name: e.name,
      primaryKey: e.primaryKey,
      ...(e.doubles
        ? { columns: Object.fromEntries(e.doubles.map((f) => [f, { dataType: 'double' }])) }
        : {}),
      // without incremental reads, the merged tables are read whole and replaced
      writeDisposition: incremental || e.writeDisposition === 'replace' ? e.writeDisposition : 'replace',
      async *read(ctx: ResourceContext): AsyncGenerator<object[] | ParsedPage> {
        // entries deduplicate per window themselves (readEntries)
        const seen = e.dedupeById && e.mode.kind !== 'entries' ? new Set<unknown>() : undefined
        try {
          for await (const page of read(e, source, ctx)) {
            if (!seen) {
              yield page
              continue
            }
            const fresh = pageRows(page).filter((row) => {
              const id = (row as { id?: unknown }).id
              if (id === undefined) return true
              if (seen.has(id)) return false
              seen.add(id)
              return true
            })
            if (fresh.length > 0) yield fresh
          }
        } catch (error) {
          throw mapClockodoError(error, {
            resource: e.name,
            path: e.path,
            apiUser: config.apiUser,
            baseUrl,
            strict: config.strict ?? false,
            unconfirmed: e.unconfirmed ?? false,
          })
        } finally {
          const t = texts.get(ctx)
          if (t) {
            ctx.warn(
              `[clockodo] ${e.name}: ${t.replaced} character${t.replaced === 1 ? '' : 's'} in ${t.responses} response${t.responses === 1 ? '' : 's'} were not valid UTF-8 and were loaded as U+FFFD (run with --strict to fail instead)`,
            )
          }
        }
      },
    }
  }

  const selected = new Set(config.resources ?? CLOCKODO_ENDPOINTS.map((e) => e.name))
  return {
    name: 'clockodo',
    resources: CLOCKODO_ENDPOINTS.filter((e) => selected.has(e.name)).map(makeResource),
  }
}
