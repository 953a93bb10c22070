// The schema, data, loads and hours sections: the schema from local files, the rest through the API's
// dataset queries (the destination's read-only reader).
import { barChart, legend, schemaDiagram } from './charts.js'
import { api, errorBox, fill, grid, h, num, section, when } from './dom.js'

const PAGE = 50

function hints(c, state) {
  return [
    c.primaryKey && 'primary key',
    c.mergeKey && 'merge key',
    c.unique && 'unique',
    c.hardDelete && 'hard delete',
    c.variantOf && `variant of ${c.variantOf}`,
    c.name === '_sluice_parent_id' && 'parent key',
    state?.includes(c.name) && 'incremental cursor',
  ].filter(Boolean)
}

/** Tables as a tree (children under their parent), with depth. */
function tree(schema) {
  const tables = Object.values(schema.tables)
  const out = []
  const visit = (t, depth) => {
    out.push({ table: t, depth })
    for (const c of tables.filter((x) => x.parent === t.name)) visit(c, depth + 1)
  }
  for (const t of tables.filter((x) => !x.parent)) visit(t, 0)
  return out
}

/** Columns of the resource's state that are cursors (keys of its state that name a column). */
function cursorColumns(view, table) {
  const resources = Object.values(view.state?.sources ?? {}).flatMap((s) => Object.entries(s.resources ?? {}))
  const state = resources.find(([name]) => name === table.resource)?.[1]
  if (!state) return []
  const keys = Object.keys(state)
  // a window's since/until bound the column the resource replaces (time_since for Clockodo's entries)
  return table.columns
    .map((c) => c.name)
    .filter((n) => keys.includes(n) || keys.some((k) => n === `time_${k}`))
}

/** The schema: a tree of tables with their columns, the raw YAML, and the diagram on request. */
export function schemaSection(view) {
  if (!view.schema) return section('schema', 'Schema', h('p', { class: 'muted' }, 'no schema yet'))
  const systemToggle = h('input', { type: 'checkbox', 'data-testid': 'show-system' })
  const list = h('div', { class: 'tables' })
  const diagram = h('div', { class: 'diagram-box', 'data-testid': 'diagram-box' })
  const render = () => {
    const system = systemToggle.checked
    fill(
      list,
      tree(view.schema).map(({ table, depth }) =>
        h(
          'details',
          { class: 'table', style: `margin-left:${depth * 1.5}em`, 'data-table': table.name },
          h(
            'summary',
            {},
            h('code', {}, table.name),
            h(
              'span',
              { class: 'muted' },
              ` ${table.writeDisposition}${table.mergeStrategy ? ` (${table.mergeStrategy})` : ''}` +
                `${table.resource ? ` · resource ${table.resource}` : ''} · ${table.columns.length} columns`,
            ),
          ),
          grid(
            ['column', 'type', 'nullable', 'hints'],
            table.columns
              .filter((c) => system || !c.name.startsWith('_sluice_'))
              .map((c) => [
                c.name,
                c.dataType,
                c.nullable === false ? 'no' : 'yes',
                hints(c, cursorColumns(view, table)).join(', '),
              ]),
          ),
        ),
      ),
    )
  }
  systemToggle.addEventListener('change', render)
  render()
  const tables = Object.values(view.schema.tables)
  return section(
    'schema',
    'Schema',
    h(
      'p',
      {},
      `${view.schema.name} · version ${view.schema.version} · ${tables.length} tables · `,
      h('label', {}, systemToggle, ' system columns'),
      ' ',
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'show-diagram',
          onclick: () => {
            if (diagram.firstChild) fill(diagram)
            else fill(diagram, schemaDiagram(tables, { testid: 'schema-diagram' }))
          },
        },
        'diagram',
      ),
    ),
    diagram,
    list,
    h(
      'details',
      {},
      h('summary', {}, 'raw schema (YAML)'),
      h('pre', { 'data-testid': 'schema-yaml' }, view.schemaYaml),
    ),
  )
}

function rowsTable(result, testid) {
  return grid(
    result.columns.map((c) => c.name),
    result.rows,
    { 'data-testid': testid },
  )
}

/** Row counts, a table browser (paged) and the SQL box with this session's history. */
export function dataSection(view, base) {
  const counts = h('div', { 'data-testid': 'row-counts' }, h('p', { class: 'muted' }, 'counting rows…'))
  const browser = h('div', { class: 'browser', 'data-testid': 'table-browser' })
  const browse = async (table, offset) => {
    fill(browser, h('p', { class: 'muted' }, `reading ${table}…`))
    try {
      const page = await api(`${base}/tables/${encodeURIComponent(table)}?offset=${offset}&limit=${PAGE}`)
      fill(
        browser,
        h(
          'div',
          { class: 'pager' },
          h('strong', {}, table),
          ` rows ${num(offset + 1)}–${num(offset + page.rows.length)} `,
          h(
            'button',
            {
              type: 'button',
              disabled: offset === 0,
              onclick: () => browse(table, Math.max(0, offset - PAGE)),
            },
            '‹ previous',
          ),
          h(
            'button',
            {
              type: 'button',
              'data-testid': 'next-page',
              disabled: !page.more,
              onclick: () => browse(table, offset + PAGE),
            },
            'next ›',
          ),
        ),
        h('div', { class: 'scroll' }, rowsTable(page, 'table-rows')),
      )
    } catch (error) {
      fill(browser, errorBox(error, 'browse-error'))
    }
  }
  api(`${base}/row-counts`)
    .then((rows) => {
      const parent = new Map(Object.values(view.schema?.tables ?? {}).map((t) => [t.name, t.parent]))
      const depth = (t) => (parent.get(t) ? 1 + depth(parent.get(t)) : 0)
      fill(
        counts,
        grid(
          ['table', 'rows'],
          rows.map((r) => [
            h(
              'a',
              {
                href: '#data',
                style: `padding-left:${depth(r.table)}em`,
                'data-table': r.table,
                onclick: () => browse(r.table, 0),
              },
              r.table,
            ),
            r.rows,
          ]),
          { 'data-testid': 'row-counts-table' },
        ),
      )
    })
    .catch((error) => fill(counts, errorBox(error, 'row-counts-error')))

  const sql = h('textarea', {
    rows: 4,
    spellcheck: 'false',
    'data-testid': 'sql',
    placeholder: 'select * from entries limit 10',
  })
  const limit = h('input', { type: 'number', min: 1, max: 10000, value: 1000, 'data-testid': 'sql-limit' })
  const result = h('div', { class: 'result', 'data-testid': 'sql-result' })
  const history = h('ol', { class: 'history', 'data-testid': 'sql-history' })
  const run = async () => {
    const text = sql.value
    fill(result, h('p', { class: 'muted' }, 'running…'))
    let line
    try {
      const r = await api(`${base}/query`, { sql: text, limit: Number(limit.value) || 1000 })
      fill(
        result,
        h(
          'p',
          { 'data-testid': 'sql-summary' },
          `${num(r.rows.length)} row${r.rows.length === 1 ? '' : 's'}${r.more ? ` (the first ${num(r.limit)})` : ''} in ${r.ms} ms`,
        ),
        h('div', { class: 'scroll' }, rowsTable(r, 'sql-rows')),
      )
      line = `${num(r.rows.length)} rows`
    } catch (error) {
      fill(result, errorBox(error, 'sql-error'))
      line = `error: ${error.code ?? error.message}`
    }
    history.prepend(
      h(
        'li',
        {},
        h(
          'a',
          {
            href: '#data',
            onclick: () => {
              sql.value = text
            },
          },
          text,
        ),
        h('span', { class: 'muted' }, ` → ${line}`),
      ),
    )
  }
  sql.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run()
  })
  return section(
    'data',
    'Data',
    h(
      'div',
      { class: 'cols' },
      h('div', {}, h('h3', {}, 'Row counts'), counts),
      h('div', { class: 'grow' }, h('h3', {}, 'Browse'), browser),
    ),
    h('h3', {}, 'SQL (read only)'),
    sql,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', 'data-testid': 'run-sql', onclick: run }, 'run'),
      ' limit ',
      limit,
      h('span', { class: 'muted' }, ' (Ctrl+Enter runs)'),
    ),
    result,
    h('h3', {}, 'History'),
    history,
  )
}

/** The loads: `_sluice_loads` newest first, rows per table of one on request, rows per run as a chart. */
export function loadsSection(view, base) {
  const loaded = view.packages
    .filter((p) => p.state === 'loaded')
    .slice()
    .reverse()
  const chart = loaded.length
    ? barChart({
        labels: loaded.map((p) => when(p.createdAt).slice(5, 16)),
        series: [
          { name: 'rows', values: loaded.map((p) => Object.values(p.tables).reduce((a, b) => a + b, 0)) },
        ],
        unit: ' rows',
        testid: 'rows-per-run',
      })
    : h('p', { class: 'muted' }, 'no loaded packages on disk')
  const table = h('div', { 'data-testid': 'loads' }, h('p', { class: 'muted' }, 'reading _sluice_loads…'))
  const detail = h('div', { 'data-testid': 'load-detail' })
  const show = async (loadId) => {
    fill(detail, h('p', { class: 'muted' }, `counting rows of load ${loadId}…`))
    try {
      const rows = await api(`${base}/loads/${encodeURIComponent(loadId)}`)
      fill(
        detail,
        h('h3', {}, `Rows added by load ${loadId}`),
        grid(
          ['table', 'rows'],
          rows.filter((r) => r.rows > 0).map((r) => [r.table, r.rows]),
        ),
      )
    } catch (error) {
      fill(detail, errorBox(error, 'load-error'))
    }
  }
  api(`${base}/loads`)
    .then((r) => {
      const id = r.columns.findIndex((c) => c.name === 'load_id')
      fill(
        table,
        grid(
          r.columns.map((c) => c.name),
          r.rows.map((row) =>
            row.map((v, i) =>
              i === id ? h('a', { href: '#loads', 'data-load': v, onclick: () => show(v) }, v) : v,
            ),
          ),
          { 'data-testid': 'loads-table' },
        ),
      )
    })
    .catch((error) => fill(table, errorBox(error, 'loads-error')))
  return section(
    'loads',
    'Loads',
    h('h3', {}, 'Rows loaded per run'),
    chart,
    h('h3', {}, '_sluice_loads'),
    table,
    detail,
  )
}

/** Clockodo: hours per user and per project per week, from `entries`. */
export function hoursSection(base) {
  const body = h('div', { 'data-testid': 'hours' }, h('p', { class: 'muted' }, 'summing hours…'))
  const el = section('hours', 'Hours per week (Clockodo)', body)
  el.hidden = true
  api(`${base}/hours?weeks=8`)
    .then((r) => {
      if (!r.available) return
      el.hidden = false
      const chart = (title, series, testid) => [
        h('h3', {}, title),
        barChart({
          labels: r.weeks.map((w) => w.slice(5)),
          series: series.map((x) => ({ name: x.name, values: x.hours })),
          unit: ' h',
          testid,
        }),
        legend(series),
      ]
      fill(
        body,
        h(
          'p',
          { 'data-testid': 'hours-total' },
          `${num(Math.round(r.total))} hours in ${num(r.entries)} entries over the ${r.weeks.length} weeks from ${r.weeks[0] ?? '–'}`,
        ),
        h(
          'div',
          { class: 'cols' },
          h('div', {}, chart('per user', r.users, 'hours-users')),
          h('div', {}, chart('per project', r.projects, 'hours-projects')),
        ),
      )
    })
    .catch((error) => {
      el.hidden = false
      fill(body, errorBox(error, 'hours-error'))
    })
  return el
}
