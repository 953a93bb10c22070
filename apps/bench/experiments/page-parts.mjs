// Experiment, not part of `pnpm bench`: the CPU a page worker spends per page of 1,000 Clockodo entries reading
// the body (`readPageBody`), and in all (read, check against the compiled flat shapes, write csv), with the row
// list read in parts (fix 42, `parseInParts`) and as one string (its `BodyText` without `indexOf`, so no part is
// found). User and system CPU apart: a string over 128 KiB lands in V8's large-object space, mapped fresh for
// each page, and its page faults count as system time.
//
//   pnpm build && node apps/bench/experiments/page-parts.mjs
//   PAGES=20 ROUNDS=12 node apps/bench/experiments/page-parts.mjs
//
// The pages come from the simulated account (enhanced lists, as a first load reads them), served in this process
// by `clockodoFetch`. The page worker runs on this thread (`createPageWorker`, the code a worker thread runs),
// the variants in turns; the first two rounds of each warm up and are left out.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { clockodoFetch, createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'

const core = dirname(createRequire(import.meta.url).resolve('@sluice/core/package.json'))
const load = async (path) => import(pathToFileURL(join(core, 'dist', path)).href)
const { nodeBodyText } = await load('node/node-body-text.js')
const { createNormalizer } = await load('normalize/normalizer.js')
const { createPageWorker } = await load('page-workers/page-worker.js')
const { readPageBody } = await load('page-workers/page-parse.js')

const PAGES = Number(process.env.PAGES ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 12)

const account = createClockodoAccount({
  seed: 1,
  users: 200,
  years: 1,
  entriesPerWorkday: 25,
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

const variants = {
  'in parts': nodeBodyText,
  'as one string': { ...nodeBodyText, indexOf: () => -1 },
}
const OPTIONS = { schemaName: 'clockodo', initialTables: [] }
const PARSE = { dataKeys: ['entries'], key: 'id', meta: ['paging'] }
const firstRows = JSON.parse(new TextDecoder().decode(pages[0])).entries

/** CPU ms (user, system) per page of `run` over every page. */
function cpu(run) {
  const start = process.cpuUsage()
  pages.forEach(run)
  const used = process.cpuUsage(start)
  return [used.user / 1e3 / pages.length, used.system / 1e3 / pages.length]
}

/** One pass reading the pages with `readPageBody`. */
function read(text) {
  return cpu((bytes) => {
    if (readPageBody(bytes, PARSE, text).rows.length !== 1000) throw new Error('a page lost rows')
  })
}

/** One pass over the pages through a fresh page worker reading with `text`. */
function work(text) {
  const spec = { resource: 'entries', primaryKey: ['id'], writeDisposition: 'merge' }
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
    text,
  )
  worker.handle({ t: 'schema', options: OPTIONS, schema: main.schema, specs: [spec] })
  const destiny = { resource: 'entries', loadId: 'load1', format: 'csv' }
  const used = cpu((bytes, id) => {
    worker.handle({ t: 'parse', id, bytes, options: PARSE, destiny })
    worker.handle({ t: 'normalize', id, order: id * 1000 })
  })
  if (encoded !== pages.length) throw new Error(`${encoded} of ${pages.length} pages were encoded`)
  return used
}

const runs = {}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, text] of Object.entries(variants)) {
    for (const [what, pass] of Object.entries({ readPageBody: read, 'page worker': work })) {
      const ms = pass(text)
      const key = `${what}, ${name}`
      runs[key] ??= []
      if (round >= 2) runs[key].push(ms)
    }
  }
}
for (const [name, list] of Object.entries(runs)) {
  const median = (i) =>
    list
      .map((m) => m[i])
      .sort((a, b) => a - b)
      [Math.floor(list.length / 2)].toFixed(2)
  const total = list.map((m) => m[0] + m[1]).sort((a, b) => a - b)
  console.log(
    `${name}: CPU ms per page of 1,000 entries: ${total[0].toFixed(2)}-${total.at(-1).toFixed(2)}, median user ${median(0)} + system ${median(1)} (${list.length} passes)`,
  )
}
