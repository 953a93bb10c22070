import type { PipelineEvent } from '@sluice/core'

/** A wait longer than this gets a line on how to go faster. */
const LONG_WAIT_MS = 60_000

/** A duration for people: `45 s`, `14 min 57 s`, `1 h 5 min`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`
}

/** How to avoid waiting for a limit, by the limit's name. */
function fasterHint(window: string): string {
  if (/enhanced/i.test(window)) {
    return 'enhanced entry lists have a limit of their own; set enhanced_list = "auto" (reads the oldest entries with plain lists, without revenue) or "never" under [sources.clockodo] in .sluice/config.toml, or SOURCES__CLOCKODO__ENHANCED_LIST'
  }
  return 'these are the API user\'s request limits; load fewer resources (--resources) or a shorter range (--since), and keep enhanced_list = "auto" so that enhanced lists never add waits of their own'
}

interface WindowWaits {
  resource: string | undefined
  window: string
  waits: number
  ms: number
  /** When the last counted wait ends (requests waiting for the same opening count once). */
  until: number
}

/** Rate-limit waits of a run: a line before a long one on how to go faster, and their sum for the summary. */
export interface WaitReport {
  onEvent(event: PipelineEvent): void
  /** One line per resource and limit that made the run wait, or none. */
  summary(): string[]
}

/** Creates a {@link WaitReport} that writes its lines before long waits to `write`. */
export function createWaitReport(write: (line: string) => void, now: () => number = Date.now): WaitReport {
  const byKey = new Map<string, WindowWaits>()
  const hinted = new Set<string>()
  return {
    onEvent(e) {
      if (e.type !== 'rate-limit-wait') return
      const key = `${e.resource ?? ''}\u0000${e.window}`
      const end = now() + e.waitMs
      let w = byKey.get(key)
      if (!w) {
        w = { resource: e.resource, window: e.window, waits: 0, ms: 0, until: 0 }
        byKey.set(key, w)
      }
      // requests queued behind the same limit report the same opening: one wait
      if (end > w.until + 1000) {
        w.waits++
        w.ms += Math.max(0, end - Math.max(now(), w.until))
        w.until = end
      }
      if (e.waitMs > LONG_WAIT_MS && !hinted.has(e.window)) {
        hinted.add(e.window)
        write(
          `[sluice] rate limit ${e.window}: ${e.resource ? `${e.resource} ` : ''}waits ${formatDuration(e.waitMs)} (until ${new Date(end).toISOString().slice(11, 19)} UTC). To go faster: ${fasterHint(e.window)}`,
        )
      }
    },
    summary() {
      return [...byKey.values()].map(
        (w) =>
          `rate-limit waits: ${w.resource ? `${w.resource}: ` : ''}${w.waits} x ${w.window}, ${formatDuration(w.ms)} in all`,
      )
    },
  }
}
