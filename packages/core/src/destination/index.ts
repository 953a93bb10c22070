export type * from './destination-types.ts'
export type * from './sql/sql-types.ts'
