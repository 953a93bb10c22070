/**
 * Progress events, emitted by sources (HTTP), the runner (normalize, load) and destinations. The CLI renders
 * them. Events MUST NOT carry secrets (URLs are redacted by the HTTP client).
 */
export type PipelineEvent =
  | { type: 'request'; resource?: string; method: string; url: string; inFlight: number }
  | { type: 'response'; resource?: string; url: string; status: number; ms: number; inFlight: number }
  | { type: 'retry'; resource?: string; url: string; attempt: number; waitMs: number; reason: string }
  | { type: 'rate-limit-wait'; resource?: string; waitMs: number; window: string }
  | {
      type: 'page'
      resource: string
      page: number
      rows: number
      totalPages?: number
      /** The source's estimate of the milliseconds until its last page, rate-limit waits included (when it knows). */
      etaMs?: number
    }
  | { type: 'resource-start'; resource: string }
  | { type: 'resource-end'; resource: string; rows: number }
  | { type: 'resource-skipped'; resource: string; reason: string }
  | { type: 'warning'; resource?: string; message: string }
  | { type: 'step'; step: 'extract' | 'normalize' | 'load'; phase: 'start' | 'end'; loadId: string }
  | {
      type: 'load-job'
      loadId: string
      table: string
      rows: number
      phase: 'start' | 'end' | 'retry' | 'failed'
      error?: string
    }
  | { type: 'package-resumed'; loadId: string; state: string }
