export type * from './normalize-types.ts'
