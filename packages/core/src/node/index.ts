// @sluice/core/node: the Node.js/Deno implementations core's runtime-neutral parts take (file system, paths,
// configuration from the environment and .sluice/*.toml, destination packages by name), a pipeline that defaults
// to them, page workers on worker threads, and helpers for destinations that read job files from the local disk.
export { type LoadConfigOptions, loadConfig } from './node-config.ts'
export { parseCsvRecord, readCsvHeader } from './node-csv-header.ts'
export {
  DESTINATION_PACKAGES,
  type LoadDestinationOptions,
  loadDestinationPackage,
  type ModuleImporter,
  type ResolveDestinationOptions,
  resolveDestination,
} from './node-destinations.ts'
export { nodeFileSystem } from './node-file-system.ts'
export {
  type OpenPipelineOptions,
  openPipeline,
  type PipelineSummary,
  pipelineSummaries,
} from './node-open-pipeline.ts'
export { type NodePageWorkersOptions, nodePageWorkers } from './node-page-workers.ts'
export { defaultPipelinesDir } from './node-paths.ts'
export {
  listPipelines,
  type NodePipelineOptions,
  pipeline,
  type RecordedDestinationOptions,
  recordedDestination,
} from './node-pipeline.ts'
