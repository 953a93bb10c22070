import type { PipelineEvent } from '@sluice/core'
import cliProgress from 'cli-progress'
import { formatDuration } from './cli-waits.ts'

/** Where progress goes: a live bar per resource on a terminal, timestamped lines otherwise, or nothing. */
export type ProgressMode = 'auto' | 'bar' | 'log' | 'none'

/** Renders pipeline events. */
export interface ProgressReporter {
  onEvent(event: PipelineEvent): void
  stop(): void
}

interface ResourceProgress {
  pages: number
  totalPages: number
  rows: number
  /** When the resource started (bars: for the ETA from the page rate). */
  startedAt?: number
  bar?: cliProgress.SingleBar
  lastLog: number
}

/** Creates a reporter; `auto` and `bar` draw bars on a TTY and write lines elsewhere. */
export function createProgress(
  mode: ProgressMode,
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  now: () => number = Date.now,
): ProgressReporter {
  // a bar needs a terminal: piped, `bar` prints lines as `log` does
  const resolved = mode === 'auto' || mode === 'bar' ? (stream.isTTY ? 'bar' : 'log') : mode
  if (resolved === 'none') return { onEvent() {}, stop() {} }
  return resolved === 'bar' ? barReporter(stream) : logReporter(stream, now)
}

function logReporter(stream: NodeJS.WritableStream, now: () => number): ProgressReporter {
  const resources = new Map<string, ResourceProgress>()
  const line = (text: string) => stream.write(`${new Date(now()).toISOString()} ${text}\n`)
  return {
    onEvent(e) {
      switch (e.type) {
        case 'resource-start':
          resources.set(e.resource, { pages: 0, totalPages: 0, rows: 0, lastLog: now() })
          line(`${e.resource}: started`)
          break
        case 'page': {
          const r = resources.get(e.resource) ?? { pages: 0, totalPages: 0, rows: 0, lastLog: 0 }
          resources.set(e.resource, r)
          r.pages++
          r.rows += e.rows
          if (e.totalPages) r.totalPages = Math.max(r.totalPages, e.totalPages)
          if (now() - r.lastLog >= 5000) {
            r.lastLog = now()
            const of = r.totalPages ? `/${r.totalPages}` : ''
            const eta = e.etaMs ? `, ETA ${formatDuration(e.etaMs)} (rate-limit waits included)` : ''
            line(`${e.resource}: ${r.pages}${of} pages, ${r.rows} rows${eta}`)
          }
          break
        }
        case 'resource-end':
          line(`${e.resource}: done, ${e.rows} rows`)
          break
        case 'resource-skipped':
          line(`${e.resource}: skipped (${e.reason})`)
          break
        case 'retry':
          line(`retry ${e.attempt} of ${e.url} in ${Math.round(e.waitMs)} ms (${e.reason})`)
          break
        case 'rate-limit-wait':
          if (e.waitMs >= 1000) {
            const until = new Date(now() + e.waitMs).toISOString().slice(11, 19)
            line(
              `rate limit (${e.window}): ${e.resource ? `${e.resource} ` : ''}waiting ${Math.round(e.waitMs / 1000)} s, until ${until} UTC`,
            )
          }
          break
        case 'warning':
          line(`warning: ${e.resource ? `${e.resource}: ` : ''}${e.message}`)
          break
        case 'step':
          line(`${e.step} ${e.phase === 'start' ? 'started' : 'finished'} (load ${e.loadId})`)
          break
        case 'load-job':
          if (e.phase !== 'start')
            line(`load ${e.table}: ${e.phase}${e.error ? ` (${e.error})` : ''}, ${e.rows} rows`)
          break
        case 'package-resumed':
          line(`resuming pending load package ${e.loadId} (${e.state}) without fetching again`)
          break
      }
    },
    stop() {},
  }
}

/** The time left at the rate of the pages so far (`-` before there is one). */
function rateEta(r: ResourceProgress, now: number): string {
  const left = r.totalPages - r.pages
  if (r.pages === 0 || left <= 0) return '-'
  return formatDuration(((now - (r.startedAt ?? now)) / r.pages) * left)
}

/**
 * Bars sized to the terminal: one per running resource while they fit (the terminal's rows less the status line
 * and a margin), the others counted on the status line; a finished resource leaves its bar for a line above them.
 */
function barReporter(stream: NodeJS.WritableStream & { rows?: number; columns?: number }): ProgressReporter {
  const maxBars = Math.max(1, (stream.rows ?? 24) - 3)
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      // the source's ETA (rate-limit waits included) where it gives one, else the bar's from the page rate
      format: '{name} |{bar}| {value}/{total} pages | {rows} rows | {eta} | {note}',
      barsize: Math.min(24, Math.max(8, (stream.columns ?? 80) - 90)),
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  )
  let waiting = 0
  const resources = new Map<string, ResourceProgress>()
  let inFlight = 0
  let retries = 0
  let note = ''
  const status = multi.create(
    1,
    0,
    { name: 'requests'.padEnd(26), rows: '', note: '' },
    { format: '{name} {note}' },
  )
  const refresh = () =>
    status.update(0, {
      note: `${inFlight} in flight, ${retries} retries${waiting ? `, ${waiting} more resource(s) running` : ''} ${note}`,
    })
  return {
    onEvent(e) {
      switch (e.type) {
        case 'request':
          inFlight = e.inFlight
          refresh()
          break
        case 'response':
          inFlight = e.inFlight
          refresh()
          break
        case 'retry':
          retries++
          note = `(retrying: ${e.reason})`
          refresh()
          break
        case 'rate-limit-wait':
          note = `(rate limit ${e.window}: waiting ${formatDuration(e.waitMs)}${e.resource ? ` in ${e.resource}` : ''})`
          refresh()
          break
        case 'resource-start': {
          const running = [...resources.values()].filter((r) => r.bar).length
          const bar =
            running < maxBars
              ? multi.create(1, 0, { name: e.resource.padEnd(26), rows: 0, note: '', eta: '' })
              : undefined
          if (!bar) waiting++
          resources.set(e.resource, {
            pages: 0,
            totalPages: 0,
            rows: 0,
            lastLog: 0,
            startedAt: Date.now(),
            ...(bar ? { bar } : {}),
          })
          refresh()
          break
        }
        case 'page': {
          const r = resources.get(e.resource)
          if (!r) break
          r.pages++
          r.rows += e.rows
          if (!r.bar) break
          if (e.totalPages) r.totalPages = Math.max(r.totalPages, e.totalPages)
          r.bar.setTotal(Math.max(r.totalPages, r.pages))
          r.bar.update(r.pages, {
            rows: r.rows,
            eta: e.etaMs ? `ETA ${formatDuration(e.etaMs)} incl. waits` : `ETA ${rateEta(r, Date.now())}`,
          })
          break
        }
        case 'resource-end':
        case 'resource-skipped': {
          const r = resources.get(e.resource)
          if (r?.bar) {
            multi.remove(r.bar)
            delete r.bar
          } else if (r) waiting--
          multi.log(
            e.type === 'resource-end'
              ? `${e.resource.padEnd(26)} done: ${r?.pages ?? 0} pages, ${e.rows} rows\n`
              : `${e.resource.padEnd(26)} skipped: ${e.reason}\n`,
          )
          refresh()
          break
        }
        case 'step':
          note = e.phase === 'start' ? `(${e.step}...)` : ''
          refresh()
          break
        case 'load-job':
          if (e.phase === 'end') note = `(loaded ${e.table})`
          refresh()
          break
      }
    },
    stop() {
      // draws the lines `log` buffered since the last redraw, then the final bars
      multi.update()
      multi.stop()
    },
  }
}
