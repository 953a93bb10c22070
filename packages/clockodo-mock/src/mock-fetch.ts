import type { ClockodoAccount } from './clockodo-account.ts'
import { MockCore, type MockOptions, truncated } from './mock-core.ts'

/**
 * A `fetch` that answers from the simulated account in this process, without sockets: for simulations and
 * benchmarks that run many pages on a fake clock (`options.now` drives the rate-limit windows). Any URL whose path
 * has `/api/` is served (the route is the part after it); others fail like an unreachable host. A reset fault
 * rejects like a network error; `latencyMs` and slow faults are not simulated (no real waiting).
 */
export function clockodoFetch(account: ClockodoAccount, options?: MockOptions): typeof fetch {
  const core = new MockCore(account, options)
  return async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const i = url.pathname.indexOf('/api/')
    if (i < 0) throw new TypeError(`fetch failed: ${url.origin} is not the simulated account`)
    const result = core.handle({
      method: request.method,
      route: url.pathname.slice(i + 4),
      searchParams: url.searchParams,
      header: (name) => request.headers.get(name),
    })
    if (result.fault === 'reset') throw new TypeError('fetch failed: connection reset (injected fault)')
    const body = result.fault === 'truncate' ? truncated(result.body) : result.body
    return new Response(body as BodyInit, { status: result.status, headers: result.headers })
  }
}
