// Experiment, not part of `pnpm bench`: the CPU a page worker's sender costs per response, node:http (what page
// workers use on Node.js, `nodePageSend`) against `fetch` (what Web Workers use, `fetchSend`), and what loading
// each costs at start. The cost depends on the bytes, not on what they say, so the bodies are synthetic JSON of
// about the size of a page of 1,000 Clockodo entries.
//
//   pnpm build && node apps/bench/experiments/page-send.mjs
//   PAGES=120,500 BYTES=660000 ROUNDS=3 node apps/bench/experiments/page-send.mjs
//
// Each measurement is a fresh child process (as a worker thread starts fresh), the senders in turns; the server
// runs in a process of its own, so the CPU seconds are the client's alone.
import { fork } from 'node:child_process'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [role, ...args] = process.argv.slice(2)
const core = dirname(createRequire(import.meta.url).resolve('@sluice/core/package.json'))

if (role === 'server') {
  const bytes = Number(args[0])
  const row = '{"id":1234567,"users_id":42,"time_since":"2024-01-02T08:00:00Z","text":"Grüße, work"},'
  const body = Buffer.from(`{"entries":[${row.repeat(Math.ceil(bytes / row.length)).slice(0, -1)}]}`)
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body)
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => process.send(server.address().port))
} else if (role === 'client') {
  const [kind, port, pages] = args
  const start = process.cpuUsage()
  const send =
    kind === 'node'
      ? (await import(pathToFileURL(join(core, 'dist/node/node-page-send.js')).href)).nodePageSend()
      : (await import(pathToFileURL(join(core, 'dist/page-workers/page-send.js')).href)).fetchSend
  const loaded = process.cpuUsage(start)
  const never = new AbortController().signal
  let next = 0
  const lane = async () => {
    while (next < Number(pages)) {
      next++
      const res = await send(
        { url: `http://127.0.0.1:${port}/`, method: 'GET', headers: [], maxBytes: 64e6 },
        never,
      )
      res.done?.()
    }
  }
  const before = process.cpuUsage()
  await Promise.all([lane(), lane(), lane()]) // a worker's share of 6 requests in flight
  const used = process.cpuUsage(before)
  process.send({ load: (loaded.user + loaded.system) / 1e3, requests: (used.user + used.system) / 1e3 })
} else {
  const bytes = Number(process.env.BYTES ?? 660_000)
  const server = fork(new URL(import.meta.url).pathname, ['server', String(bytes)])
  const port = await new Promise((resolve) => server.once('message', resolve))
  const self = new URL(import.meta.url).pathname
  for (const pages of (process.env.PAGES ?? '120,500,2500').split(',')) {
    const out = { node: [], fetch: [] }
    for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
      for (const kind of ['fetch', 'node']) {
        const child = fork(self, ['client', kind, String(port), pages])
        out[kind].push(await new Promise((resolve) => child.once('message', resolve)))
        child.kill()
      }
    }
    for (const [kind, runs] of Object.entries(out)) {
      const list = (key) => runs.map((r) => r[key].toFixed(0)).join(' / ')
      console.log(
        `${pages} pages of ${bytes} bytes, ${kind}: load ${list('load')} ms, requests ${list('requests')} ms CPU`,
      )
    }
  }
  server.kill()
}
