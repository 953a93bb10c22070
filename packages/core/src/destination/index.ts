export type * from './destination-types.ts'
export * from './sql/index.ts'
