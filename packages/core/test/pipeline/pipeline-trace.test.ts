import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redact, SluiceError } from '../../src/errors.ts'
import type { PipelineEvent } from '../../src/events.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import { restApiSource } from '../../src/source/rest-api-source.ts'
import type { RestApiSourceConfig } from '../../src/source/rest-api-types.ts'
import type { Source } from '../../src/source/source-types.ts'
import { createManualClock } from '../../src/testing/manual-clock.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'

// The trace of a run counts retries and rate-limit waits per resource, and keeps a failed run's code, hint and
// stack without secrets.
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

let dir: string
useTempDir('sluice-trace-', (d) => {
  dir = d
})

const BASE = 'https://api.example.test'
const TOKEN = 'tok-SECRET-4711'

function make() {
  const events: PipelineEvent[] = []
  const p = pipeline({
    pipelineName: 'trace_pipeline',
    destination: new FakeDestination(),
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    onEvent: (e) => events.push(e),
  })
  return { p, events }
}

function rest(clock: ReturnType<typeof createManualClock>): Source {
  return restApiSource({
    name: 'api',
    client: {
      baseUrl: BASE,
      clock,
      auth: { type: 'bearer', token: TOKEN },
      paginator: { type: 'page_number', basePage: 1, totalPath: 'pages' },
    },
    resources: [
      { name: 'users', endpoint: { path: 'users', rateLimit: [{ limit: 1, intervalMs: 1000, name: 'ep' }] } },
      { name: 'projects', endpoint: 'projects' },
    ],
  } as RestApiSourceConfig)
}

/** Sums the waits of the events of one type and resource. */
function waited(events: PipelineEvent[], type: 'retry' | 'rate-limit-wait', resource: string) {
  const mine = events.filter(
    (e): e is Extract<PipelineEvent, { type: typeof type }> => e.type === type && e.resource === resource,
  )
  return { count: mine.length, ms: mine.reduce((sum, e) => sum + e.waitMs, 0) }
}

describe('run trace', () => {
  it('counts retries (429, 500) and rate-limit waits per resource', async () => {
    const calls = { users: 0 }
    server.use(
      http.get(`${BASE}/users`, ({ request }) => {
        calls.users++
        if (calls.users === 1) return new HttpResponse(null, { status: 429, headers: { 'Retry-After': '3' } })
        if (calls.users === 2) return new HttpResponse(null, { status: 500 })
        const page = Number(new URL(request.url).searchParams.get('page'))
        return HttpResponse.json({ pages: 3, data: [{ id: page }] })
      }),
      http.get(`${BASE}/projects`, () => HttpResponse.json({ pages: 1, data: [{ id: 1 }] })),
    )
    const clock = createManualClock()
    const { p, events } = make()
    const info = await clock.run(p.run(rest(clock)))
    expect(info.tables.users?.rows).toBe(3)
    const retries = waited(events, 'retry', 'users')
    const limits = waited(events, 'rate-limit-wait', 'users')
    expect(retries.count).toBe(2)
    expect(retries.ms).toBeGreaterThanOrEqual(3000)
    expect(limits.count).toBeGreaterThan(0)
    const trace = await p.lastTrace()
    expect(trace?.waits).toEqual([
      {
        resource: 'users',
        retries: 2,
        retryWaitMs: retries.ms,
        rateLimitWaits: limits.count,
        rateLimitWaitMs: limits.ms,
      },
    ])
    expect(trace?.error).toBeUndefined()
    expect(trace?.errorStack).toBeUndefined()
  })

  it('records no waits for a run without any', async () => {
    const { p } = make()
    await p.run({
      name: 's',
      resources: [
        {
          name: 'r',
          async *read() {
            yield [{ id: 1 }]
          },
        },
      ],
    })
    expect((await p.lastTrace())?.waits).toBeUndefined()
  })

  it('keeps the code, hint and stack of a failed run, without the token', async () => {
    server.use(
      http.get(`${BASE}/users`, () => HttpResponse.json({ error: TOKEN }, { status: 401 })),
      http.get(`${BASE}/projects`, () => HttpResponse.json({ pages: 1, data: [] })),
    )
    const clock = createManualClock()
    const { p } = make()
    const error = await clock.run(p.run(rest(clock))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SluiceError)
    const trace = await p.lastTrace()
    expect(trace?.error).toBe((error as Error).message)
    expect(trace?.errorCode).toBe((error as SluiceError).code)
    expect(trace?.errorHint).toBe('check the credentials (API key, user, token)')
    expect(trace?.errorStack).toMatch(/^SluiceError: .*\n\s+at \S/)
    expect(trace?.errorStack?.startsWith(`SluiceError: ${trace.error}\n`)).toBe(true)
    const file = await readFile(join(dir, 'trace_pipeline', 'trace.json'), 'utf8')
    expect(file).not.toContain(TOKEN)
  })

  it('builds the stack from the redacted message, not from the stack text the secret is still in', async () => {
    const failing: Source = {
      name: 's',
      resources: [
        {
          name: 'r',
          // biome-ignore lint/correctness/useYield: fails before its first page
          async *read() {
            const e = new SluiceError('HTTP_NETWORK', `GET ${BASE}/x?key=${TOKEN} failed`, {
              hint: 'retry later',
            })
            expect(e.stack).toContain(TOKEN) // the stack text is fixed now, with the secret in it
            e.message = redact(e.message, [TOKEN])
            throw e
          },
        },
      ],
    }
    const { p } = make()
    await expect(p.run(failing)).rejects.toThrow('key=***')
    const trace = await p.lastTrace()
    expect(trace?.errorCode).toBe('HTTP_NETWORK')
    expect(trace?.errorHint).toBe('retry later')
    expect(trace?.errorStack).toMatch(/^SluiceError: GET .*key=\*\*\* failed: retry later\n\s+at /)
    expect(JSON.stringify(trace)).not.toContain(TOKEN)
  })

  it('stores no code, hint or stack for a thrown non-error', async () => {
    const { p } = make()
    const failing: Source = {
      name: 's',
      resources: [
        {
          name: 'r',
          // biome-ignore lint/correctness/useYield: fails before its first page
          async *read() {
            throw 'plain'
          },
        },
      ],
    }
    await expect(p.run(failing)).rejects.toBe('plain')
    const trace = await p.lastTrace()
    expect(trace).toMatchObject({ error: 'plain' })
    expect(trace?.errorCode ?? trace?.errorHint ?? trace?.errorStack).toBeUndefined()
  })
})
