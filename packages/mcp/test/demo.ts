// Test fixtures: the demo pipeline (a small simulated Clockodo account) loaded into a destination, and an
// in-memory MCP client.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { DEFAULT_CREDENTIALS, startClockodoMock } from '@sluice/clockodo-mock/server'
import type { Destination, LoadInfo } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { clockodoSource } from '@sluice/source-clockodo'
import { createMcpServer, type McpServerOptions } from '../src/index.ts'

/** Secret values a test puts into the environment and secrets.toml; no tool result may contain them. */
export const SECRET_IN_FILE = 'FILE-SECRET-b7c4e91d2a'
export const SECRET_IN_ENV = 'ENV-SECRET-5d3f0a8c61'

/** A project folder with a secrets.toml holding a recognizable key and a placeholder. */
export async function project(prefix: string): Promise<{ cwd: string; pipelinesDir: string }> {
  const cwd = await mkdtemp(join(tmpdir(), prefix))
  await mkdir(join(cwd, '.sluice'))
  await writeFile(
    join(cwd, '.sluice', 'secrets.toml'),
    `[sources.clockodo]\napi_key = "${SECRET_IN_FILE}"\n\n[sources.other]\ntoken = "your-token"\n`,
    { mode: 0o600 },
  )
  return { cwd, pipelinesDir: join(cwd, 'pipelines') }
}

/** Loads a small simulated Clockodo account with the pipeline `clockodo_pipeline`. */
export async function loadDemo(
  destination: Destination,
  pipelinesDir: string,
  datasetName = 'clockodo_data',
): Promise<LoadInfo> {
  const mock = await startClockodoMock({ seed: 7, size: { users: 3, years: 2, entriesPerWorkday: 2 } })
  try {
    const source = clockodoSource({
      apiUser: DEFAULT_CREDENTIALS.user,
      apiKey: DEFAULT_CREDENTIALS.apiKey,
      baseUrl: mock.baseUrl,
    })
    return await pipeline({
      pipelineName: 'clockodo_pipeline',
      destination,
      datasetName,
      pipelinesDir,
    }).run(source)
  } finally {
    await mock.close()
  }
}

/** A client connected in memory to a fresh server. */
export async function connect(options: McpServerOptions): Promise<Client> {
  const server = createMcpServer({ importer: (s) => import(s), ...options })
  const client = new Client({ name: 'test', version: '1.0.0' })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await Promise.all([client.connect(clientSide), server.connect(serverSide)])
  return client
}

/** A tool result's text and structured content; `isError` as the server set it. */
export interface Called {
  text: string
  structured: Record<string, unknown> | undefined
  isError: boolean
}

/** Calls a tool and records its output in `seen` (for the secret scan). */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  seen: string[],
): Promise<Called> {
  const result = await client.callTool({ name, arguments: args })
  const content = result.content as { type: string; text?: string }[]
  const text = content.map((c) => c.text ?? '').join('\n')
  seen.push(text, JSON.stringify(result.structuredContent ?? null))
  return {
    text,
    structured: result.structuredContent as Record<string, unknown> | undefined,
    isError: result.isError === true,
  }
}
