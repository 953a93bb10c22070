import { SluiceError } from '../errors.ts'
import type { Pipeline } from '../pipeline/pipeline-types.ts'
import type { DestinationRecord, RunTrace } from '../storage/package-types.ts'
import { defaultPipelinesDir } from './node-paths.ts'
import { listPipelines, type NodePipelineOptions, pipeline } from './node-pipeline.ts'

/** Options of {@link openPipeline}: those of the node `pipeline`, less what the pipeline recorded. */
export type OpenPipelineOptions = Omit<NodePipelineOptions, 'pipelineName' | 'destination' | 'datasetName'>

/** A pipeline of a pipelines directory, from {@link pipelineSummaries}. */
export interface PipelineSummary {
  name: string
  /** Where it loaded at its last run (no secrets); undefined before its first run. */
  destination: DestinationRecord | undefined
  /** The trace of its last run; undefined before its first run. */
  lastTrace: RunTrace | undefined
}

/**
 * An existing pipeline of a pipelines directory (default `~/.sluice/pipelines`), opened on the destination and
 * dataset it recorded at its last run: `dataset()` reads them without flags. Fails with `PIPELINE_UNKNOWN`
 * (listing the pipelines there are) when the directory holds no pipeline of that name.
 *
 * @example const rows = await (await openPipeline('clockodo_pipeline')).dataset().table('entries').head().rows()
 */
export async function openPipeline(name: string, options: OpenPipelineOptions = {}): Promise<Pipeline> {
  const pipelinesDir = options.pipelinesDir ?? defaultPipelinesDir()
  const known = await listPipelines(pipelinesDir, options.fs)
  if (!known.includes(name)) {
    throw new SluiceError('PIPELINE_UNKNOWN', `there is no pipeline ${name} in ${pipelinesDir}`, {
      hint: known.length
        ? `known pipelines: ${known.join(', ')}`
        : 'run a pipeline first (`sluice run --demo` loads a simulated account)',
    })
  }
  return pipeline({ ...options, pipelineName: name, pipelinesDir })
}

/**
 * Every pipeline of a pipelines directory (default `~/.sluice/pipelines`), sorted by name, with its recorded
 * destination and last trace (read from its local files only).
 */
export async function pipelineSummaries(options: OpenPipelineOptions = {}): Promise<PipelineSummary[]> {
  const pipelinesDir = options.pipelinesDir ?? defaultPipelinesDir()
  const names = await listPipelines(pipelinesDir, options.fs)
  return Promise.all(
    names.map(async (name) => {
      const p = pipeline({ ...options, pipelineName: name, pipelinesDir })
      const [destination, lastTrace] = await Promise.all([p.destinationRecord(), p.lastTrace()])
      return { name, destination, lastTrace }
    }),
  )
}
