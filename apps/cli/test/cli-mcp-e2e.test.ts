import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, runCli, tempDir } from './cli-helpers.ts'

// `sluice mcp` as an agent starts it: the built CLI as a child process speaking MCP on stdin/stdout.
let cwd: string
let env: Record<string, string>

beforeAll(async () => {
  cwd = await tempDir('sluice-mcp-stdio-')
  env = { SLUICE_PIPELINES_DIR: join(cwd, 'pipelines') }
  const r = await runCli(['run', '--demo', '--progress', 'none'], { cwd, env })
  expect(r.code, r.stderr).toBe(0)
})

async function connect(args: string[]): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const client = new Client({ name: 'stdio-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, stderr: () => stderr }
}

describe('sluice mcp over stdio', () => {
  it('lists the tools and answers a query on the demo pipeline; logs only on stderr', async () => {
    const { client, stderr } = await connect(['mcp'])
    try {
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toContain('execute_sql_query')
      expect(tools.map((t) => t.name)).not.toContain('run_pipeline')
      const r = await client.callTool({
        name: 'execute_sql_query',
        arguments: {
          pipeline_name: 'clockodo_demo',
          sql_select_query: 'select count(*) > 1000 as many from entries',
          output_format: 'jsonl',
        },
      })
      expect((r.content as { text: string }[])[0]?.text).toBe('{"many":true}')
    } finally {
      await client.close()
    }
    expect(stderr()).toContain('[sluice] MCP server on stdio')
  })

  it('sluice pipeline NAME mcp --allow-run: scoped tools and run_pipeline', async () => {
    const { client } = await connect(['pipeline', 'clockodo_demo', 'mcp', '--allow-run'])
    try {
      const { tools } = await client.listTools()
      const names = tools.map((t) => t.name)
      expect(names).toContain('run_pipeline')
      expect(names).not.toContain('list_pipelines')
      const tables = await client.callTool({ name: 'list_tables', arguments: {} })
      expect((tables.structuredContent as { tables: string[] }).tables).toContain('entries')
      // `sluice run` in the server: without Clockodo credentials it fails as a tool error, the server lives on
      const run = await client.callTool({ name: 'run_pipeline', arguments: {} })
      expect(run.isError).toBe(true)
      expect((run.content as { text: string }[])[0]?.text).toMatch(
        /^run_pipeline failed: missing the Clockodo user e-mail/,
      )
      expect((await client.listTools()).tools.length).toBe(names.length)
    } finally {
      await client.close()
    }
  })
})
