import { type HttpHandler, HttpResponse, http } from 'msw'
import type { ClockodoAccount } from './clockodo-account.ts'
import { CURRENT_ROUTES, MockCore, type MockOptions, RETIRED_ROUTES, truncated } from './mock-core.ts'
import type { MockResult } from './mock-responses.ts'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Turns a core result into an msw response (reset: network error; truncate: half the body). */
async function toMswResponse(result: MockResult): Promise<Response> {
  if (result.delayMs > 0) await sleep(result.delayMs)
  if (result.fault === 'reset') return HttpResponse.error()
  const body = result.fault === 'truncate' ? truncated(result.body) : result.body
  return new HttpResponse(body as BodyInit, { status: result.status, headers: result.headers })
}

/** The path below the API base: after '/api' when the URL has it, else the matched route's tail (real case). */
function routeOf(pathname: string, route: string): string {
  const i = pathname.indexOf('/api/')
  if (i >= 0) return pathname.slice(i + 4)
  if (route.includes(':id')) {
    const m = /\/v2\/users\/[^/]+\/access\/[^/]+$/.exec(pathname)
    return m ? m[0] : pathname
  }
  // msw matches case-insensitively: take the path's tail with its real case so a wrong case answers 404
  return pathname.slice(pathname.length - route.length)
}

function handlerFor(core: MockCore, route: string, pattern: string): HttpHandler {
  return http.all(pattern, async ({ request }) => {
    const url = new URL(request.url)
    return toMswResponse(
      core.handle({
        method: request.method,
        route: routeOf(url.pathname, route),
        searchParams: url.searchParams,
        header: (name) => request.headers.get(name),
      }),
    )
  })
}

/**
 * msw handlers for every list endpoint of the simulated account (paths like '*\/v2/entries', so any base URL works),
 * followed by the retired routes (410) and a catch-all for '*\/api/*' (404).
 * MUST be used with `onUnhandledRequest: 'error'`. Handlers of one call share credentials, rate limits, faults and cache.
 */
export function clockodoHandlers(account: ClockodoAccount, options?: MockOptions): HttpHandler[] {
  const core = new MockCore(account, options)
  const handlers = CURRENT_ROUTES.map((r) => handlerFor(core, r, '*' + r))
  for (const r of RETIRED_ROUTES) handlers.push(handlerFor(core, r, '*' + r))
  handlers.push(
    http.all('*/api/*', async ({ request }) => {
      const url = new URL(request.url)
      const i = url.pathname.indexOf('/api/')
      return toMswResponse(
        core.handle({
          method: request.method,
          route: url.pathname.slice(i + 4),
          searchParams: url.searchParams,
          header: (name) => request.headers.get(name),
        }),
      )
    }),
  )
  return handlers
}
