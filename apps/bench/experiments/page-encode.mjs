// Experiment, not part of `pnpm bench`: the CPU a page worker spends per page of 1,000 Clockodo entries once the
// body is here (parse, check against the compiled flat shapes, write csv), with the Clockodo source's column
// hints (`doubles` of CLOCKODO_ENDPOINTS) and without them (every column inferred from the values). Without the
// hints, a money column whose first values are whole numbers is inferred `bigint`, and each later row with a
// fraction leaves the compiled path for a `__v_double` variant column; how many rows that is depends on the
// account (the bench's account, seed 1: about 2% of entries, the lump sums).
//
//   pnpm build && node apps/bench/experiments/page-encode.mjs
//   PAGES=20 ROUNDS=12 node apps/bench/experiments/page-encode.mjs
//
// The pages come from the simulated account (enhanced lists, as a first load reads them), served in this process
// by `clockodoFetch`. The page worker runs on this thread (`createPageWorker`, the code a worker thread runs),
// the two variants in turns; the first two rounds of each warm up and are left out.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { clockodoFetch, createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'
import { CLOCKODO_ENDPOINTS } from '@sluice/source-clockodo'

const core = dirname(createRequire(import.meta.url).resolve('@sluice/core/package.json'))
const load = async (path) => import(pathToFileURL(join(core, 'dist', path)).href)
const { nodeBodyText } = await load('node/node-body-text.js')
const { createNormalizer } = await load('normalize/normalizer.js')
const { createPageWorker } = await load('page-workers/page-worker.js')

const PAGES = Number(process.env.PAGES ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 12)

const account = createClockodoAccount({
  seed: 1,
  users: 40,
  years: 1,
  entriesPerWorkday: 10,
  today: '2026-11-27',
})
const serve = clockodoFetch(account)
const headers = {
  'x-clockodoapiuser': DEFAULT_CREDENTIALS.user,
  'x-clockodoapikey': DEFAULT_CREDENTIALS.apiKey,
  'x-clockodo-external-application': `sluice;${DEFAULT_CREDENTIALS.user}`,
  'x-clockodoenableisoutcdatetimes': '1',
}
const pages = []
for (let page = 1; pages.length < PAGES; page++) {
  const query = `time_since=2025-01-01T00:00:00Z&time_until=2027-01-01T00:00:00Z&enhanced_list=1&items_per_page=1000&page=${page}`
  const res = await serve(`http://127.0.0.1/api/v2/entries?${query}`, { headers })
  if (!res.ok) throw new Error(`the simulated account answered ${res.status}: ${await res.text()}`)
  const body = new Uint8Array(await res.arrayBuffer())
  if (JSON.parse(new TextDecoder().decode(body)).entries.length < 1000) break
  pages.push(body)
}
if (pages.length < PAGES) throw new Error(`the simulated account has only ${pages.length} full pages`)

const doubles = CLOCKODO_ENDPOINTS.find((e) => e.name === 'entries')?.doubles ?? []
const variants = {
  'without hints': undefined,
  'with the source hints': Object.fromEntries(doubles.map((f) => [f, { dataType: 'double' }])),
}
const OPTIONS = { schemaName: 'clockodo', initialTables: [] }
const firstRows = JSON.parse(new TextDecoder().decode(pages[0])).entries

/** CPU ms per page of one pass over the pages through a fresh page worker. */
function pass(columns) {
  const spec = {
    resource: 'entries',
    primaryKey: ['id'],
    writeDisposition: 'merge',
    ...(columns ? { columns } : {}),
  }
  const main = createNormalizer(undefined, OPTIONS)
  main.registerResource(spec)
  main.normalizePage('entries', firstRows, 'load1')
  let encoded = 0
  const worker = createPageWorker(
    (reply) => {
      if (reply.t === 'encoded') encoded++
      else if (reply.t !== 'parsed') throw new Error(`the page worker answered ${reply.t}`)
    },
    undefined,
    nodeBodyText,
  )
  worker.handle({ t: 'schema', options: OPTIONS, schema: main.schema, specs: [spec] })
  const destiny = { resource: 'entries', loadId: 'load1', format: 'csv' }
  const start = process.cpuUsage()
  pages.forEach((bytes, id) => {
    worker.handle({ t: 'parse', id, bytes, options: { dataKeys: ['entries'], key: 'id' }, destiny })
    worker.handle({ t: 'normalize', id, order: id * 1000 })
  })
  const used = process.cpuUsage(start)
  if (encoded !== pages.length) throw new Error(`${encoded} of ${pages.length} pages were encoded`)
  return (used.user + used.system) / 1e3 / pages.length
}

const runs = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, columns] of Object.entries(variants)) {
    const ms = pass(columns)
    if (round >= 2) runs[name].push(ms)
  }
}
for (const [name, list] of Object.entries(runs)) {
  list.sort((a, b) => a - b)
  const at = (q) => list[Math.min(list.length - 1, Math.floor(q * list.length))].toFixed(2)
  console.log(
    `${name}: CPU ms per page of 1,000 entries: min ${at(0)}, median ${at(0.5)} (${list.length} passes)`,
  )
}
