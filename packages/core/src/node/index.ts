// @sluice/core/node: the Node.js/Deno implementations core's runtime-neutral parts take (file system, paths),
// a pipeline that defaults to them, page workers on worker threads, and helpers for destinations that read job
// files from the local disk.
export { parseCsvRecord, readCsvHeader } from './node-csv-header.ts'
export { nodeFileSystem } from './node-file-system.ts'
export { type NodePageWorkersOptions, nodePageWorkers } from './node-page-workers.ts'
export { defaultPipelinesDir } from './node-paths.ts'
export { type NodePipelineOptions, pipeline } from './node-pipeline.ts'
