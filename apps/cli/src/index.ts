export {
  DEFAULT_HEAP_GROWING_PERCENT,
  HEAP_GROWTH_ENV,
  heapGrowthFromEnv,
  holdYoungGeneration,
  limitHeapGrowth,
} from './cli-heap.ts'
export { main } from './cli-main.ts'
export { DEMO_ACCOUNT } from './cli-sources.ts'
export type { CliIO } from './cli-types.ts'
