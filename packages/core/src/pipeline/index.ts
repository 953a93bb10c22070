export type * from './pipeline-events.ts'
