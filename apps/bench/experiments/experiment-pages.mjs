// What the page experiments share (not part of `pnpm bench`): core's built modules, full pages of Clockodo entries
// from the simulated account (enhanced lists, as a first load reads them) served in this process by
// `clockodoFetch`, and one pass of those pages through a page worker on this thread (`createPageWorker`, the code
// a worker thread runs).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { clockodoFetch, createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'

const core = dirname(createRequire(import.meta.url).resolve('@sluice/core/package.json'))

/** A module of `@sluice/core`'s build, by its path under `dist` (e.g. `node/node-body-text.js`). */
export const loadCore = async (path) => import(pathToFileURL(join(core, 'dist', path)).href)

const { nodeBodyText } = await loadCore('node/node-body-text.js')
const { createNormalizer } = await loadCore('normalize/normalizer.js')
const { createPageWorker } = await loadCore('page-workers/page-worker.js')

/** The body text primitives a Node.js page worker uses. */
export { nodeBodyText }

/**
 * `count` full pages (1,000 entries each) of an account of `users` users with `entriesPerWorkday` entries a
 * workday each, over one year, as response bodies.
 */
export async function entriesPages(count, { users, entriesPerWorkday }) {
  const account = createClockodoAccount({ seed: 1, users, years: 1, entriesPerWorkday, today: '2026-11-27' })
  const serve = clockodoFetch(account)
  const headers = {
    'x-clockodoapiuser': DEFAULT_CREDENTIALS.user,
    'x-clockodoapikey': DEFAULT_CREDENTIALS.apiKey,
    'x-clockodo-external-application': `sluice;${DEFAULT_CREDENTIALS.user}`,
    'x-clockodoenableisoutcdatetimes': '1',
  }
  const pages = []
  for (let page = 1; pages.length < count; page++) {
    const query = `time_since=2025-01-01T00:00:00Z&time_until=2027-01-01T00:00:00Z&enhanced_list=1&items_per_page=1000&page=${page}`
    const res = await serve(`http://127.0.0.1/api/v2/entries?${query}`, { headers })
    if (!res.ok) throw new Error(`the simulated account answered ${res.status}: ${await res.text()}`)
    const body = new Uint8Array(await res.arrayBuffer())
    if (JSON.parse(new TextDecoder().decode(body)).entries.length < 1000) break
    pages.push(body)
  }
  if (pages.length < count) throw new Error(`the simulated account has only ${pages.length} full pages`)
  return pages
}

/** CPU ms (user, system) per page of `run` over every page. */
export function cpuPerPage(pages, run) {
  const start = process.cpuUsage()
  pages.forEach(run)
  const used = process.cpuUsage(start)
  return [used.user / 1e3 / pages.length, used.system / 1e3 / pages.length]
}

const OPTIONS = { schemaName: 'clockodo', initialTables: [] }

/**
 * One pass over `pages` through a fresh page worker: CPU ms (user, system) per page to read, check and write
 * them as csv. `columns`: the resource's column hints (default none); `text`: the worker's body text primitives
 * (default Node.js's); `parse`: how a body is read (default the entries list and its ids).
 */
export function workerPass(
  pages,
  { columns, text = nodeBodyText, parse = { dataKeys: ['entries'], key: 'id' } } = {},
) {
  const spec = {
    resource: 'entries',
    primaryKey: ['id'],
    writeDisposition: 'merge',
    ...(columns ? { columns } : {}),
  }
  const main = createNormalizer(undefined, OPTIONS)
  main.registerResource(spec)
  main.normalizePage('entries', JSON.parse(new TextDecoder().decode(pages[0])).entries, 'load1')
  let encoded = 0
  /** Pages the worker held (they would have changed its schema copy): encoded once told their order. */
  const held = []
  const worker = createPageWorker(
    (reply) => {
      if (reply.t === 'encoded' || (reply.t === 'parsed' && reply.encoded)) encoded++
      else if (reply.t === 'parsed') held.push(reply.id)
      else throw new Error(`the page worker answered ${reply.t}`)
    },
    undefined,
    text,
  )
  worker.handle({ t: 'schema', options: OPTIONS, schema: main.schema, specs: [spec] })
  const destiny = { resource: 'entries', loadId: 'load1', format: 'csv' }
  const used = cpuPerPage(pages, (bytes, id) => {
    worker.handle({ t: 'parse', id, bytes, options: parse, destiny })
    for (const page of held.splice(0)) worker.handle({ t: 'normalize', id: page, order: page * 1000 })
  })
  if (encoded !== pages.length) throw new Error(`${encoded} of ${pages.length} pages were encoded`)
  return used
}
