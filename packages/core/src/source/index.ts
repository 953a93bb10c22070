export type * from './source-types.ts'
