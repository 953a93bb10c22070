import type { Destination, DestinationClient } from '../destination/destination-types.ts'
import { SluiceError } from '../errors.ts'
import { type LoadPackageStore, pipelineNames } from '../storage/load-package-store.ts'
import type { DestinationRecord } from '../storage/package-types.ts'
import { jsonCopy } from './pipeline-state.ts'
import type { PipelineOptions } from './pipeline-types.ts'

/** Where a pipeline loads, resolved from its options or its record. */
export interface Target {
  destination: Destination
  datasetName: string
}

/**
 * The destination and dataset of a pipeline: the ones given in its options, else the ones it recorded, the
 * destination rebuilt by `options.destinationFromRecord`. `datasetName` is the normalized option or default.
 * Fails with `PIPELINE_UNKNOWN` (listing the known pipelines) when the pipeline never ran.
 */
export async function resolveTarget(
  options: PipelineOptions,
  store: LoadPackageStore,
  datasetName: string,
): Promise<Target> {
  const { pipelineName, pipelinesDir } = options
  if (options.destination) return { destination: options.destination, datasetName }
  const record = await store.readDestination()
  if (!record) {
    if (!(await store.exists())) {
      const known = await pipelineNames(store.fs, pipelinesDir)
      throw new SluiceError('PIPELINE_UNKNOWN', `there is no pipeline ${pipelineName} in ${pipelinesDir}`, {
        hint: known.length
          ? `known pipelines: ${known.join(', ')}`
          : 'run it once with a destination (the pipelines directory is empty)',
      })
    }
    throw new SluiceError('CONFIG_MISSING', `pipeline ${pipelineName} has no recorded destination`, {
      hint: 'pass its destination (each run records it from then on)',
    })
  }
  const build = options.destinationFromRecord
  if (!build) {
    throw new SluiceError('CONFIG_MISSING', `pipeline ${pipelineName} has no destination`, {
      hint: "pass destination, or use pipeline from '@sluice/core/node', which rebuilds the recorded one",
    })
  }
  return {
    destination: await build(record),
    datasetName: options.datasetName === undefined ? record.datasetName : datasetName,
  }
}

/** Records where a run (or sync) loads: name, location, settings without secrets, dataset. */
export async function recordDestination(
  store: LoadPackageStore,
  target: Target,
  client: DestinationClient,
  pipelineName: string,
): Promise<void> {
  const { destination } = target
  const config = destination.publicConfig ? destination.publicConfig({ pipelineName }) : {}
  await store.writeDestination({
    name: destination.name,
    location: client.location,
    ...(config ? { config: jsonCopy(config) as NonNullable<DestinationRecord['config']> } : {}),
    datasetName: target.datasetName,
    updatedAt: new Date().toISOString(),
  })
}

/**
 * Refuses a pipeline name that is not usable as a folder name, and options without a file system or pipelines
 * directory (core takes nothing from the runtime: a caller in plain JavaScript is told where the defaults are).
 */
export function checkPipelineOptions(options: PipelineOptions): void {
  if (!/\S/.test(options.pipelineName) || /[/\\]|^\.\.?$/.test(options.pipelineName)) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `pipeline name "${options.pipelineName}" is not usable as a folder name`,
      {
        hint: 'use letters, digits and _',
      },
    )
  }
  // core takes nothing from the runtime: a caller in plain JavaScript gets told where the defaults are
  if (!options.fs || typeof options.pipelinesDir !== 'string' || options.pipelinesDir === '') {
    throw new SluiceError(
      'CONFIG_INVALID',
      `pipeline ${options.pipelineName} has no ${options.fs ? 'pipelinesDir' : 'file system'} for its state and load packages`,
      {
        hint: "on Node.js or Deno import { pipeline } from '@sluice/core/node' (it defaults both), or pass fs: nodeFileSystem() and pipelinesDir",
      },
    )
  }
}
