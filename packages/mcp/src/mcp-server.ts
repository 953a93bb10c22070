// The sluice MCP server: pipelines, data, secrets and configuration as tools for coding agents.
import { readFileSync } from 'node:fs'
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { createContext, type McpServerOptions } from './mcp-context.ts'
import { registerResources } from './mcp-resources.ts'
import { type AnyTool, registerTool, type ToolDef, type ToolShape } from './mcp-tool.ts'
import { CONFIG_TOOLS } from './mcp-tools-config.ts'
import { DATA_TOOLS } from './mcp-tools-data.ts'
import { PIPELINE_TOOLS } from './mcp-tools-pipelines.ts'
import { RUN_TOOLS } from './mcp-tools-run.ts'
import { SECRETS_TOOLS } from './mcp-tools-secrets.ts'

/** The package's version (announced to clients). */
export const MCP_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/** Every tool, in the order clients list them; `run_pipeline` only with a runner, `list_pipelines` only unscoped. */
const TOOLS: readonly AnyTool[] = [
  ...PIPELINE_TOOLS,
  ...DATA_TOOLS,
  ...SECRETS_TOOLS,
  ...CONFIG_TOOLS,
  ...RUN_TOOLS,
]

/** Names of the tools a server with these options has. */
export function toolNames(options: Pick<McpServerOptions, 'pipeline' | 'run'> = {}): string[] {
  return TOOLS.filter(
    (t) => !(t.name === 'run_pipeline' && !options.run) && !(t.name === 'list_pipelines' && options.pipeline),
  ).map((t) => t.name)
}

/**
 * The sluice MCP server, not yet connected: connect it to a transport (`serveStdio`, `serveHttp`, or the SDK's
 * in-memory transport in tests). Every data tool reads through the pipeline's dataset (read-only in the engine);
 * every result has the secrets of the configuration removed; nothing is logged to stdout.
 *
 * @example await createMcpServer({ cwd: process.cwd() }).connect(new StdioServerTransport())
 */
export function createMcpServer(options: McpServerOptions = {}): McpServer {
  const ctx = createContext(options)
  const server = new McpServer(
    {
      name: options.pipeline ? `sluice pipeline ${options.pipeline}` : 'sluice',
      version: options.version ?? MCP_VERSION,
    },
    {
      instructions:
        'sluice loads APIs into databases. Start with list_pipelines (or get_pipeline_info), inspect data with list_tables, get_table_schema, preview_table and execute_sql_query (read-only), debug runs with get_last_run_summary, and handle credentials only through secrets_list, secrets_view_redacted and secrets_update_fragment (placeholders only).',
    },
  )
  const names = new Set(toolNames(options))
  for (const tool of TOOLS) if (names.has(tool.name)) registerTool(server, tool as ToolDef<ToolShape>, ctx)
  registerResources(server, ctx)
  return server
}
