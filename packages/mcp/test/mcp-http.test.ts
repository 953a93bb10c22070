import { request } from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpServer, serveHttp, toolNames } from '../src/index.ts'
import { project } from './demo.ts'

let server: HttpServer

beforeAll(async () => {
  const { cwd, pipelinesDir } = await project('sluice-mcp-http-')
  server = await serveHttp({ cwd, pipelinesDir, env: {} })
})
afterAll(() => server?.close())

/** A raw POST with chosen headers (fetch cannot set Host). */
function post(headers: Record<string, string>, path = '/mcp'): Promise<number> {
  const { port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }))
  })
}

describe('the MCP server over HTTP', () => {
  it('listens on 127.0.0.1 with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    expect(server.token.length).toBeGreaterThanOrEqual(40)
  })

  it('refuses a foreign Host or Origin, a missing or wrong token, and other paths', async () => {
    const { host } = new URL(server.url)
    const auth = { authorization: `Bearer ${server.token}` }
    expect(await post({ ...auth, host: `evil.example:${new URL(server.url).port}` })).toBe(403)
    expect(await post({ ...auth, host, origin: 'http://evil.example' })).toBe(403)
    expect(await post({ host })).toBe(401)
    expect(await post({ host, authorization: `Bearer ${server.token}x` })).toBe(401)
    expect(await post({ ...auth, host }, '/other')).toBe(404)
  })

  it('serves the tools to a client that sends the token', async () => {
    const client = new Client({ name: 'test', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${server.token}` } },
      }),
    )
    try {
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toEqual(toolNames())
      const r = await client.callTool({ name: 'list_pipelines', arguments: {} })
      expect((r.content as { text: string }[])[0]?.text).toMatch(/^no pipelines in /)
    } finally {
      await client.close()
    }
  })
})
