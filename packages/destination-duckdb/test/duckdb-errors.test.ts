import { describe, expect, it } from 'vitest'
import { commitError, loadError, queryError } from '../src/duckdb-errors.ts'

describe('duckdb load errors', () => {
  it('points out of memory errors at memoryLimit, in a load and in its COMMIT, and retries neither', () => {
    const cases = [
      {
        error: loadError(
          '/p/entries.1.csv',
          '"ds_staging"."entries"',
          new Error(
            'Out of Memory Error: could not allocate block of size 32.0 MiB (109.8 MiB/122.0 MiB used)\nPossible solutions: ...',
          ),
        ),
        message:
          '[duckdb] could not load /p/entries.1.csv into "ds_staging"."entries": Out of Memory Error: could not allocate block of size 32.0 MiB (109.8 MiB/122.0 MiB used)',
      },
      {
        // a failed COMMIT is never retried: in DuckDB 1.5 it can leave the table corrupt in memory
        error: commitError(
          '/p/entries.5.csv',
          't',
          new Error(
            'TransactionContext Error: Failed to commit: failed to pin block of size 256.0 KiB (30.4 MiB/30.5 MiB used)',
          ),
        ),
        message: '[duckdb] could not commit the load of /p/entries.5.csv into t: TransactionContext Error',
      },
    ]
    for (const { error, message } of cases) {
      expect(error.code).toBe('DESTINATION_LOAD')
      expect(error.message).toContain(message)
      // DuckDB's multi-line advice is left out: the hint says what to do in sluice's terms
      expect(error.message).not.toContain('Possible solutions')
      expect(error.hint).toContain('memoryLimit')
      expect(error.transient).toBe(false)
    }
    const mismatch = loadError(
      '/p/entries.1.csv',
      't',
      new Error('Conversion Error: Could not convert string "x" to INT64'),
    )
    expect(mismatch.hint).toContain("does not match the table's columns")
    expect(mismatch.hint).not.toContain('memoryLimit')
  })

  it('names the column and value a CSV load could not convert (DuckDB gives them below its first line)', () => {
    const error = loadError(
      '/p/entries.1.csv',
      't',
      new Error(
        'Conversion Error: CSV Error on Line: 3\nOriginal Line: 2,100000000000000000000\nError when converting column "n". Could not convert string "100000000000000000000" to \'BIGINT\'\n\nColumn n is being converted as type BIGINT',
      ),
    )
    expect(error.message).toContain(
      '[duckdb] could not load /p/entries.1.csv into t: Conversion Error: CSV Error on Line: 3: Error when converting column "n". Could not convert string "100000000000000000000" to \'BIGINT\'',
    )
    // the line of data itself stays out
    expect(error.message).not.toContain('Original Line')
  })

  it('names a fatal error that invalidated the database, and what to do, wherever it surfaces', () => {
    const first = new Error(
      'FATAL Error: Failed to create checkpoint because of error: Corrupted in-memory column - column with index 0 has misaligned count',
    )
    const later = new Error(
      'FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.\nOriginal error: "Failed to create checkpoint because of error: Corrupted in-memory column"',
    )
    for (const error of [
      loadError('/p/entries.5.csv', 't', first),
      commitError('/p/entries.5.csv', 't', first),
      queryError('CREATE SCHEMA IF NOT EXISTS "x"', later),
    ]) {
      expect(error.code).toBe('DESTINATION_FATAL')
      expect(error.transient).toBe(false)
      expect(error.hint).toContain('its state was not committed: run again, and the same data loads again')
      // not the generic advice that sends the user to their table or job file
      expect(error.hint).not.toContain('columns')
    }
    // the later error names the first one, which DuckDB gives on its second line only
    expect(queryError('SELECT 1', later).message).toContain(
      '[duckdb] FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again. Original error: "Failed to create checkpoint because of error: Corrupted in-memory column"',
    )
    // other errors keep their first line only (DuckDB's advice follows on the next ones)
    expect(queryError('SELECT 1', new Error('Binder Error: x\nOriginal error: zzz')).message).not.toContain(
      'zzz',
    )
  })

  it('sends other COMMIT failures to their cause, without a retry', () => {
    const other = commitError(
      '/p/a.csv',
      't',
      new Error('TransactionContext Error: Failed to commit: disk full'),
    )
    expect(other.hint).toContain('nothing of this job file was loaded')
    expect(other.transient).toBe(false)
  })
})
