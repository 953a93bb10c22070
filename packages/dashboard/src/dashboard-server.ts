// serveDashboard: the app on the runtime's own server (Deno.serve under Deno, @hono/node-server on Node.js).
import { loadConfig } from '@sluice/core/node'
import { dashboardApp } from './dashboard-app.ts'
import { randomToken } from './dashboard-guard.ts'
import type { Dashboard, DashboardOptions } from './dashboard-types.ts'

/** Rows a query returns unless it asks for fewer. */
export const DEFAULT_QUERY_LIMIT = 1000

type Handler = (request: Request) => Response | Promise<Response>

interface Listening {
  port: number
  close(): Promise<void>
}

interface DenoServe {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: Handler,
  ): { addr: { port: number }; shutdown(): Promise<void> }
}

async function listen(handler: Handler, host: string, port: number): Promise<Listening> {
  const deno = (globalThis as { Deno?: DenoServe }).Deno
  if (deno) {
    const server = deno.serve({ hostname: host, port, onListen: () => {} }, handler)
    return { port: server.addr.port, close: () => server.shutdown() }
  }
  const { serve } = await import('@hono/node-server')
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: handler, hostname: host, port }, (info) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
            server.close(() => done())
          }),
      }),
    )
    server.once('error', reject)
  })
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Serves the dashboard of a pipelines directory until `close()`: binds `127.0.0.1` on a free port by default and
 * answers only requests that carry the token (`url` has it) and name this server in their Host header.
 *
 * @example
 * await using dashboard = await serveDashboard({ pipelinesDir: './pipelines', pipeline: 'clockodo_pipeline' })
 * console.log(dashboard.url)
 */
export async function serveDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomToken()
  const secrets = [...(options.config ?? (await loadConfig())).secrets]
  const pipelines = {
    ...(options.pipelinesDir ? { pipelinesDir: options.pipelinesDir } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.importer ? { importer: options.importer } : {}),
  }
  let app: { fetch: Handler } | undefined
  const listening = await listen((request) => app!.fetch(request), host, options.port ?? 0)
  app = dashboardApp({
    token,
    port: listening.port,
    host,
    pipelines,
    secrets,
    queryLimit: options.queryLimit ?? DEFAULT_QUERY_LIMIT,
  })
  const path = options.pipeline ? `/pipelines/${encodeURIComponent(options.pipeline)}` : '/'
  let closed: Promise<void> | undefined
  const close = () => (closed ??= listening.close())
  return {
    url: `http://${urlHost(host)}:${listening.port}${path}?token=${token}`,
    port: listening.port,
    host,
    token,
    close,
    [Symbol.asyncDispose]: close,
  }
}
