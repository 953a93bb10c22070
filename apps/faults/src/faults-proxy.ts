import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A counting HTTP proxy in front of an API: how many requests reached it per path. */
export interface CountingProxy {
  /** The proxy's base URL, with the target's path (e.g. http://127.0.0.1:PORT/api). */
  baseUrl: string
  /** Requests per path (query left out), e.g. `/api/v2/entries`. */
  readonly counts: Map<string, number>
  /** Requests to paths that contain `fragment`. */
  count(fragment: string): number
  close(): Promise<void>
}

/**
 * Starts a proxy on 127.0.0.1 that forwards every request to `targetBaseUrl`'s host and counts it.
 * `refuse(path)` may return an HTTP status to answer instead (with a Clockodo-style error body), e.g. 403.
 */
export async function startCountingProxy(
  targetBaseUrl: string,
  refuse?: (path: string) => number | undefined,
): Promise<CountingProxy> {
  const target = new URL(targetBaseUrl)
  const counts = new Map<string, number>()
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    counts.set(path, (counts.get(path) ?? 0) + 1)
    const status = refuse?.(path)
    if (status !== undefined) {
      const body = JSON.stringify({
        errors: [
          { type: 'refused', message: `refused by the test proxy (${status})`, details: null, path: null },
        ],
      })
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
      req.resume()
      return
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    counts,
    count: (fragment) => [...counts].filter(([p]) => p.includes(fragment)).reduce((n, [, c]) => n + c, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
