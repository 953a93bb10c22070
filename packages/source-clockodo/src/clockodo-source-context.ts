import type { Clock, HttpClient, RateLimitWindow, ResourceContext } from '@sluice/core'
import type { ClockodoConfig } from './clockodo-config.ts'
import type { ClockodoHistory } from './clockodo-history.ts'
import type { EnhancedBudget } from './clockodo-rate-limits.ts'

/**
 * What the readers of one {@link clockodoSource} share (made once per source, used by every resource and run):
 * the validated configuration, the clock, HTTP clients under Clockodo's rate limits, and the account's history.
 */
export interface ClockodoSourceContext {
  /** The configuration after `validateClockodoConfig` (static defaults filled in). */
  readonly config: ClockodoConfig
  /** Pages fetched ahead of a reader: as many as may be in flight (`maxInFlight`). */
  readonly lookahead: number
  /** False when entries and work times are re-read whole and replaced (`incremental: false`). */
  readonly incremental: boolean
  /** "Today": `config.now()`, else the system time. */
  now(): Date
  /** End (exclusive) of the entries to load: `endDate`, else today + 365 days. */
  endDate(): Date
  /**
   * An HTTP client for one resource run, sending Clockodo's headers and key, under Clockodo's per-user limits
   * (`general`, the default) or under those and the extra limit of enhanced entry lists (`enhanced`).
   */
  client(ctx: ResourceContext, limits?: 'general' | 'enhanced'): HttpClient
  /** The clock of the rate limits (the system clock unless a test or benchmark gives one). */
  readonly clock: Clock
  /** The rate limits the source keeps to: for every request, and on top for enhanced entry lists. */
  readonly limits: { general: readonly RateLimitWindow[]; enhanced: RateLimitWindow }
  /** What is left of the enhanced-list limit (300 pages per 15 minutes), shared by the source's runs. */
  readonly enhancedBudget: EnhancedBudget
  /** Users, history start and first year with entries, each read once per run. */
  readonly history: ClockodoHistory
}
