// Experiment, not part of `pnpm bench`: the CPU a page worker spends per page of 1,000 Clockodo entries reading
// the body (`readPageBody`), and in all (read, check against the compiled flat shapes, write csv), with the row
// list read in parts (fix 42, `parseInParts`) and as one string (its `BodyText` without `indexOf`, so no part is
// found). User and system CPU apart: a string over 128 KiB lands in V8's large-object space, mapped fresh for
// each page, and its page faults count as system time.
//
//   pnpm build && node apps/bench/experiments/page-parts.mjs
//   PAGES=20 ROUNDS=12 node apps/bench/experiments/page-parts.mjs
//
// Pages and page worker as `experiment-pages.mjs` gives them; the variants in turns; the first two rounds of each
// warm up and are left out.
import { cpuPerPage, entriesPages, loadCore, nodeBodyText, workerPass } from './experiment-pages.mjs'

const { readPageBody } = await loadCore('page-workers/page-parse.js')

const PAGES = Number(process.env.PAGES ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 12)
const pages = await entriesPages(PAGES, { users: 200, entriesPerWorkday: 25 })

const variants = {
  'in parts': nodeBodyText,
  'as one string': { ...nodeBodyText, indexOf: () => -1 },
}
const PARSE = { dataKeys: ['entries'], key: 'id', meta: ['paging'] }

/** One pass reading the pages with `readPageBody`. */
function read(text) {
  return cpuPerPage(pages, (bytes) => {
    if (readPageBody(bytes, PARSE, text).rows.length !== 1000) throw new Error('a page lost rows')
  })
}

/** One pass over the pages through a fresh page worker reading with `text`. */
const work = (text) => workerPass(pages, { text, parse: PARSE })

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
