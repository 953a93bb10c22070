import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { duckdbApi } from '../src/duckdb-reader.ts'

describe('duckdbApi', () => {
  it('loads @duckdb/node-api with require on Node.js, once (an import() would scan every module it re-exports)', async () => {
    const required = createRequire(import.meta.url)('@duckdb/node-api') as Record<string, unknown>
    const api = await duckdbApi()
    // require gives the package's module.exports; import() would give a module namespace object instead
    expect(api).toBe(required)
    expect(typeof api.DuckDBInstance).toBe('function')
    expect(await duckdbApi()).toBe(api)
  })
})
