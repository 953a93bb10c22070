// SVG drawn by the page: bar charts (rows per run, hours per week) and the schema diagram. No library.
import { num } from './dom.js'

const NS = 'http://www.w3.org/2000/svg'

/** An SVG element with attributes and children (text children become text nodes). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag)
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v))
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return el
}

/** Colours of the series (grey, the last, for "others"). */
export const PALETTE = [
  '#2563eb',
  '#16a34a',
  '#d97706',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#0f766e',
  '#9333ea',
  '#ca8a04',
  '#be123c',
  '#94a3b8',
]

/** A step of the y axis: 1, 2 or 5 times a power of ten, about `max / 4`. */
function niceStep(max) {
  const raw = max / 4
  const pow = 10 ** Math.floor(Math.log10(raw || 1))
  return [1, 2, 5, 10].map((m) => m * pow).find((m) => m >= raw) ?? pow * 10
}

/**
 * Stacked bars: one bar per label, one segment per series (`{ name, values }`); each segment has a tooltip.
 * One series is a plain bar chart.
 */
export function barChart({ labels, series, unit = '', width = 720, height = 240, testid }) {
  const totals = labels.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] ?? 0), 0))
  const max = Math.max(1, ...totals)
  const step = niceStep(max)
  const top = Math.ceil(max / step) * step
  const left = 56
  const bottom = 36
  const plotW = width - left - 8
  const plotH = height - bottom - 8
  const barW = Math.max(2, Math.min(48, (plotW / Math.max(labels.length, 1)) * 0.7))
  const gap = plotW / Math.max(labels.length, 1)
  const y = (v) => 8 + plotH - (v / top) * plotH
  const axis = []
  for (let v = 0; v <= top; v += step) {
    axis.push(
      s('line', { x1: left, x2: width - 8, y1: y(v), y2: y(v), class: 'gridline' }),
      s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, num(v)),
    )
  }
  const every = Math.ceil(labels.length / 12)
  const bars = labels.map((label, i) => {
    const x = left + gap * i + (gap - barW) / 2
    let base = 0
    const segments = series.map((ser, k) => {
      const v = ser.values[i] ?? 0
      const rect = s(
        'rect',
        {
          x,
          y: y(base + v),
          width: barW,
          height: Math.max(0, y(base) - y(base + v)),
          fill: ser.color ?? PALETTE[k % PALETTE.length],
          'data-value': v,
        },
        s('title', {}, `${label}${series.length > 1 ? ` · ${ser.name}` : ''}: ${num(v)}${unit}`),
      )
      base += v
      return rect
    })
    const tick =
      i % every === 0
        ? s(
            'text',
            { x: x + barW / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'tick' },
            label,
          )
        : null
    return s('g', { class: 'bar', 'data-total': totals[i] }, segments, tick)
  })
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart', role: 'img', 'data-testid': testid },
    axis,
    bars,
  )
}

/** A legend of the series' colours. */
export function legend(series) {
  const el = document.createElement('div')
  el.className = 'legend'
  series.forEach((ser, k) => {
    const item = document.createElement('span')
    const swatch = document.createElement('i')
    swatch.style.background = ser.color ?? PALETTE[k % PALETTE.length]
    item.append(swatch, ser.name)
    el.append(item)
  })
  return el
}

/**
 * The schema as a diagram: each table a box (name, column count), child tables right of their parent, joined
 * by a line from the parent.
 */
export function schemaDiagram(tables, { testid } = {}) {
  // monospace names: about 7.3 px a character at 12 px, plus the column count
  const boxW = Math.max(200, Math.ceil(Math.max(...tables.map((t) => t.name.length)) * 7.3) + 70)
  const boxH = 34
  const colW = boxW + 40
  const rowH = 46
  const byName = new Map(tables.map((t) => [t.name, t]))
  const children = new Map()
  for (const t of tables) {
    if (t.parent && byName.has(t.parent)) {
      if (!children.has(t.parent)) children.set(t.parent, [])
      children.get(t.parent).push(t)
    }
  }
  const placed = []
  const visit = (t, depth) => {
    placed.push({ table: t, depth, row: placed.length })
    for (const c of children.get(t.name) ?? []) visit(c, depth + 1)
  }
  for (const t of tables) if (!t.parent || !byName.has(t.parent)) visit(t, 0)
  const at = new Map(placed.map((p) => [p.table.name, p]))
  const maxDepth = Math.max(0, ...placed.map((p) => p.depth))
  const width = maxDepth * colW + boxW + 20
  const height = placed.length * rowH + 10
  const links = placed
    .filter((p) => p.table.parent && at.has(p.table.parent))
    .map((p) => {
      const parent = at.get(p.table.parent)
      const x1 = 10 + parent.depth * colW + 24
      const y1 = 10 + parent.row * rowH + boxH
      const x2 = 10 + p.depth * colW
      const y2 = 10 + p.row * rowH + boxH / 2
      return s('path', {
        d: `M${x1},${y1} V${y2} H${x2}`,
        class: 'link',
        'data-link': `${parent.table.name}>${p.table.name}`,
      })
    })
  const boxes = placed.map((p) => {
    const x = 10 + p.depth * colW
    const yy = 10 + p.row * rowH
    const data = p.table.columns.filter((c) => !c.name.startsWith('_sluice_')).length
    return s(
      'g',
      { class: `node${p.depth ? ' child' : ''}`, 'data-table': p.table.name },
      s('rect', { x, y: yy, width: boxW, height: boxH, rx: 6 }),
      s('text', { x: x + 10, y: yy + 21, class: 'name' }, p.table.name),
      s('text', { x: x + boxW - 10, y: yy + 21, 'text-anchor': 'end', class: 'count' }, `${data} col`),
      s('title', {}, `${p.table.name}: ${p.table.columns.map((c) => `${c.name} ${c.dataType}`).join(', ')}`),
    )
  })
  return s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      class: 'diagram',
      role: 'img',
      'data-testid': testid,
    },
    links,
    boxes,
  )
}
