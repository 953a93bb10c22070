// `sluice ai status`: what is installed for which agent, and whether the MCP server starts.
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { AgentName } from './ai-agents.ts'
import { readIndex } from './ai-install.ts'
import { loadToolkit } from './ai-toolkits.ts'
import { createMcpServer, MCP_VERSION } from './mcp-server.ts'

/** What {@link aiStatus} reports. */
export interface AiStatus {
  version: string
  /** The agent `sluice ai init` wrote for; undefined before it ran. */
  agent: AgentName | undefined
  toolkits: { name: string; installedAt: string; entry?: string }[]
  /** Whether the MCP server starts here and lists its tools; the error otherwise. */
  mcp: { starts: true; tools: number } | { starts: false; error: string }
  warnings: string[]
}

/** The AI setup of a project (`cwd`). */
export async function aiStatus(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AiStatus> {
  const index = await readIndex(cwd)
  const toolkits: AiStatus['toolkits'] = []
  for (const [name, { installedAt }] of Object.entries(index?.toolkits ?? {})) {
    const entry = await loadToolkit(name).then(
      (t) => t.entry,
      () => undefined,
    )
    toolkits.push({ name, installedAt, ...(entry ? { entry } : {}) })
  }
  let mcp: AiStatus['mcp']
  try {
    const client = new Client({ name: 'sluice-ai-status', version: MCP_VERSION })
    const [a, b] = InMemoryTransport.createLinkedPair()
    await Promise.all([client.connect(a), createMcpServer({ cwd, env }).connect(b)])
    mcp = { starts: true, tools: (await client.listTools()).tools.length }
    await client.close()
  } catch (error) {
    mcp = { starts: false, error: (error as Error).message }
  }
  const warnings: string[] = []
  if (!index) warnings.push('not initialized: run `sluice ai init`')
  else if (!index.toolkits['init']) warnings.push('the init toolkit is missing: run `sluice ai init`')
  if (index && Object.keys(index.toolkits).length <= 1) {
    warnings.push('no toolkit besides init: see `sluice ai toolkit list`')
  }
  return { version: MCP_VERSION, agent: index?.agent, toolkits, mcp, warnings }
}
