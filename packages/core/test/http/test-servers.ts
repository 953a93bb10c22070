// Real HTTP servers on 127.0.0.1 for the HTTP security tests: each port is an origin of its own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request a test server received: its URL and headers, and everything as one text to search for secrets. */
export interface Received {
  url: string
  method: string
  headers: IncomingMessage['headers']
  body: string
  /** Method, URL, every header and the body: where a leaked secret would be. */
  raw: string
}

/** A server on 127.0.0.1 that records every request and answers with `handle`. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  received: Received[]
  /** Bytes of response bodies a streaming handler wrote so far (it counts them here). */
  bytesSent: number
  close(): Promise<void>
}

export type Handler = (req: Received, res: ServerResponse, server: TestServer) => void

/** Starts a recording server; `handle` answers (the request body is read first). */
export async function startServer(handle: Handler): Promise<TestServer> {
  const state: TestServer = {
    origin: '',
    received: [],
    bytesSent: 0,
    close: async () => {},
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const received: Received = {
        url: req.url ?? '/',
        method: req.method ?? 'GET',
        headers: req.headers,
        body,
        raw: `${req.method} ${req.url}\n${req.rawHeaders.join('\n')}\n${body}`,
      }
      state.received.push(received)
      handle(received, res, state)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

/** Answers JSON. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
