import type { Config } from '../config/config-resolve.ts'
import { SluiceError } from '../errors.ts'
import type { Pipeline } from '../pipeline/pipeline-types.ts'
import type { FileSystem } from '../storage/file-system.ts'
import type { LoadDestinationOptions } from './node-destinations.ts'
import { nodeFileSystem } from './node-file-system.ts'
import { defaultPipelinesDir } from './node-paths.ts'
import { listPipelines, pipeline } from './node-pipeline.ts'

/** Options of {@link openPipeline}. */
export interface OpenPipelineOptions {
  /** The pipelines directory. Default `~/.sluice/pipelines` ({@link defaultPipelinesDir}). */
  pipelinesDir?: string
  /** The file system of the pipelines directory. Default `nodeFileSystem()`. */
  fs?: FileSystem
  /**
   * Where the recorded destination's secrets come from. Default `loadConfig()`: the environment and
   * `.sluice/*.toml` of the working directory.
   */
  config?: Config
  /** How the recorded destination's package is imported (see `LoadDestinationOptions.importer`). */
  importer?: LoadDestinationOptions['importer']
}

/**
 * A pipeline that has run in the pipelines directory, by name, with the destination and dataset it recorded
 * (its `dataset()` reads where it loaded). Fails with `PIPELINE_UNKNOWN`, listing the known pipelines, for a
 * name the directory does not hold.
 *
 * @example const rows = await (await openPipeline('clockodo_pipeline')).dataset().table('entries').head().rows()
 */
export async function openPipeline(name: string, options: OpenPipelineOptions = {}): Promise<Pipeline> {
  const pipelinesDir = options.pipelinesDir ?? defaultPipelinesDir()
  const fs = options.fs ?? nodeFileSystem()
  const known = await listPipelines(pipelinesDir, fs)
  if (!known.includes(name)) {
    throw new SluiceError('PIPELINE_UNKNOWN', `there is no pipeline ${name} in ${pipelinesDir}`, {
      hint: known.length
        ? `known pipelines: ${known.join(', ')}`
        : 'run a pipeline first (e.g. `sluice run --demo`), or `sluice pipeline NAME sync` to restore it from its destination',
    })
  }
  return pipeline({
    pipelineName: name,
    pipelinesDir,
    fs,
    ...(options.config ? { config: options.config } : {}),
    ...(options.importer ? { importer: options.importer } : {}),
  })
}
