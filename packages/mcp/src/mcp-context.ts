// What every tool call gets: the project, the pipelines directory, and configuration read again from disk.
import process from 'node:process'
import type { Config, LoadInfo, Pipeline } from '@sluice/core'
import { defaultPipelinesDir, loadConfig, type ModuleImporter, openPipeline } from '@sluice/core/node'

/** Runs a pipeline for `run_pipeline` (the CLI passes `sluice run`); resolves with what the run loaded. */
export type PipelineRunner = (
  pipelineName: string,
  options: { resources?: string[]; signal?: AbortSignal },
) => Promise<LoadInfo>

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  /** The project directory: its `.sluice/config.toml` and `.sluice/secrets.toml` are read at every call. Default `process.cwd()`. */
  cwd?: string
  /** The environment variables (configuration like `DESTINATION__POSTGRES__CREDENTIALS`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** The pipelines directory. Default `$SLUICE_PIPELINES_DIR`, else `~/.sluice/pipelines`. */
  pipelinesDir?: string
  /**
   * Scopes the server to one pipeline (`sluice pipeline NAME mcp`): its tools take no `pipeline_name`, and
   * `list_pipelines` is left out. Default none: every pipeline of the directory.
   */
  pipeline?: string
  /** Registers `run_pipeline`, which calls it. Default none: the server cannot run anything. */
  run?: PipelineRunner
  /** How destination packages are imported (see `LoadDestinationOptions.importer`). Default core's. */
  importer?: ModuleImporter
  /** Most rows `execute_sql_query` and `preview_table` return. Default 500. */
  maxRows?: number
  /** Server version announced to clients. Default the package's. */
  version?: string
}

/** The resolved options and the per-call helpers the tools share. */
export interface McpContext {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly pipelinesDir: string
  readonly scope: string | undefined
  readonly maxRows: number
  readonly run: PipelineRunner | undefined
  readonly importer: ModuleImporter | undefined
  /** Configuration as `sluice run` reads it, read again from disk now. */
  config(pipelineName?: string): Promise<Config>
  /** A pipeline that has run (`PIPELINE_UNKNOWN` otherwise), its destination's secrets resolved now. */
  open(pipelineName: string): Promise<Pipeline>
}

/** Resolves the options into the context the tools use. */
export function createContext(options: McpServerOptions = {}): McpContext {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const pipelinesDir = options.pipelinesDir ?? env['SLUICE_PIPELINES_DIR'] ?? defaultPipelinesDir()
  const config = (pipelineName?: string) =>
    loadConfig({ cwd, env, ...(pipelineName ? { pipelineName } : {}) })
  return {
    cwd,
    env,
    pipelinesDir,
    scope: options.pipeline,
    maxRows: options.maxRows ?? 500,
    run: options.run,
    importer: options.importer,
    config,
    open: async (pipelineName) =>
      openPipeline(pipelineName, {
        pipelinesDir,
        config: await config(pipelineName),
        ...(options.importer ? { importer: options.importer } : {}),
      }),
  }
}
