import type { Config } from '../config/config-resolve.ts'
import { recordProvider } from '../destination/destination-resolve.ts'
import type { Destination } from '../destination/destination-types.ts'
import { pipeline as corePipeline } from '../pipeline/pipeline-runner.ts'
import type { Pipeline, PipelineOptions } from '../pipeline/pipeline-types.ts'
import type { FileSystem } from '../storage/file-system.ts'
import { pipelineNames } from '../storage/load-package-store.ts'
import type { DestinationRecord } from '../storage/package-types.ts'
import { loadConfig } from './node-config.ts'
import {
  type LoadDestinationOptions,
  type ResolveDestinationOptions,
  resolveDestination,
} from './node-destinations.ts'
import { nodeFileSystem } from './node-file-system.ts'
import { defaultPipelinesDir } from './node-paths.ts'

/** Options of {@link pipeline} on Node.js and Deno: core's, with the file system and directory defaulted. */
export interface NodePipelineOptions extends Omit<PipelineOptions, 'fs' | 'pipelinesDir'> {
  /** The file system of the load packages. Default `nodeFileSystem()`. */
  fs?: FileSystem
  /** The directory of local state and load packages. Default `~/.sluice/pipelines` ({@link defaultPipelinesDir}). */
  pipelinesDir?: string
  /**
   * Where the secrets of a recorded destination come from when no `destination` is given. Default
   * `loadConfig()`: the environment variables and `.sluice/*.toml` of the working directory.
   */
  config?: Config
  /** How a recorded destination's package is imported (see `LoadDestinationOptions.importer`). */
  importer?: LoadDestinationOptions['importer']
}

/** Options of {@link recordedDestination}. */
export interface RecordedDestinationOptions extends ResolveDestinationOptions {
  /** Settings and secrets given now; they win over the recorded settings. Default `loadConfig()`. */
  config?: Config
}

/**
 * Rebuilds the destination a pipeline recorded: its package by name, `[destination.<name>]` from `config` (the
 * environment and `.sluice/*.toml` by default, which win) over the recorded settings.
 */
export async function recordedDestination(
  record: DestinationRecord,
  options: RecordedDestinationOptions,
): Promise<Destination> {
  const config = options.config ?? (await loadConfig({ pipelineName: options.pipelineName }))
  return resolveDestination(record.name, config.withFallback(recordProvider(record)), options)
}

/** Names of the pipelines in a pipelines directory (default `~/.sluice/pipelines`), sorted. */
export function listPipelines(
  pipelinesDir: string = defaultPipelinesDir(),
  fs: FileSystem = nodeFileSystem(),
): Promise<string[]> {
  return pipelineNames(fs, pipelinesDir)
}

/**
 * Core's `pipeline` for Node.js and Deno: the same pipeline, with `fs` defaulting to `nodeFileSystem()` and
 * `pipelinesDir` to `~/.sluice/pipelines`. Without a `destination` it rebuilds the one it recorded at its last run
 * ({@link recordedDestination}). Nothing touches the disk until a method is called.
 *
 * @example const rows = await pipeline({ pipelineName: 'clockodo_pipeline' }).dataset().table('entries').head().rows()
 */
export function pipeline(options: NodePipelineOptions): Pipeline {
  const { config, importer, ...rest } = options
  return corePipeline({
    destinationFromRecord: (record) =>
      recordedDestination(record, {
        pipelineName: options.pipelineName,
        ...(config ? { config } : {}),
        ...(importer ? { importer } : {}),
      }),
    ...rest,
    fs: options.fs ?? nodeFileSystem(),
    pipelinesDir: options.pipelinesDir ?? defaultPipelinesDir(),
  })
}
