export type * from './file-system.ts'
