import { delay, HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../events.ts'
import { createManualClock } from '../testing/manual-clock.ts'
import { createHttpClient } from './http-client.ts'
import type { AuthConfig } from './http-types.ts'
import { paginate } from './paginate.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const BASE = 'https://api.example.test'
const SECRETS = ['qu3ry-k3y/+=', 'h3ader-k3y', 'b4sic-pässword', 'b3arer-tok3n', 'extra-s3cret']

const auths: AuthConfig[] = [
  { type: 'api_key', name: 'api_key', value: SECRETS[0]!, location: 'query' },
  {
    type: 'api_keys',
    headers: { 'X-ClockodoApiUser': 'someone@example.test', 'X-ClockodoApiKey': SECRETS[1]! },
  },
  { type: 'http_basic', username: 'someone', password: SECRETS[2]! },
  { type: 'bearer', token: SECRETS[3]! },
]

/** Every text a user could see: messages, hints, causes, events. */
function surface(error: unknown, events: PipelineEvent[]): string {
  const parts: string[] = [JSON.stringify(events)]
  let e = error as { message?: string; hint?: string; cause?: unknown; url?: string } | undefined
  for (let depth = 0; e && depth < 5; depth++) {
    parts.push(String(e.message), String(e.hint), String(e.url), JSON.stringify(e))
    e = e.cause as typeof e
  }
  return parts.join('\n')
}

describe('no credential ever appears in an error message or event', () => {
  it.each(auths.map((a) => [a.type, a] as const))('%s', async (_, auth) => {
    // every failure mode; the API also echoes the credentials it received
    const echo = (request: Request): string =>
      `you sent ${request.url} ${request.headers.get('authorization')} ${request.headers.get('x-clockodoapikey')} and extra-s3cret`
    let n = 0
    server.use(
      http.get(`${BASE}/fail/:kind`, async ({ request, params }) => {
        switch (params['kind']) {
          case 'status':
            return HttpResponse.json({ error: { message: echo(request) } }, { status: 401 })
          case 'retry':
            return HttpResponse.json({ errors: [{ message: echo(request) }] }, { status: 503 })
          case 'html':
            return HttpResponse.html(`<html>${echo(request)}</html>`)
          case 'cut':
            return new HttpResponse(`{"x": "${echo(request)}`, {
              headers: { 'content-type': 'application/json' },
            })
          case 'network':
            return HttpResponse.error()
          case 'slow':
            await delay('infinite')
            return HttpResponse.json({})
          default:
            n++
            return HttpResponse.json({
              data: [1],
              next: n < 2 ? `${BASE}/fail/ok?page=2&token=${SECRETS[4]}` : null,
            })
        }
      }),
    )
    for (const kind of ['status', 'retry', 'html', 'cut', 'network', 'slow', 'ok']) {
      const clock = createManualClock()
      const events: PipelineEvent[] = []
      const client = createHttpClient({
        baseUrl: `https://user:${SECRETS[4]}@api.example.test`,
        auth,
        clock,
        secrets: [SECRETS[4]!],
        timeoutMs: 1000,
        retry: { maxAttempts: 2 },
        emit: (e) => events.push(e),
      })
      let error: unknown
      await clock
        .run(
          (async () => {
            for await (const _ of paginate(client, { path: `/fail/${kind}`, params: { q: 1 } })) {
              // drain
            }
          })(),
        )
        .catch((e) => {
          error = e
        })
      if (kind !== 'ok') expect(error, kind).toBeDefined()
      expect(events.length, kind).toBeGreaterThan(0)
      const text = surface(error, events)
      for (const s of SECRETS) {
        expect(text, `${kind} leaks ${s}`).not.toContain(s)
        expect(text, `${kind} leaks ${s} (URL-encoded)`).not.toContain(encodeURIComponent(s))
      }
      expect(text).not.toContain('user:')
    }
  })
})
