// @sluice/core/node: the Node.js/Deno implementations core's runtime-neutral parts take (file system, paths).
export {}
