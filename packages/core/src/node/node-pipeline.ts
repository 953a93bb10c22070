import { pipeline as corePipeline } from '../pipeline/pipeline-runner.ts'
import type { Pipeline, PipelineOptions } from '../pipeline/pipeline-types.ts'
import type { FileSystem } from '../storage/file-system.ts'
import { nodeFileSystem } from './node-file-system.ts'
import { defaultPipelinesDir } from './node-paths.ts'

/** Options of {@link pipeline} on Node.js and Deno: core's, with the file system and directory defaulted. */
export interface NodePipelineOptions extends Omit<PipelineOptions, 'fs' | 'pipelinesDir'> {
  /** The file system of the load packages. Default `nodeFileSystem()`. */
  fs?: FileSystem
  /** The directory of local state and load packages. Default `~/.sluice/pipelines` ({@link defaultPipelinesDir}). */
  pipelinesDir?: string
}

/**
 * Core's `pipeline` for Node.js and Deno: the same pipeline, with `fs` defaulting to `nodeFileSystem()` and
 * `pipelinesDir` to `~/.sluice/pipelines`. Nothing touches the disk until a method is called.
 */
export function pipeline(options: NodePipelineOptions): Pipeline {
  return corePipeline({
    ...options,
    fs: options.fs ?? nodeFileSystem(),
    pipelinesDir: options.pipelinesDir ?? defaultPipelinesDir(),
  })
}
