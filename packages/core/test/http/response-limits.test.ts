import { mkdtemp, rm } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHttpClient } from '../../src/http/http-client.ts'
import type { HttpClientOptions } from '../../src/http/http-types.ts'
import { nodeFileSystem, nodePageWorkers } from '../../src/node/index.ts'
import { pageReaderHere } from '../../src/page-workers/page-parse.ts'
import type { ParsedPage } from '../../src/page-workers/page-types.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Source } from '../../src/source/source-types.ts'
import { FakeDestination } from '../pipeline/fake-destination.ts'
import { startServer, type TestServer } from './test-servers.ts'

// Response bodies are read up to a cap, compressed and decoded, with memory bounded by the cap: an endless body
// and a gzip bomb (1 MB that inflates to 1 GB) from a real server on 127.0.0.1 stop at the cap on the pipeline's
// thread (fetch) and on page workers (node:http). Page workers run the built entry in dist/node.

// whole pipelines, some with a worker thread: seconds each on a busy machine
vi.setConfig({ testTimeout: 30_000 })

const CAP = 4 * 1024 * 1024
const KEY = 'limits-KEY-3c9d2e'

/** 1 GiB of spaces as 1,024 gzip members of 1 MiB each: about 1 MB on the wire. */
const BOMB = Buffer.concat(Array(1024).fill(gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 })))

/** Writes 1 MiB chunks every 10 ms (about 100 MB/s) until the client goes away, counting what it wrote. */
function endless(res: ServerResponse, server: TestServer): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(1024 * 1024, 0x20)
  const timer = setInterval(() => {
    if (res.destroyed || res.writableEnded) return
    if (res.writableLength > 2 * chunk.length) return
    server.bytesSent += chunk.length
    res.write(chunk)
  }, 10)
  res.on('close', () => clearInterval(timer))
}

let api: TestServer
beforeAll(async () => {
  api = await startServer((req, res, server) => {
    const path = new URL(req.url, 'http://x').pathname
    if (path === '/endless') endless(res, server)
    else if (path === '/bomb') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      server.bytesSent += BOMB.length
      res.end(BOMB)
    } else if (path === '/announced') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(CAP + 1) })
      res.write('[')
    } else {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ data: [{ id: 1 }] }))
    }
  })
})
afterAll(() => api?.close())

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-limits-'))
  api.bytesSent = 0
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const OPTIONS: Partial<HttpClientOptions> = {
  maxResponseBytes: CAP,
  timeoutMs: 3_000,
  retry: { maxAttempts: 1 },
  auth: { type: 'api_key', name: 'key', value: KEY, location: 'query' },
}

/** The highest RSS while `work` runs, minus the RSS before (sampled every 5 ms). */
async function rssGrowth(work: () => Promise<unknown>): Promise<{ growth: number; result: unknown }> {
  const before = process.memoryUsage().rss
  let peak = before
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 5)
  try {
    const result = await work().catch((e: unknown) => e)
    peak = Math.max(peak, process.memoryUsage().rss)
    return { growth: peak - before, result }
  } finally {
    clearInterval(timer)
  }
}

function source(path: string): Source {
  return {
    name: 'limits',
    resources: [
      {
        name: 'items',
        async *read(ctx) {
          const client = createHttpClient({ baseUrl: api.origin, ...OPTIONS })
          const reader = (ctx.pageReader ?? pageReaderHere)({ dataKeys: ['data'] })
          yield (await client.request<ParsedPage>({ path }, { reader, signal: ctx.signal })).body
        },
      },
    ],
  }
}

/** Runs `path` through a pipeline, with or without page workers (which fetch with node:http). */
function run(path: string, workers: boolean): Promise<unknown> {
  const p = pipeline({
    pipelineName: 'limits',
    destination: new FakeDestination('csv'),
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    ...(workers ? { pageWorkers: nodePageWorkers({ size: 1 }) } : {}),
  })
  return p.run(source(path))
}

function expectTooLarge(error: unknown, path: string): void {
  expect(error).toMatchObject({ code: 'HTTP_TOO_LARGE', transient: false })
  const message = (error as Error).message
  expect(message).toContain(`GET ${api.origin}${path}?key=***`)
  expect(message).toContain(`larger than ${CAP} bytes`)
  expect(message).toContain('maxResponseBytes')
  expect(message).not.toContain(KEY)
}

describe.each([
  ['the pipeline thread (fetch)', false],
  ['page workers (node:http)', true],
])('response size caps: %s', (_, workers) => {
  it('an endless body stops being read near the cap', async () => {
    const { result } = await rssGrowth(() => run('/endless', workers))
    expectTooLarge(result, '/endless')
    // what the server managed to write before the client hung up: the cap plus socket buffers, not more
    expect(api.bytesSent).toBeLessThan(CAP + 16 * 1024 * 1024)
  })

  it('a gzip bomb stops at the cap of decoded bytes, with memory bounded', async () => {
    const { growth, result } = await rssGrowth(() => run('/bomb', workers))
    expectTooLarge(result, '/bomb')
    // a 1 GiB body decoded whole would add at least 1 GiB; loosely bounded (page workers start a thread too)
    expect(growth).toBeLessThan(200 * 1024 * 1024)
  })
})

describe('response size caps: the client alone', () => {
  it('refuses a body announced larger than the cap before reading it', async () => {
    const client = createHttpClient({ baseUrl: api.origin, ...OPTIONS })
    expectTooLarge(await client.request({ path: '/announced' }).catch((e: unknown) => e), '/announced')
  })

  it('reads a body within the cap, and the default cap is 64 MiB', async () => {
    const client = createHttpClient({ baseUrl: api.origin, ...OPTIONS })
    expect((await client.request({ path: '/small' })).body).toEqual({ data: [{ id: 1 }] })
    const error = await createHttpClient({ baseUrl: api.origin, retry: { maxAttempts: 1 } })
      .request({ path: '/bomb' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'HTTP_TOO_LARGE' })
    expect((error as Error).message).toContain('larger than 67108864 bytes (64 MiB, decoded)')
  })
})
