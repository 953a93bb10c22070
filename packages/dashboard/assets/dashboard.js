// The dashboard page: the home page (every pipeline) or one pipeline's page, which polls the pipeline's stamp
// and redraws when a run ends.
import { dataSection, hoursSection, loadsSection, schemaSection } from './data.js'
import { ago, api, errorBox, fill, grid, h, when } from './dom.js'
import { header, stateSection, traceSection } from './run.js'

const POLL_MS = 2000
const main = document.getElementById('main')
const nav = document.getElementById('nav')
const live = document.getElementById('live')

async function home() {
  document.title = 'sluice dashboard'
  fill(nav)
  const pipelines = await api('/api/pipelines')
  fill(
    main,
    h('h1', {}, 'Pipelines'),
    pipelines.length
      ? grid(
          ['pipeline', 'destination', 'dataset', 'last run', 'status'],
          pipelines.map((p) => [
            h('a', { href: `/pipelines/${encodeURIComponent(p.name)}`, 'data-pipeline': p.name }, p.name),
            p.destination ? `${p.destination.name} ${p.destination.location}` : '–',
            p.destination?.datasetName ?? '–',
            p.lastRun ? `${when(p.lastRun.startedAt)} (${ago(p.lastRun.startedAt)})` : 'never',
            p.lastRun
              ? h(
                  'span',
                  { class: `badge ${p.lastRun.status === 'succeeded' ? 'ok' : 'bad'}` },
                  p.lastRun.status,
                )
              : '–',
          ]),
          { 'data-testid': 'pipelines' },
        )
      : h('p', {}, 'No pipelines here yet: `sluice run --demo` loads a simulated Clockodo account.'),
  )
}

const SECTIONS = [
  ['schema', 'Schema'],
  ['data', 'Data'],
  ['state', 'State'],
  ['trace', 'Trace'],
  ['loads', 'Loads'],
  ['hours', 'Hours'],
]

async function pipelinePage(name) {
  document.title = `${name} · sluice`
  const base = `/api/pipelines/${encodeURIComponent(name)}`
  fill(
    nav,
    SECTIONS.map(([id, title]) => h('a', { href: `#${id}` }, title)),
  )
  let stamp
  const render = async () => {
    const view = await api(base)
    stamp = view.stamp
    const open = new Set(
      [...main.querySelectorAll('section > details:not([open])')].map((d) => d.parentElement.id),
    )
    fill(
      main,
      header(view),
      schemaSection(view),
      dataSection(view, base),
      stateSection(view),
      traceSection(view),
      loadsSection(view, base),
      hoursSection(base),
    )
    for (const id of open) main.querySelector(`#${id} > details`)?.removeAttribute('open')
  }
  await render()
  let busy = false
  setInterval(async () => {
    if (busy) return
    busy = true
    try {
      const now = await api(`${base}/stamp`)
      live.className = 'live'
      if (now.stamp !== stamp) await render()
    } catch {
      live.className = 'live off'
    } finally {
      busy = false
    }
  }, POLL_MS)
}

const match = location.pathname.match(/^\/pipelines\/([^/]+)$/)
;(match ? pipelinePage(decodeURIComponent(match[1])) : home()).catch((error) => {
  fill(main, errorBox(error, 'page-error'))
})
