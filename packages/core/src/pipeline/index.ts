export type * from '../events.ts'
export { type NormalizerFactory, type PipelineInternals, pipeline } from './pipeline-runner.ts'
export type * from './pipeline-types.ts'
