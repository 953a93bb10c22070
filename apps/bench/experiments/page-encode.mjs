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
// Pages and page worker as `experiment-pages.mjs` gives them; the two variants in turns; the first two rounds of
// each warm up and are left out.
import { CLOCKODO_ENDPOINTS } from '@sluice/source-clockodo'
import { entriesPages, workerPass } from './experiment-pages.mjs'

const PAGES = Number(process.env.PAGES ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 12)
const pages = await entriesPages(PAGES, { users: 40, entriesPerWorkday: 10 })

const doubles = CLOCKODO_ENDPOINTS.find((e) => e.name === 'entries')?.doubles ?? []
const variants = {
  'without hints': undefined,
  'with the source hints': Object.fromEntries(doubles.map((f) => [f, { dataType: 'double' }])),
}

/** CPU ms per page of one pass over the pages through a fresh page worker. */
function pass(columns) {
  const [user, system] = workerPass(pages, { columns })
  return user + system
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
