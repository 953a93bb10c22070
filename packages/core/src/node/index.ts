// @sluice/core/node: the Node.js/Deno implementations core's runtime-neutral parts take (file system, paths),
// helpers for destinations that read job files from the local disk, and process tuning for pipeline runners.
export { parseCsvRecord, readCsvHeader } from './node-csv-header.ts'
export { nodeFileSystem } from './node-file-system.ts'
export {
  DEFAULT_HEAP_GROWING_PERCENT,
  HEAP_GROWTH_ENV,
  heapGrowthFromEnv,
  holdYoungGeneration,
  limitHeapGrowth,
} from './node-heap.ts'
export { type NodePageWorkersOptions, nodePageWorkers } from './node-page-workers.ts'
export { defaultPipelinesDir } from './node-paths.ts'
export { type NodePipelineOptions, pipeline } from './node-pipeline.ts'
