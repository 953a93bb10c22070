export type * from './normalize-types.ts'
export { createNormalizer, DEFAULT_MAX_TABLE_NESTING } from './normalizer.ts'
export { SYSTEM_COLUMN_PREFIX, SYSTEM_COLUMNS, systemColumnsFor } from './system-columns.ts'
export { type CoerceResult, coerceValue, isPlainUtcTimestamp, normalizeTimestamp } from './value-coercion.ts'
