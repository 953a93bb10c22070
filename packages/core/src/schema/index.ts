export * from './schema-types.ts'
