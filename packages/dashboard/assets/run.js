// The pipeline's header (last run strip), the trace of the last run and the state: from its local files.
import { ago, bytes, duration, grid, h, num, section, when } from './dom.js'

const STEP_KINDS = ['extract', 'normalize', 'load']

function stepTotals(trace) {
  const totals = { extract: 0, normalize: 0, load: 0 }
  for (const step of trace?.steps ?? []) if (step.step in totals) totals[step.step] += step.ms ?? 0
  return totals
}

function runMs(trace) {
  if (!trace?.finishedAt) return undefined
  return Date.parse(trace.finishedAt) - Date.parse(trace.startedAt)
}

/** The timeline bar: extract, normalize and load in proportion to their times. */
function timeline(trace) {
  const totals = stepTotals(trace)
  const sum = STEP_KINDS.reduce((a, k) => a + totals[k], 0)
  return h(
    'div',
    { class: 'timeline', 'data-testid': 'timeline' },
    STEP_KINDS.filter((k) => totals[k] > 0).map((k) =>
      h(
        'span',
        {
          class: `seg ${k}`,
          style: `flex-grow:${totals[k] / (sum || 1)}`,
          title: `${k}: ${duration(totals[k])}`,
          'data-step': k,
        },
        `${k} ${duration(totals[k])}`,
      ),
    ),
  )
}

const PACKAGE_LABEL = {
  loaded: 'loaded',
  normalized: 'pending: to load',
  extracted: 'interrupted',
  aborted: 'aborted',
}

function badge(text, kind, attrs = {}) {
  return h('span', { class: `badge ${kind}`, ...attrs }, text)
}

/**
 * The error of a failed run: its message and code, the step it failed in, the hint below, and folded the stack
 * and the errors of steps, packages and jobs.
 */
function runError(view) {
  const trace = view.trace
  const failed = trace.steps.filter((s) => s.error)
  const hint = trace.errorHint
  // a SluiceError's message ends with its hint, shown on a line of its own here
  const message = trace.error ?? failed[0]?.error ?? ''
  const shown = hint && message.endsWith(`: ${hint}`) ? message.slice(0, -hint.length - 2) : message
  const packageErrors = view.packages.filter((p) => p.error && trace.loadIds.includes(p.loadId))
  const failedJobs = view.packages.flatMap((p) =>
    p.jobs.filter((j) => j.error).map((j) => ({ ...j, loadId: p.loadId })),
  )
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-testid': 'run-error' },
    h('strong', {}, `The last run failed${failed[0] ? ` in step ${failed[0].step}` : ''}: `),
    h('span', { 'data-testid': 'run-error-message' }, shown),
    trace.errorCode
      ? [' ', h('code', { class: 'code', 'data-testid': 'run-error-code' }, trace.errorCode)]
      : null,
    hint ? h('div', { class: 'hint', 'data-testid': 'run-error-hint' }, hint) : null,
    trace.errorStack
      ? h(
          'details',
          { 'data-testid': 'run-error-stack' },
          h('summary', {}, 'stack'),
          h('pre', {}, trace.errorStack),
        )
      : null,
    h(
      'details',
      {},
      h('summary', {}, 'details'),
      h(
        'ul',
        {},
        failed.map((s) => h('li', {}, `${s.step}${s.loadId ? ` (load ${s.loadId})` : ''}: ${s.error}`)),
        packageErrors.map((p) => h('li', {}, `package ${p.loadId} (${p.state}): ${p.error}`)),
        failedJobs.map((j) => h('li', {}, `job ${j.jobId} of ${j.table} (load ${j.loadId}): ${j.error}`)),
      ),
    ),
  )
}

/** The pipeline header: where it loads and the last run as a strip. */
export function header(view) {
  const trace = view.trace
  const last = view.packages.filter((p) => trace?.loadIds.includes(p.loadId))
  const pending = view.packages.filter((p) => p.state === 'normalized' || p.state === 'extracted')
  return h(
    'section',
    { id: 'header', class: 'header', 'data-testid': 'section-header' },
    h('h1', {}, 'Pipeline ', h('code', { 'data-testid': 'pipeline-name' }, view.name)),
    h(
      'p',
      { class: 'where' },
      view.destination
        ? [
            h('span', { class: 'pill', 'data-testid': 'destination' }, view.destination.name),
            ' ',
            h('code', { 'data-testid': 'location' }, view.destination.location),
            ' · dataset ',
            h('code', { 'data-testid': 'dataset' }, view.destination.datasetName),
          ]
        : 'no destination recorded yet',
      ` · ${view.pipelinesDir}/${view.name}`,
    ),
    trace
      ? h(
          'div',
          { class: 'strip', 'data-testid': 'last-run' },
          badge(view.status, view.status === 'succeeded' ? 'ok' : view.status === 'failed' ? 'bad' : 'warn', {
            'data-testid': 'run-status',
          }),
          h('span', {}, 'run ', h('code', {}, trace.loadIds[0] ?? '–')),
          h('span', {}, `started ${when(trace.startedAt)} (${ago(trace.startedAt)})`),
          h('span', { 'data-testid': 'run-time' }, `total ${duration(runMs(trace))}`),
          timeline(trace),
          h(
            'div',
            { class: 'badges', 'data-testid': 'package-badges' },
            last.map((p) =>
              badge(`${p.loadId}: ${PACKAGE_LABEL[p.state] ?? p.state}`, p.state, { 'data-state': p.state }),
            ),
            pending
              .filter((p) => !last.includes(p))
              .map((p) =>
                badge(`${p.loadId}: ${PACKAGE_LABEL[p.state]}`, p.state, { 'data-state': p.state }),
              ),
          ),
        )
      : h('p', { class: 'muted' }, 'no run yet: `sluice run` writes the first trace'),
    view.status === 'failed' ? runError(view) : null,
  )
}

/** Retries and rate-limit waits per resource (traces before these were recorded have none). */
function waits(trace) {
  const list = trace.waits ?? []
  if (list.length === 0)
    return h('p', { class: 'muted', 'data-testid': 'trace-waits' }, 'no retries or rate-limit waits')
  return grid(
    ['resource', 'retries', 'retry wait', 'rate-limit waits', 'rate-limit wait'],
    list.map((w) => [
      w.resource ?? '(outside resources)',
      w.retries,
      duration(w.retryWaitMs),
      w.rateLimitWaits,
      duration(w.rateLimitWaitMs),
    ]),
    { 'data-testid': 'trace-waits' },
  )
}

/**
 * The trace of the last run: steps, rows per table, jobs with size and retries, retries and rate-limit waits
 * per resource, warnings, skipped resources.
 */
export function traceSection(view) {
  const trace = view.trace
  if (!trace) return section('trace', 'Trace of the last run', h('p', { class: 'muted' }, 'no trace yet'))
  const rows = {}
  for (const step of trace.steps)
    for (const [t, n] of Object.entries(step.rows ?? {})) rows[t] = (rows[t] ?? 0) + n
  const jobs = view.packages
    .filter((p) => trace.loadIds.includes(p.loadId))
    .flatMap((p) =>
      p.jobs.map((j) => [j.table, j.jobId, j.state, j.rows, bytes(j.bytes), j.retries, j.error ?? '']),
    )
  return section(
    'trace',
    'Trace of the last run',
    grid(
      ['step', 'load', 'started', 'finished', 'time', 'result'],
      trace.steps.map((s) => [
        s.step,
        s.loadId ?? '',
        when(s.startedAt),
        when(s.finishedAt),
        duration(s.ms),
        s.error ? `failed: ${s.error}` : s.finishedAt ? 'completed' : 'running',
      ]),
      { 'data-testid': 'trace-steps' },
    ),
    h('h3', {}, 'Rows per table'),
    grid(
      ['table', 'rows'],
      Object.entries(rows).sort((a, b) => b[1] - a[1]),
      { 'data-testid': 'trace-rows' },
    ),
    h('h3', {}, 'Jobs'),
    grid(['table', 'job', 'state', 'rows', 'size', 'retries', 'error'], jobs, {
      'data-testid': 'trace-jobs',
    }),
    h('h3', {}, 'Retries and rate-limit waits'),
    waits(trace),
    trace.warnings.length
      ? [
          h('h3', {}, 'Warnings'),
          h(
            'ul',
            {},
            trace.warnings.map((w) => h('li', {}, w)),
          ),
        ]
      : null,
    trace.skippedResources.length
      ? [
          h('h3', {}, 'Skipped resources'),
          grid(
            ['resource', 'reason'],
            trace.skippedResources.map((r) => [r.resource, r.reason]),
          ),
        ]
      : null,
    h('details', {}, h('summary', {}, 'raw trace (JSON)'), h('pre', {}, JSON.stringify(trace, null, 2))),
  )
}

/** A JSON value as a folded tree; objects and arrays open to `open` levels. */
export function jsonTree(value, open = 1, key) {
  const label = key === undefined ? null : h('span', { class: 'key' }, `${key}: `)
  if (value === null || typeof value !== 'object') {
    return h(
      'div',
      { class: 'leaf' },
      label,
      h('span', { class: `v ${typeof value}` }, JSON.stringify(value)),
    )
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`
  return h(
    'details',
    { class: 'node', open: open > 0 },
    h('summary', {}, label, h('span', { class: 'muted' }, summary)),
    entries.map(([k, v]) => jsonTree(v, open - 1, k)),
  )
}

/** The pipeline state: incremental cursors and windows, per source and resource. */
export function stateSection(view) {
  const resources = Object.entries(view.state?.sources ?? {}).flatMap(([source, s]) =>
    Object.entries(s.resources ?? {})
      .filter(([, r]) => Object.keys(r).length > 0)
      .map(([name, r]) => [
        source,
        name,
        Object.entries(r)
          .map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : v}`)
          .join(', '),
      ]),
  )
  return section(
    'state',
    'State',
    view.state
      ? [
          h('p', {}, `version ${num(view.state.version)}, committed by load ${view.state.lastLoadId ?? '–'}`),
          resources.length
            ? grid(['source', 'resource', 'cursor'], resources, { 'data-testid': 'cursors' })
            : null,
          h('div', { class: 'json', 'data-testid': 'state-tree' }, jsonTree(view.state, 2)),
        ]
      : h('p', { class: 'muted' }, 'no state yet'),
  )
}
