// A read-only npm registry on 127.0.0.1 that serves the tarballs `pnpm pack` made, for the @sluice scope only
// (`@sluice:registry=<url>` in an npmrc): npm then installs the packages as users will, by name and version,
// including `npm install -g`, while everything else still comes from the configured registry. No @sluice name
// ever reaches the public registry, where it would be somebody else's package. It runs on a worker thread: the
// main thread waits for npm in spawnSync. Each run serves under a path of its own (`http://127.0.0.1:<port>/<run>/`):
// npm caches packuments and tarballs by URL, and a run that got the port of an earlier one installed that run's
// tarball of the same name and version (npm's log: the packument "cache stale", the tarball "cache hit").
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { basename } from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

/**
 * Serves `packages` ({ manifest, tarball }: the packed package.json and the .tgz path) from a worker thread.
 * Resolves to `{ url, close() }`; every other path answers 404.
 */
export async function startRegistry(packages) {
  const data = packages.map(({ manifest, tarball }) => ({ manifest, tarball }))
  const worker = new Worker(new URL(import.meta.url), { workerData: data })
  const url = await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the registry thread exited with ${code}`)))
  })
  return { url, close: () => worker.terminate() }
}

async function serve(packages) {
  const byName = new Map()
  const files = new Map()
  const run = `run-${randomBytes(8).toString('hex')}`
  const server = createServer((req, res) => {
    const full = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1)
    const path = full.startsWith(`${run}/`) ? full.slice(run.length + 1) : ''
    const tarball = files.get(path)
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length })
      res.end(tarball)
      return
    }
    const doc = byName.get(path)
    if (doc && req.method !== 'PUT') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(doc))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"not found"}')
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const url = `http://127.0.0.1:${server.address().port}/${run}/`
  for (const { manifest, tarball } of packages) {
    const bytes = readFileSync(tarball)
    const file = `-/${basename(tarball)}`
    files.set(file, bytes)
    byName.set(manifest.name, {
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: {
        [manifest.version]: {
          ...manifest,
          _id: `${manifest.name}@${manifest.version}`,
          dist: {
            tarball: `${url}${file}`,
            shasum: createHash('sha1').update(bytes).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          },
        },
      },
    })
  }
  return url
}

if (!isMainThread && parentPort) parentPort.postMessage(await serve(workerData))
