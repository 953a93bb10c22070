// Experiment, not sluice's pipeline: would parsing pages on worker threads reach the e2e target (60% of the
// fetch + parse floor) on this machine? Page workers fetch, decode, JSON.parse, normalize and write CSV job
// files; the main thread only loads the closed files into DuckDB (one thread while pages are read, two after).
// Left out on purpose: the Clockodo dedupe, incremental state, the rate limiter, merge and publish.
//
//   pnpm --filter @sluice/bench build && cd apps/bench && node experiments/page-workers.mjs
//   RUNS=floor,workers:2,workers:1 node experiments/page-workers.mjs    (default: two interleaved rounds)
//
// Each measurement runs in a fresh child process against the account server of the bench (own process, response
// cache warmed first); the 1M-entry range and its page URLs are prepared once into $WORK (default
// /tmp/page-workers-experiment, kept between runs).
import { fork } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

const self = fileURLToPath(import.meta.url)
const dist = new URL('../dist/', import.meta.url)
const WORK = process.env.WORK ?? '/tmp/page-workers-experiment'
const IN_FLIGHT = 6
// DuckDB threads for loads while pages are read (LOAD_THREADS, default 1 as in sluice)
const DURING = Number(process.env.LOAD_THREADS ?? 1)
const [mode, arg] = process.argv.slice(2)

if (!isMainThread) await readPages(workerData, (m) => parentPort.postMessage(m))
else if (mode === 'floor') await floor()
else if (mode === 'workers') await withWorkers(Number(arg || 2))
else await orchestrate()

/** One page worker (or the main thread): takes page indexes from a shared counter, writes its own job files. */
async function readPages(options, post) {
  const { createJobWriter } = await import('@sluice/core/destination')
  const { createNormalizer } = await import('@sluice/core/testing')
  const { nodeFileSystem } = await import('@sluice/core/node')
  const { CLOCKODO_HEADERS } = await import(new URL('bench-common.js', dist).href)
  const { urls, counter, dir, loadId, id, inFlight } = options
  const next = new Int32Array(counter)
  const normalizer = createNormalizer(undefined, { schemaName: 'clockodo' })
  normalizer.registerResource({ resource: 'entries', primaryKey: ['id'], writeDisposition: 'merge' })
  const columns = () => normalizer.schema.tables.entries?.columns ?? []
  let fileId = 0
  const writer = createJobWriter({
    fs: nodeFileSystem(),
    dir,
    table: 'entries',
    format: 'csv',
    nextFileId: () => `${id}_${++fileId}`,
    columns,
    onFileClosed: (f) =>
      post({ file: f.file, rows: f.rows, types: columns().map((c) => [c.name, c.dataType]) }),
  })
  let writes = Promise.resolve()
  const loop = async () => {
    for (let i = Atomics.add(next, 0, 1); i < urls.length; i = Atomics.add(next, 0, 1)) {
      const res = await fetch(urls[i], { headers: CLOCKODO_HEADERS })
      const rows = JSON.parse(await res.text()).entries
      const page = normalizer.normalizePage('entries', rows, loadId).tables.get('entries')
      writes = writes.then(() => writer.write(page))
      await writes
    }
  }
  await Promise.all(Array.from({ length: inFlight }, loop))
  await writes
  await writer.close()
  post({ done: true })
}

async function floor() {
  const { fetchParseFloor } = await import(new URL('bench-scenarios.js', dist).href)
  const cpu = process.cpuUsage()
  const r = await fetchParseFloor(`${WORK}/urls.json`, IN_FLIGHT)
  process.send({ seconds: r.seconds, rows: r.rows, cpuSeconds: cpuSince(cpu) })
}

/**
 * `n` page workers with IN_FLIGHT / n requests each; the main thread loads the files into DuckDB. `n` = 0 reads
 * the pages on the main thread too (the same loop, no worker).
 */
async function withWorkers(n) {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const { duckdbColumnType, duckdbQuote, duckdbString } = await import('@sluice/destination-duckdb')
  const { newLoadId } = await import('@sluice/core/testing')
  const urls = JSON.parse(readFileSync(`${WORK}/urls.json`, 'utf8'))
  const dir = `${WORK}/run-${process.pid}`
  mkdirSync(dir, { recursive: true })
  const start = performance.now()
  const cpu = process.cpuUsage()
  const db = await DuckDBInstance.create(`${dir}/db.duckdb`, { threads: '2', memory_limit: '512MB' })
  const con = await db.connect()
  const known = new Set()
  const type = (t) => duckdbColumnType({ name: '', dataType: t, nullable: true })
  const loadFile = async (f, threads) => {
    const header = firstLine(f.file).split(',')
    const types = new Map(f.types)
    const defs = header.map((c) => `${duckdbQuote(c)} ${type(types.get(c))}`)
    if (known.size === 0) await con.run(`CREATE TABLE entries (${defs.join(', ')})`)
    for (const [i, c] of header.entries()) {
      if (known.size > 0 && !known.has(c)) await con.run(`ALTER TABLE entries ADD COLUMN ${defs[i]}`)
    }
    for (const c of header) known.add(c)
    const struct = header.map((c) => `${duckdbString(c)}: '${type(types.get(c))}'`).join(', ')
    await con.run(`SET threads = ${threads}`)
    await con.run(
      `INSERT INTO entries (${header.map(duckdbQuote).join(', ')}) SELECT * FROM read_csv(${duckdbString(f.file)}, header=true, auto_detect=false, delim=',', quote='"', escape='"', allow_quoted_nulls=false, buffer_size=4000000, columns={${struct}})`,
    )
  }
  const pending = []
  let loading = Promise.resolve()
  let extracted = false
  const pump = () => {
    loading = loading.then(async () => {
      while (pending.length > 0) await loadFile(pending.shift(), extracted ? 2 : DURING)
    })
  }
  const counter = new SharedArrayBuffer(4)
  const loadId = newLoadId()
  await new Promise((resolve, reject) => {
    let finished = 0
    const onFile = (m) => {
      pending.push(m)
      pump()
    }
    if (n === 0)
      readPages({ urls, counter, dir, loadId, id: 0, inFlight: IN_FLIGHT }, (m) =>
        m.done ? resolve() : onFile(m),
      ).catch(reject)
    for (let id = 0; id < n; id++) {
      const inFlight = Math.ceil(IN_FLIGHT / n)
      const w = new Worker(self, { workerData: { urls, counter, dir, loadId, id, inFlight } })
      w.on('message', (m) => {
        if (!m.done) onFile(m)
        else if (++finished === n) resolve()
      })
      w.on('error', reject)
    }
  })
  const extractSeconds = (performance.now() - start) / 1000
  extracted = true
  pump()
  await loading
  const rows = Number((await con.runAndReadAll('SELECT count(*) FROM entries')).getRows()[0][0])
  const seconds = (performance.now() - start) / 1000
  con.closeSync()
  rmSync(dir, { recursive: true, force: true })
  process.send({ seconds, rows, extractSeconds, cpuSeconds: cpuSince(cpu) })
}

async function orchestrate() {
  const server = fork(fileURLToPath(new URL('mock-process.js', dist)), [
    JSON.stringify({ users: 200, years: 5, entriesPerWorkday: 25, today: '2026-11-27' }),
  ])
  const baseUrl = await new Promise((resolve) => server.once('message', (m) => resolve(m.baseUrl)))
  const { endDateFor, prepareAccount } = await import(new URL('bench-prepare.js', dist).href)
  const { fetchParseFloor } = await import(new URL('bench-scenarios.js', dist).href)
  if (!existsSync(`${WORK}/urls.json`)) {
    mkdirSync(WORK, { recursive: true })
    const end = await endDateFor(baseUrl, '2022-01-01', 1_000_000, 365 * 5)
    await prepareAccount(baseUrl, '2022-01-01', end, WORK)
  }
  // the server listens on a new port each time; its cache is warmed before anything is timed
  const origin = new URL(baseUrl).origin
  const urls = JSON.parse(readFileSync(`${WORK}/urls.json`, 'utf8'))
  writeFileSync(
    `${WORK}/urls.json`,
    JSON.stringify(urls.map((u) => origin + new URL(u).pathname + new URL(u).search)),
  )
  await fetchParseFloor(`${WORK}/urls.json`, IN_FLIGHT)
  const runs = (process.env.RUNS ?? 'floor,workers:2,workers:1,floor,workers:2,workers:1').split(',')
  for (const run of runs) {
    const [m, a] = run.split(':')
    const child = fork(self, [m, a ?? ''])
    const result = await new Promise((resolve) => child.once('message', resolve))
    await new Promise((resolve) => child.once('exit', resolve))
    console.log(run.padEnd(10), JSON.stringify(result))
  }
  server.kill('SIGTERM')
}

function firstLine(file) {
  const fd = openSync(file, 'r')
  const buf = Buffer.alloc(16384)
  const n = readSync(fd, buf, 0, buf.length, 0)
  closeSync(fd)
  return buf.subarray(0, n).toString('utf8').split('\n')[0]
}

function cpuSince(start) {
  const u = process.cpuUsage(start)
  return Math.round((u.user + u.system) / 1e4) / 100
}
