// Small DOM helpers of the dashboard page: elements from data (text only, never HTML), formats, fetch.

/**
 * An element with attributes and children. Attributes starting with `on` are listeners; `class`, `data-*` and
 * others are set as attributes; children are nodes or text (null and false are skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'value') el.value = v
    // through the CSSOM: the Content-Security-Policy refuses style attributes
    else if (k === 'style') el.style.cssText = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

/** A whole number with thousands separators (76,500). */
export function num(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '')
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 5 s`. */
export function duration(ms) {
  if (ms === undefined || ms === null) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** Bytes as `512 B`, `1.2 KiB`, `3.4 MiB`. */
export function bytes(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 ** 2).toFixed(1)} MiB`
}

/** How long ago an ISO time was: `just now`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function ago(iso) {
  if (!iso) return ''
  const s = (Date.now() - Date.parse(iso)) / 1000
  if (s < 60) return 'just now'
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86_400)} days ago`
}

/** An ISO time as `2024-05-01 12:34:56 UTC`. */
export function when(iso) {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : ''
}

/** An error thrown by {@link api}: the server's code, message and hint. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.error?.code
    this.hint = body?.error?.hint
  }
}

/** A JSON request to the dashboard's API (the cookie carries the token). */
export async function api(path, body) {
  const response = await fetch(
    path,
    body === undefined
      ? { credentials: 'same-origin' }
      : {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        },
  )
  const data = await response.json().catch(() => undefined)
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

/** An error box: the message, the hint below it. */
export function errorBox(error, testid) {
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-testid': testid },
    h('strong', {}, error.code ? `${error.code}: ` : ''),
    error.message,
    error.hint ? h('div', { class: 'hint' }, error.hint) : null,
  )
}

/** A titled, foldable section (open by default). */
export function section(id, title, ...children) {
  return h(
    'section',
    { id, 'data-testid': `section-${id}` },
    h('details', { open: true }, h('summary', {}, h('h2', {}, title)), h('div', { class: 'body' }, children)),
  )
}

/** A table of rows (tuples) under column names; cells are text. */
export function grid(columns, rows, attrs = {}) {
  return h(
    'table',
    { class: 'grid', ...attrs },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((v) => h('td', {}, cell(v))),
        ),
      ),
    ),
  )
}

function cell(v) {
  if (v instanceof Node) return v
  if (v === null || v === undefined) return h('span', { class: 'null' }, 'null')
  if (typeof v === 'number') return num(v)
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
