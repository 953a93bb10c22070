import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AccountSize, type ClockodoAccount, createClockodoAccount } from './clockodo-account.ts'
import { MockCore, type MockOptions, truncated } from './mock-core.ts'

export { DEFAULT_CREDENTIALS } from './mock-core.ts'

/** Options of {@link startClockodoMock}. */
export type StartClockodoMockOptions = {
  /** Port; 0 (default) picks a free one. */
  port?: number
  /** Host to bind. Default 127.0.0.1. */
  host?: string
  /** Seed of a new account (ignored when `account` is given). Default 1. */
  seed?: number
  /** Size of a new account. */
  size?: AccountSize
  /** "Today" of a new account (YYYY-MM-DD). */
  today?: string
  /** Serve this account instead of creating one. */
  account?: ClockodoAccount
} & MockOptions

/** A running simulated Clockodo API. */
export interface RunningClockodoMock {
  /** e.g. http://127.0.0.1:PORT/api */
  baseUrl: string
  account: ClockodoAccount
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/**
 * Serves the simulated account over real HTTP (node:http) under /api, with the same behaviour as {@link clockodoHandlers}.
 * Connection resets destroy the socket; truncation sends a full Content-Length and closes after half the body.
 */
export async function startClockodoMock(
  options: StartClockodoMockOptions = {},
): Promise<RunningClockodoMock> {
  const account =
    options.account ?? createClockodoAccount({ seed: options.seed, today: options.today, ...options.size })
  const core = new MockCore(account, options)
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void serve(core, req, res)
  })
  server.keepAliveTimeout = 30_000
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}/api`,
    account,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}

async function serve(core: MockCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const inApi = url.pathname.startsWith('/api/')
  const result = core.handle({
    method: req.method ?? 'GET',
    route: inApi ? url.pathname.slice(4) : '/(outside /api)' + url.pathname,
    searchParams: url.searchParams,
    header: (name) => {
      const v = req.headers[name]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    },
  })
  // unref: a pending slow answer must not keep a process alive after close()
  if (result.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, result.delayMs).unref())
  if (res.destroyed) return
  if (result.fault === 'reset') {
    req.socket.destroy()
    return
  }
  const full = typeof result.body === 'string' ? Buffer.from(result.body) : result.body
  res.writeHead(result.status, { ...result.headers, 'content-length': String(full.length) })
  if (result.fault === 'truncate') {
    res.write(truncated(full), () => req.socket.destroy())
    return
  }
  res.end(full)
}
