import { describe, expect, it } from 'vitest'
import { loadError } from '../src/duckdb-errors.ts'

describe('duckdb load errors', () => {
  it('points out of memory errors at memoryLimit, other failures at the job file', () => {
    const oom = loadError(
      '/p/entries.1.csv',
      '"ds_staging"."entries"',
      new Error(
        'Out of Memory Error: could not allocate block of size 32.0 MiB (109.8 MiB/122.0 MiB used)\nPossible solutions: ...',
      ),
    )
    expect(oom.code).toBe('DESTINATION_LOAD')
    expect(oom.message).toContain(
      '[duckdb] could not load /p/entries.1.csv into "ds_staging"."entries": Out of Memory Error: could not allocate block of size 32.0 MiB (109.8 MiB/122.0 MiB used)',
    )
    // DuckDB's multi-line advice is left out: the hint says what to do in sluice's terms
    expect(oom.message).not.toContain('Possible solutions')
    expect(oom.hint).toContain('memoryLimit')
    const mismatch = loadError(
      '/p/entries.1.csv',
      't',
      new Error('Conversion Error: Could not convert string "x" to INT64'),
    )
    expect(mismatch.hint).toContain("does not match the table's columns")
    expect(mismatch.hint).not.toContain('memoryLimit')
  })
})
