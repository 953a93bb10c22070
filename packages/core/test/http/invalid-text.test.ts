import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PipelineEvent } from '../../src/events.ts'
import { createHttpClient } from '../../src/http/http-client.ts'
import { nodeFileSystem, nodePageWorkers } from '../../src/node/index.ts'
import { pageReaderHere } from '../../src/page-workers/page-parse.ts'
import type { ParsedPage } from '../../src/page-workers/page-types.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import { restApiSource } from '../../src/source/rest-api-source.ts'
import type { Source } from '../../src/source/source-types.ts'
import { FakeDestination } from '../pipeline/fake-destination.ts'
import { startServer, type TestServer } from './test-servers.ts'

// A body in Latin-1 instead of UTF-8 ("Café Müller": é and ü are one byte each, not UTF-8) is not loaded
// silently with U+FFFD: the run warns with the count (LoadInfo and a warning event), or fails when strict. The
// count comes from the pipeline's thread and from page workers alike. A real server on 127.0.0.1.

// whole pipelines, some with a worker thread: seconds each on a busy machine
vi.setConfig({ testTimeout: 30_000 })

const LATIN1 = Buffer.from(
  JSON.stringify({
    data: [
      { id: 1, name: 'Café Müller' },
      { id: 2, name: 'ok' },
    ],
  }),
  'latin1',
)

let api: TestServer
beforeAll(async () => {
  api = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      new URL(req.url, 'http://x').pathname === '/clean' ? JSON.stringify({ data: [{ id: 3 }] }) : LATIN1,
    )
  })
})
afterAll(() => api?.close())

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-invalid-text-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

function run(source: Source, options: { workers?: boolean; strict?: boolean } = {}) {
  const destination = new FakeDestination('csv')
  const events: PipelineEvent[] = []
  const p = pipeline({
    pipelineName: 'invalid_text',
    destination,
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    onEvent: (e) => events.push(e),
    ...(options.workers ? { pageWorkers: nodePageWorkers({ size: 1 }) } : {}),
  })
  const info = p.run(source, { strict: options.strict ?? false })
  return { info, destination, events }
}

const rest = () =>
  restApiSource({
    name: 'shop',
    client: { baseUrl: api.origin, paginator: { type: 'single_page' } },
    resources: [
      { name: 'customers', endpoint: { path: '/latin1', dataSelector: 'data' } },
      { name: 'orders', endpoint: { path: '/clean', dataSelector: 'data' } },
    ],
  })

describe('a body that is not UTF-8', () => {
  it('restApiSource: loads it with U+FFFD and warns once per resource with the count', async () => {
    const { info, destination, events } = run(rest())
    const { warnings } = await info
    expect(warnings).toEqual([
      `customers: 2 characters in 1 response (the first: ${api.origin}/latin1) were not valid UTF-8 and were loaded as U+FFFD; run with strict to fail instead`,
    ])
    expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toEqual(
      warnings,
    )
    expect(destination.rows('customers').map((r) => r.name)).toEqual(['Caf\ufffd M\ufffdller', 'ok'])
  })

  it('restApiSource: fails the run when it is strict', async () => {
    const error = await run(rest(), { strict: true }).info.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'HTTP_ENCODING' })
    expect((error as Error).message).toContain(
      `GET ${api.origin}/latin1 answered with a body that is not valid UTF-8 (2 invalid characters)`,
    )
  })

  it.each([
    ['the pipeline thread', false],
    ['page workers', true],
  ])('is counted on %s when read with ctx.pageReader', async (_, workers) => {
    const counted: number[] = []
    const source: Source = {
      name: 'paged',
      resources: [
        {
          name: 'items',
          async *read(ctx) {
            const client = createHttpClient({
              baseUrl: api.origin,
              invalidUtf8: ctx.strict ? 'error' : 'replace',
              onInvalidUtf8: ({ replaced }) => counted.push(replaced),
            })
            const reader = (ctx.pageReader ?? pageReaderHere)({ dataKeys: ['data'] })
            yield (await client.request<ParsedPage>({ path: '/latin1' }, { reader, signal: ctx.signal })).body
          },
        },
      ],
    }
    const { info, destination } = run(source, { workers })
    await info
    expect(counted).toEqual([2])
    expect(destination.rows('items').map((r) => r.name)).toEqual(['Caf\ufffd M\ufffdller', 'ok'])
    const strict = await run(source, { workers, strict: true }).info.catch((e: unknown) => e)
    expect(strict).toMatchObject({ code: 'HTTP_ENCODING' })
  })
})
