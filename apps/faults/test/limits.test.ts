import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { restApiSource } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { duckdbChecksums, type FrontServer, runCli, startFrontServer, tempDir } from '../src/index.ts'
import { API_KEY, cliEnv, startMock } from './helpers.ts'

// Resource limits and bodies that are not what they claim, against real servers on 127.0.0.1: a server in front of
// the simulated account answers one route with an endless body, a gzip bomb or Latin-1 text, on the main thread
// (customers; entries with --page-workers 0) and on page workers (entries). And a REST API whose child endpoint
// ignores `page` (restApiSource into DuckDB): its pages end instead of going on forever.

const CAP = 4 * 1024 * 1024
/** 1 GiB of spaces as 1,024 gzip members: about 1 MB on the wire. */
const BOMB = Buffer.concat(Array(1024).fill(gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 })))

let mock: RunningClockodoMock
let front: FrontServer
/** What `front` does with a route instead of forwarding it. */
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse, forward: Forward) => void>()
type Forward = (transform?: (status: number, body: Buffer) => Buffer) => void

beforeAll(async () => {
  mock = await startMock()
  front = await startFrontServer(mock.baseUrl, (req, res, _front, forward) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname)
    if (!route) return false
    route(req, res, forward)
    return true
  })
})
afterAll(async () => {
  await front?.close()
  await mock?.close()
})
beforeEach(() => {
  routes.clear()
  streams.length = 0
})

/** Bytes written per endless response (entries fetch several pages at once, each one endless). */
const streams: number[] = []

/** Writes 1 MiB chunks every 10 ms (about 100 MB/s) until the client goes away, counting them. */
function endless(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(1024 * 1024, 0x20)
  const at = streams.push(0) - 1
  const timer = setInterval(() => {
    if (res.destroyed || res.writableLength > 2 * chunk.length) return
    streams[at]! += chunk.length
    res.write(chunk)
  }, 10)
  res.on('close', () => clearInterval(timer))
}

function bomb(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
  res.end(BOMB)
}

/**
 * Runs the CLI for one resource and watches its peak memory (VmHWM of /proc/<pid>/status, Linux): the highest
 * value read before it exited.
 */
async function run(
  resource: string,
  workers: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const cwd = await tempDir('sluice-faults-limits-')
  let pid: number | undefined
  let peakKb = 0
  const timer = setInterval(() => {
    if (pid === undefined) return
    readFile(`/proc/${pid}/status`, 'utf8').then(
      (s) => {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0)
        peakKb = Math.max(peakKb, kb)
      },
      () => undefined,
    )
  }, 20)
  try {
    const r = await runCli(
      ['run', '--progress', 'log', '--resources', resource, '--page-workers', workers, ...extra],
      {
        cwd,
        env: cliEnv(cwd, `${front.origin}/api`, {
          SOURCES__CLOCKODO__MAX_RESPONSE_BYTES: String(CAP),
          ...env,
        }),
        onStderr: (_, p) => {
          pid ??= p
        },
      },
    )
    expect(`${r.stdout}${r.stderr}`).not.toContain(API_KEY)
    return { ...r, output: `${r.stdout}${r.stderr}`, peakMb: peakKb / 1024, cwd }
  } finally {
    clearInterval(timer)
  }
}

const CASES = [
  ['customers', '/api/v3/customers', '0'],
  ['entries', '/api/v2/entries', '0'],
  ['entries', '/api/v2/entries', '1'],
] as const

describe('response size caps through the CLI (SOURCES__CLOCKODO__MAX_RESPONSE_BYTES)', () => {
  test.each(CASES)(
    '%s: an endless body stops near the cap (%s, --page-workers %s)',
    async (resource, path, workers) => {
      routes.set(path, endless)
      const r = await run(resource, workers)
      expect(r.code, r.output).toBe(1)
      expect(r.output).toMatch(
        new RegExp(
          `\\[clockodo\\] GET ${front.origin}${path}\\?\\S+ sent a body larger than ${CAP} bytes \\(4 MiB, (decoded|compressed)\\)`,
        ),
      )
      expect(r.output).toContain('set SOURCES__CLOCKODO__MAX_RESPONSE_BYTES')
      // what the server wrote into each response before the CLI hung up: the cap plus socket buffers
      expect(streams.length).toBeGreaterThan(0)
      for (const sent of streams) expect(sent).toBeLessThan(CAP + 16 * 1024 * 1024)
    },
  )

  test.each(CASES)(
    '%s: a gzip bomb stops at the cap of decoded bytes (%s, --page-workers %s)',
    async (resource, path, workers) => {
      routes.set(path, bomb)
      const r = await run(resource, workers)
      expect(r.code, r.output).toBe(1)
      expect(r.output).toContain(`sent a body larger than ${CAP} bytes (4 MiB, decoded)`)
      // 1 GiB decoded would be at least 1,024 MB more; the CLI with DuckDB and page workers stays far below
      if (r.peakMb === 0)
        console.log('[limits] no /proc/<pid>/status here: peak memory of the CLI not checked')
      else expect(r.peakMb).toBeLessThan(500)
    },
  )
})

/**
 * Rewrites a JSON list response: every character outside ASCII escaped (`\u00e9`), then the first row's `text` set
 * to "Café Müller" in Latin-1: exactly 2 bytes that are not UTF-8.
 */
function latin1(counter: { changed: number }): (status: number, body: Buffer) => Buffer {
  return (status, body) => {
    if (status !== 200) return body
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    const list = (['data', 'entries', 'customers'].map((k) => json[k]).find(Array.isArray) ?? []) as Record<
      string,
      unknown
    >[]
    if (list.length === 0) return body
    list[0]!.text = '@LATIN1@'
    counter.changed++
    const ascii = JSON.stringify(json).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    return Buffer.from(ascii.replace('@LATIN1@', 'Café Müller'), 'latin1')
  }
}

describe('bodies that are not UTF-8 through the CLI', () => {
  test.each(CASES)(
    '%s: a warning with the count; --strict fails (%s, --page-workers %s)',
    async (resource, path, workers) => {
      const counter = { changed: 0 }
      routes.set(path, (_req, _res, forward) => forward(latin1(counter)))
      const r = await run(resource, workers)
      expect(r.code, r.output).toBe(0)
      expect(counter.changed).toBeGreaterThan(0)
      const n = counter.changed
      expect(r.output).toContain(
        `warning: [clockodo] ${resource}: ${2 * n} characters in ${n} response${n === 1 ? '' : 's'} were not valid UTF-8 and were loaded as U+FFFD (run with --strict to fail instead)`,
      )
      const sums = await duckdbChecksums(join(r.cwd, 'clockodo_pipeline.duckdb'), 'clockodo_data')
      expect(sums[resource]?.rows).toBeGreaterThan(0)
      const strict = await run(resource, workers, ['--strict'])
      expect(strict.code, strict.output).toBe(1)
      expect(strict.output).toMatch(/answered with a body that is not valid UTF-8 \(2 invalid characters\)/)
    },
  )
})

describe('a REST API whose child endpoint ignores page (restApiSource into DuckDB)', () => {
  let api: FrontServer
  const childCalls = { count: 0 }
  beforeAll(async () => {
    api = await startFrontServer(undefined, (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const send = (body: unknown): void => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      if (url.pathname === '/parents') send([{ id: 1 }, { id: 2 }, { id: 3 }])
      else if (url.pathname.endsWith('/children')) {
        childCalls.count++
        // a bare list that ignores `page`
        send([{ id: 'a' }, { id: 'b' }])
      } else if (url.pathname.endsWith('/endless')) {
        childCalls.count++
        const page = Number(url.searchParams.get('page'))
        send([{ id: `p${page}` }])
      } else res.writeHead(404).end()
      return true
    })
  })
  afterAll(() => api?.close())
  beforeEach(() => {
    childCalls.count = 0
  })

  const load = async (paginator: Record<string, unknown>, path = 'children', maxPages?: number) => {
    const cwd = await tempDir('sluice-faults-rest-')
    const source = restApiSource({
      name: 'family',
      client: { baseUrl: api.origin },
      resources: [
        { name: 'parents', endpoint: { path: 'parents', paginator: { type: 'single_page' } } },
        {
          name: 'children',
          endpoint: {
            path: `parents/{resources.parents.id}/${path}`,
            paginator: paginator as never,
            ...(maxPages ? { maxPages } : {}),
          },
        },
      ],
    })
    const p = pipeline({
      pipelineName: 'family',
      destination: duckdb({ path: join(cwd, 'family.duckdb') }),
      pipelinesDir: join(cwd, 'pipelines'),
    })
    const result = await p.run(source, { resources: ['children'] }).catch((e: unknown) => e)
    return { result, cwd }
  }

  test('with totalPath: the missing total fails the run at once', async () => {
    const { result } = await load({ type: 'page_number', basePage: 1, totalPath: 'total_pages' })
    expect(result).toMatchObject({ code: 'PAGINATION_FIELD_MISSING' })
    expect((result as Error).message).toContain(
      `answered without "total_pages" (the paginator's totalPath); the response is a list`,
    )
    expect(childCalls.count).toBeLessThanOrEqual(3)
  })

  test('without a total: a repeated page ends each list with a warning, the rows load once', async () => {
    const { result, cwd } = await load({ type: 'page_number', basePage: 1 })
    const info = result as { warnings: string[] }
    expect(info.warnings).toHaveLength(3)
    expect(info.warnings[0]).toMatch(
      /^children: page 2 \(http:\/\/127\.0\.0\.1:\d+\/parents\/\d\/children\?page=2\) has the same rows as page 1/,
    )
    expect(childCalls.count).toBe(6)
    const sums = await duckdbChecksums(join(cwd, 'family.duckdb'), 'family_dataset')
    expect(sums.children?.rows).toBe(6)
  })

  test('an endless list of new rows stops at maxPages', async () => {
    const { result } = await load({ type: 'page_number', basePage: 1 }, 'endless', 50)
    expect(result).toMatchObject({ code: 'PAGINATION_LIMIT' })
    expect((result as Error).message).toContain('more than 50 pages (maxPages)')
    // one list reached the cap (the others were stopped with it)
    expect(childCalls.count).toBeLessThanOrEqual(3 * 50)
    expect(childCalls.count).toBeGreaterThanOrEqual(50)
  })
})
