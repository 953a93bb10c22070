// @sluice/mcp: the MCP server for coding agents and the agent workbench (`sluice mcp`, `sluice ai ...`).
export type { McpServerOptions, PipelineRunner } from './mcp-context.ts'
export { formatSchema, type SchemaFormat } from './mcp-schema-format.ts'
export { createMcpServer, MCP_VERSION, toolNames } from './mcp-server.ts'
export { type HttpServeOptions, type HttpServer, serveHttp, serveStdio } from './mcp-transports.ts'
