// MCP resources: each pipeline's schema (YAML) and the summary of its last run (JSON).
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import { redact } from '@sluice/core'
import { listPipelines } from '@sluice/core/node'
import type { McpContext } from './mcp-context.ts'
import { formatSchema } from './mcp-schema-format.ts'
import { isPlaceholder } from './mcp-secrets.ts'
import { runSummary } from './mcp-tools-pipelines.ts'

/** `sluice://pipelines/<name>/schema` and `sluice://pipelines/<name>/last-run`. */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const names = async () => (ctx.scope ? [ctx.scope] : listPipelines(ctx.pipelinesDir))
  const variable = (value: string | string[] | undefined): string =>
    ctx.scope ?? (Array.isArray(value) ? (value[0] ?? '') : (value ?? ''))
  const read = async (uri: URL, name: string, render: (name: string) => Promise<string>) => {
    const secrets = (await ctx.config(name)).secrets.filter((s) => !isPlaceholder(s))
    return { contents: [{ uri: uri.href, text: redact(await render(name), secrets) }] }
  }
  server.registerResource(
    'pipeline-schema',
    new ResourceTemplate('sluice://pipelines/{pipeline}/schema', {
      list: async () => ({
        resources: (await names()).map((n) => ({
          uri: `sluice://pipelines/${n}/schema`,
          name: `${n} schema`,
          mimeType: 'application/yaml',
        })),
      }),
    }),
    {
      title: 'Pipeline schema',
      description: "A pipeline's schema: tables, columns, types, parent tables",
      mimeType: 'application/yaml',
    },
    (uri, vars) =>
      read(uri, variable(vars['pipeline']), async (name) => {
        const schema = await (await ctx.open(name)).schema()
        return schema ? formatSchema(schema, 'yaml') : `# pipeline ${name} has no schema yet\n`
      }),
  )
  server.registerResource(
    'pipeline-last-run',
    new ResourceTemplate('sluice://pipelines/{pipeline}/last-run', {
      list: async () => ({
        resources: (await names()).map((n) => ({
          uri: `sluice://pipelines/${n}/last-run`,
          name: `${n} last run`,
          mimeType: 'application/json',
        })),
      }),
    }),
    {
      title: 'Last run summary',
      description: "The summary of a pipeline's last run",
      mimeType: 'application/json',
    },
    (uri, vars) =>
      read(uri, variable(vars['pipeline']), async (name) => {
        const trace = await (await ctx.open(name)).lastTrace()
        return JSON.stringify(trace ? runSummary(trace) : null, null, 2)
      }),
  )
}
