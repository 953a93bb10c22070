// `run_pipeline`: registered only when the server was started with a runner (`sluice mcp --allow-run`).
import { z } from 'zod'
import { type AnyTool, defineTool } from './mcp-tool.ts'

const runPipelineTool = defineTool({
  name: 'run_pipeline',
  title: 'Run a pipeline',
  description:
    'Runs the pipeline like `sluice run --pipeline-name NAME` (its recorded destination and dataset, secrets from the environment and .sluice/secrets.toml) and reports the load info: packages loaded, rows per table, warnings and failed jobs. It calls the API and writes to the destination: ask the user first. Use resources to load a small slice while developing.',
  pipeline: true,
  readOnly: false,
  input: {
    resources: z.array(z.string().min(1)).optional().describe('load only these resources (default all)'),
  },
  async run(args, ctx) {
    if (!ctx.run) throw new Error('this server was started without --allow-run')
    const info = await ctx.run(ctx.pipelineName, args.resources ? { resources: args.resources } : {})
    const rows = Object.entries(info.tables)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, { rows: n }]) => `  ${t}: ${n}`)
    const text = [
      `pipeline ${info.pipelineName} loaded ${info.loadIds.length} package(s) into ${info.destinationName} (dataset ${info.datasetName})`,
      ...(rows.length ? ['rows per table:', ...rows] : ['nothing new to load']),
      ...info.warnings.map((w) => `warning: ${w}`),
      ...info.failedJobs.map((f) => `failed job ${f.jobId} (${f.table}): ${f.error}`),
    ].join('\n')
    return { text, structured: { loadInfo: JSON.parse(JSON.stringify(info)) as Record<string, unknown> } }
  },
})

/** The tools of this file, in the order clients list them. */
export const RUN_TOOLS: readonly AnyTool[] = [runPipelineTool]
