import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request a {@link FrontServer} saw: what a leaked credential would be in. */
export interface SeenRequest {
  method: string
  /** Path and query. */
  url: string
  headers: IncomingMessage['headers']
  /** The request line and every header, as one text to search. */
  raw: string
}

/** A server on 127.0.0.1 in front of an API: it answers some requests itself and forwards the rest. */
export interface FrontServer {
  /** `http://127.0.0.1:<port>` (an origin of its own). */
  origin: string
  /** Every request it received. */
  readonly seen: SeenRequest[]
  /** Bytes of response bodies its handlers counted (see {@link FrontHandler}). */
  bytesSent: number
  close(): Promise<void>
}

/**
 * Answers a request itself (returns true), or leaves it to be forwarded (false). A handler that streams a body
 * adds what it writes to `front.bytesSent`.
 */
export type FrontHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  front: FrontServer,
  forward: (transform?: (status: number, body: Buffer) => Buffer) => void,
) => boolean

/**
 * Starts a server on 127.0.0.1 that records every request, lets `handle` answer it, and forwards the rest to
 * `target` (the simulated Clockodo account). `forward(transform)` forwards and lets the test rewrite the body.
 */
export async function startFrontServer(
  target: string | undefined,
  handle: FrontHandler,
): Promise<FrontServer> {
  const front: FrontServer = { origin: '', seen: [], bytesSent: 0, close: async () => {} }
  const server = createServer((req, res) => {
    front.seen.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      raw: `${req.method} ${req.url}\n${req.rawHeaders.join('\n')}`,
    })
    const forward = (transform?: (status: number, body: Buffer) => Buffer): void => {
      if (!target) {
        res.writeHead(502).end()
        return
      }
      const to = new URL(target)
      // ask for an uncompressed body so that a transform sees the bytes
      const headers = { ...req.headers, host: to.host, 'accept-encoding': 'identity' }
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers },
        (up) => {
          if (!transform) {
            res.writeHead(up.statusCode ?? 502, up.headers)
            up.pipe(res)
            return
          }
          const chunks: Buffer[] = []
          up.on('data', (c: Buffer) => chunks.push(c))
          up.on('end', () => {
            const body = transform(up.statusCode ?? 502, Buffer.concat(chunks))
            const { 'content-length': _, 'transfer-encoding': __, ...rest } = up.headers
            res.writeHead(up.statusCode ?? 502, { ...rest, 'content-length': body.length })
            res.end(body)
          })
        },
      )
      upstream.on('error', () => res.destroy())
      req.pipe(upstream)
    }
    if (!handle(req, res, front, forward)) forward()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  front.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  front.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return front
}
