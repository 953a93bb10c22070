export { defineResource, defineSource } from './define-resource.ts'
export type * from './source-types.ts'
