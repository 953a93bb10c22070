// The two ways to serve: stdio (what agent configs start) and streamable HTTP on loopback with a token.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
// @ts-types="@modelcontextprotocol/sdk/server/streamableHttp"
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { McpServerOptions } from './mcp-context.ts'
import { createMcpServer } from './mcp-server.ts'

/** Serves on stdin/stdout until the client closes stdin. Nothing else may write to stdout meanwhile. */
export async function serveStdio(options: McpServerOptions = {}): Promise<void> {
  const server = createMcpServer(options)
  const transport = new StdioServerTransport()
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve()
  })
  await server.connect(transport)
  process.stdin.on('end', () => void server.close())
  await closed
}

/** Options of {@link serveHttp}. */
export interface HttpServeOptions extends McpServerOptions {
  /** The port on 127.0.0.1. Default 0 (a free one). */
  port?: number
  /** The bearer token every request must carry. Default 32 random bytes, base64url. */
  token?: string
}

/** A running HTTP server. */
export interface HttpServer {
  /** The endpoint, e.g. `http://127.0.0.1:43659/mcp`. */
  url: string
  /** The token clients send as `Authorization: Bearer <token>`. */
  token: string
  close(): Promise<void>
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

/**
 * Serves streamable HTTP on 127.0.0.1 only, at `/mcp`. Every request must name the server by its loopback
 * address in `Host` (and `Origin`, when sent): that stops DNS rebinding; and carry the token. Stateless: each
 * request gets a fresh server.
 */
export async function serveHttp(options: HttpServeOptions = {}): Promise<HttpServer> {
  const token = options.token ?? randomBytes(32).toString('base64url')
  let port = 0
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`]
    if (!hosts.includes(req.headers.host ?? '')) return refuse(res, 403, 'forbidden host')
    const origin = req.headers.origin
    if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`)) {
      return refuse(res, 403, 'forbidden origin')
    }
    const auth = req.headers.authorization ?? ''
    if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), token))
      return refuse(res, 401, 'unauthorized')
    if (new URL(req.url ?? '/', `http://${hosts[0]}`).pathname !== '/mcp')
      return refuse(res, 404, 'not found')
    const server = createMcpServer(options)
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req, res)
  }
  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`[sluice] mcp: ${(error as Error).message}\n`)
      if (!res.headersSent) refuse(res, 500, 'internal error')
    })
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (http.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}
