// How relations and their results show in a notebook: Deno's Jupyter kernel calls the method under
// `Symbol.for('Jupyter.display')` and shows the richest MIME type it knows (an HTML table, or plain text).

/** The key Deno's Jupyter kernel (`deno jupyter`) looks for on a value to display it. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display')

/** A MIME bundle for Jupyter: an HTML table and its plain-text fallback. */
export interface DisplayBundle {
  'text/html': string
  'text/plain': string
}

/** A value as one line of text: null as `null`, dates in ISO, JSON for objects, bytes counted. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  if (typeof value === 'object')
    return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))
  return String(value)
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

const MAX_CELL = 60

/** Rows a notebook shows of a result or a relation. */
export const DISPLAY_ROWS = 50

function cell(value: unknown): string {
  const text = displayValue(value).replace(/\s+/g, ' ')
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text
}

/**
 * An HTML table and a plain-text table of `rows` (tuples in the order of `columns`), with a note under them
 * (e.g. that more rows exist).
 */
export function tableBundle(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  note?: string,
): DisplayBundle {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')
  const body = rows
    .map((r) => {
      const cells = columns.map((_, i) => {
        const v = r[i]
        const align = typeof v === 'number' || typeof v === 'bigint' ? ' style="text-align:right"' : ''
        return `<td${align}>${v === null || v === undefined ? '<i>null</i>' : escapeHtml(cell(v))}</td>`
      })
      return `<tr>${cells.join('')}</tr>`
    })
    .join('')
  const caption = note ? `<p><small>${escapeHtml(note)}</small></p>` : ''
  const html = `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${caption}`

  const texts = rows.map((r) => columns.map((_, i) => cell(r[i])))
  const widths = columns.map((c, i) => Math.max(c.length, ...texts.map((t) => t[i]!.length)))
  const line = (parts: readonly string[]): string =>
    parts
      .map((p, i) => p.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const plain = [line(columns), line(widths.map((w) => '-'.repeat(w))), ...texts.map(line)]
  if (note) plain.push(note)
  return { 'text/html': html, 'text/plain': plain.join('\n') }
}

/**
 * Adds the Jupyter display method to an array of result rows (objects or tuples), not enumerable, so that the
 * array prints as a table in a notebook and stays a plain array everywhere else.
 */
export function displayable<T extends object>(
  rows: T[],
  columns: readonly string[],
  tuple: (row: T) => readonly unknown[],
): T[] {
  Object.defineProperty(rows, JUPYTER_DISPLAY, {
    value: (): DisplayBundle => {
      const shown = rows.slice(0, DISPLAY_ROWS)
      const count = `${rows.length} row${rows.length === 1 ? '' : 's'}`
      return tableBundle(
        columns,
        shown.map(tuple),
        shown.length < rows.length ? `${count}, the first ${shown.length} shown` : count,
      )
    },
    enumerable: false,
  })
  return rows
}

/** Gives the instances of a class the Jupyter display method (not enumerable), calling `show`. */
export function displayOn<T>(target: { prototype: T }, show: (self: T) => Promise<DisplayBundle>): void {
  Object.defineProperty(target.prototype, JUPYTER_DISPLAY, {
    value(this: T): Promise<DisplayBundle> {
      return show(this)
    },
    enumerable: false,
  })
}
