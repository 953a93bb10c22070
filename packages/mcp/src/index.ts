// @sluice/mcp: the MCP server for coding agents and the agent workbench (`sluice mcp`, `sluice ai ...`).

export {
  AGENT_NAMES,
  AGENTS,
  type AgentLayout,
  type AgentName,
  detectAgent,
  type LaunchContext,
  type McpLaunch,
  mcpLaunch,
} from './ai-agents.ts'
export {
  AI_INDEX,
  type AiIndex,
  type FileAction,
  type InstallOptions,
  installToolkit,
  MCP_SERVER_NAME,
  readIndex,
} from './ai-install.ts'
export { type AiStatus, aiStatus } from './ai-status.ts'
export { type Doc, loadToolkit, parseDoc, TOOLKITS_DIR, type Toolkit, toolkitNames } from './ai-toolkits.ts'
export type { McpServerOptions, PipelineRunner } from './mcp-context.ts'
export { formatSchema, type SchemaFormat } from './mcp-schema-format.ts'
export { createMcpServer, MCP_VERSION, toolNames } from './mcp-server.ts'
export { type HttpServeOptions, type HttpServer, serveHttp, serveStdio } from './mcp-transports.ts'
