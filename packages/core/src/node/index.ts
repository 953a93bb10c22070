// @sluice/core/node: the Node.js/Deno implementations core's runtime-neutral parts take (file system, paths).
export { nodeFileSystem } from './node-file-system.ts'
export { defaultPipelinesDir } from './node-paths.ts'
