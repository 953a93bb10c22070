// @sluice/core/node: the Node.js/Deno implementations core's runtime-neutral parts take (file system, paths),
// and helpers for destinations that read job files from the local disk.
export { parseCsvRecord, readCsvHeader } from './node-csv-header.ts'
export { nodeFileSystem } from './node-file-system.ts'
export { defaultPipelinesDir } from './node-paths.ts'
