export { defineResource, defineSource } from './define-resource.ts'
export {
  compareCursorValues,
  type Incremental,
  type IncrementalConfig,
  type IncrementalPlaceholders,
  type IncrementalRun,
  type IncrementalState,
  incremental,
  rowKeyHash,
  shiftCursorValue,
} from './incremental-cursor.ts'
export { findPlaceholders, renderPlaceholders } from './placeholders.ts'
export { deepMerge, type NormalizedRestResource, normalizeRestApiConfig } from './rest-api-config.ts'
export { restApiSource } from './rest-api-source.ts'
export type * from './rest-api-types.ts'
export type * from './source-types.ts'
export { stateBucket } from './state-bucket.ts'
