// How sluice's tools are declared and registered: one shape for all, errors and secrets handled in one place.
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { isSluiceError, redact } from '@sluice/core'
import { z } from 'zod'
import type { McpContext } from './mcp-context.ts'
import { isPlaceholder } from './mcp-secrets.ts'

/** A tool's input: zod schemas by argument name. */
export type ToolShape = Record<string, z.ZodType>

/** What a tool returns: the text an agent reads and the same data as structured content. */
export interface ToolOutput {
  text: string
  structured: Record<string, unknown>
}

/** A sluice tool. */
export interface ToolDef<S extends ToolShape> {
  name: string
  title: string
  /** What it does and when to use it, written for an agent. */
  description: string
  /** Takes `pipeline_name` (left out when the server is scoped to one pipeline). */
  pipeline: boolean
  /** Changes nothing. */
  readOnly: boolean
  input: S
  run(args: z.infer<z.ZodObject<S>>, ctx: McpContext & { pipelineName: string }): Promise<ToolOutput>
}

/** A tool of any input shape, for lists of tools. */
// biome-ignore lint/suspicious/noExplicitAny: a list holds tools with different input shapes
export type AnyTool = ToolDef<any>

/** Declares a tool (keeps its argument types). */
export function defineTool<S extends ToolShape>(def: ToolDef<S>): ToolDef<S> {
  return def
}

/** The `output_format` argument of the tools that print rows. */
export const OUTPUT_FORMAT: z.ZodDefault<z.ZodEnum<{ markdown: 'markdown'; jsonl: 'jsonl' }>> = z
  .enum(['markdown', 'jsonl'])
  .default('markdown')
  .describe('markdown: a pipe table (default); jsonl: one JSON object per row')

/** An error as an agent can act on it: its code, message and next step; never a stack. */
export function errorText(toolName: string, error: unknown): string {
  if (isSluiceError(error)) return `${toolName} failed [${error.code}]: ${error.message}`
  return `${toolName} failed: ${error instanceof Error ? error.message : String(error)}`
}

/**
 * Registers a tool: adds `pipeline_name` unless the server is scoped, turns errors into `isError` results, and
 * removes every secret value the configuration knows from the text and the structured content.
 */
export function registerTool<S extends ToolShape>(server: McpServer, def: ToolDef<S>, ctx: McpContext): void {
  const shape: ToolShape = { ...def.input }
  if (def.pipeline && ctx.scope === undefined) {
    shape['pipeline_name'] = z
      .string()
      .min(1)
      .describe('the pipeline (from list_pipelines), e.g. clockodo_pipeline')
  }
  server.registerTool(
    def.name,
    {
      title: def.title,
      description: def.description,
      inputSchema: shape,
      annotations: { title: def.title, readOnlyHint: def.readOnly, openWorldHint: false },
    },
    async (args: Record<string, unknown>) => {
      const pipelineName = ctx.scope ?? (args['pipeline_name'] as string | undefined) ?? ''
      let secrets: readonly string[] = []
      try {
        secrets = (await ctx.config(pipelineName || undefined)).secrets.filter((s) => !isPlaceholder(s))
        const out = await def.run(args as z.infer<z.ZodObject<S>>, { ...ctx, pipelineName })
        return {
          content: [{ type: 'text' as const, text: redact(out.text, secrets) }],
          structuredContent: JSON.parse(redact(JSON.stringify(out.structured), secrets)) as Record<
            string,
            unknown
          >,
        }
      } catch (error) {
        return {
          content: [{ type: 'text' as const, text: redact(errorText(def.name, error), secrets) }],
          isError: true,
        }
      }
    },
  )
}
