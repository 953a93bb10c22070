// Experiment, not part of `pnpm bench`: the CPU a page worker spends per page of 1,000 Clockodo entries, with the
// rows written straight from the body's bytes (`transcodePage`, fix 43, with its generated reader, fix 44) and
// parsed first (`readPageBody`, then the compiled flat rows), with the Clockodo source's column hints. Two measures, each variant in turns:
// - the two steps alone on this thread (the same pages, plan and compiled rows);
// - a pass through a fresh page worker. Without transcoding, the worker's `BodyText` finds a backslash in every
//   key of the body, so the transcoder gives up at the first key and the page is parsed (a few microseconds).
//
//   pnpm build && node apps/bench/experiments/page-transcode.mjs
//   PAGES=20 ROUNDS=12 node apps/bench/experiments/page-transcode.mjs
//
// Pages and page worker as `experiment-pages.mjs` gives them; the first two rounds warm up and are left out.
import { CLOCKODO_ENDPOINTS } from '@sluice/source-clockodo'
import { cpuPerPage, entriesPages, loadCore, nodeBodyText, workerPass } from './experiment-pages.mjs'

const { createNormalizer } = await loadCore('normalize/normalizer.js')
const { readPageBody } = await loadCore('page-workers/page-parse.js')
const { loadIdField, transcodePage } = await loadCore('page-workers/page-transcode.js')
const { transcodePlan } = await loadCore('page-workers/page-transcode-plan.js')
const { compileFlatCsvRow } = await loadCore('job-files/flat-csv-encoder.js')
const { encodeFlatRows } = await loadCore('job-files/encoded-rows.js')

const PAGES = Number(process.env.PAGES ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 12)
const pages = await entriesPages(PAGES, { users: 200, entriesPerWorkday: 25 })
const doubles = CLOCKODO_ENDPOINTS.find((e) => e.name === 'entries')?.doubles ?? []
const columns = Object.fromEntries(doubles.map((f) => [f, { dataType: 'double' }]))
const PARSE = { dataKeys: ['entries'], key: 'id', meta: ['paging'] }

// the shapes a worker has compiled once it has seen these pages
const normalizer = createNormalizer(undefined, { schemaName: 'clockodo', initialTables: [] })
normalizer.registerResource({ resource: 'entries', primaryKey: ['id'], writeDisposition: 'merge', columns })
for (const page of pages)
  normalizer.normalizePage('entries', JSON.parse(new TextDecoder().decode(page)).entries, 'l')
const shapes = normalizer.flatShapes('entries')
const header = normalizer.schema.tables[shapes.table].columns
const plan = transcodePlan(shapes.keys, header, shapes.maxTextChars, undefined)
const rowFns = shapes.keys.map((keys) => compileFlatCsvRow(keys, header, { bytes: true }))
const loadId = loadIdField('load1')
const putId = (out, p) => {
  out[p] = 65
  return p + 1
}
const out = new Uint8Array(1 << 20)
const ends = new Uint32Array(1000)
const other = () => {
  throw new Error('a row of no compiled shape')
}

const steps = {
  'transcodePage alone': (bytes) => {
    if (!transcodePage(bytes, true, nodeBodyText, PARSE, plan, loadId, putId, true, out))
      throw new Error('gave up')
  },
  'readPageBody and the compiled rows alone': (bytes) => {
    const body = readPageBody(bytes, PARSE, nodeBodyText)
    if (!encodeFlatRows(rowFns, body.rows, 'load1', putId, out, ends, other)) throw new Error('not written')
  },
}
const noTranscoding = {
  ...nodeBodyText,
  indexOf: (b, s, from) => (s === '\\' ? 0 : nodeBodyText.indexOf(b, s, from)),
}
const workers = {
  'page worker, transcoding': () => workerPass(pages, { columns, parse: PARSE }),
  'page worker, parsing': () => workerPass(pages, { columns, parse: PARSE, text: noTranscoding }),
}

const runs = {}
for (let round = 0; round < ROUNDS; round++) {
  const results = [
    ...Object.entries(steps).map(([name, step]) => [name, cpuPerPage(pages, step)]),
    ...Object.entries(workers).map(([name, pass]) => [name, pass()]),
  ]
  if (round < 2) continue
  for (const [name, [user, system]] of results) {
    runs[name] ??= []
    runs[name].push(user + system)
  }
}
for (const [name, list] of Object.entries(runs)) {
  list.sort((a, b) => a - b)
  const at = (q) => list[Math.min(list.length - 1, Math.floor(q * list.length))].toFixed(2)
  console.log(
    `${name}: CPU ms per page: min ${at(0)}, median ${at(0.5)}, max ${at(1)} (${list.length} passes)`,
  )
}
