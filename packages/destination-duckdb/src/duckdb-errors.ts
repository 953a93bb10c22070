import { SluiceError } from '@sluice/core/destination'
import { isOutOfMemory } from './duckdb-csv.ts'

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

/** Turns an error from opening a database file into a {@link SluiceError} with a hint. */
export function openError(path: string, cause: unknown): SluiceError {
  const msg = messageOf(cause)
  // the path is left out of the test: a file named clockodo_demo.duckdb holds "lock" too
  const said = msg.replaceAll(path, '')
  if (/could not set lock|conflicting lock|lock on file/i.test(said)) {
    return new SluiceError(
      'DESTINATION_LOCKED',
      `[duckdb] the database file ${path} is locked by another process`,
      {
        cause,
        hint: 'close the other program using it (a DuckDB shell, another sluice run) or choose another path',
        transient: true,
      },
    )
  }
  if (/no such file|cannot open|directory/i.test(said)) {
    return new SluiceError(
      'DESTINATION_CONNECT',
      `[duckdb] cannot open the database file ${path} (${msg.split('\n')[0]})`,
      {
        cause,
        hint: 'check that the directory exists and is writable, or pass another path (":memory:" for an in-memory database)',
      },
    )
  }
  return new SluiceError(
    'DESTINATION_CONNECT',
    `[duckdb] cannot open the database file ${path} (${msg.split('\n')[0]})`,
    {
      cause,
      hint: 'check the path and that the file is a DuckDB database',
    },
  )
}

/**
 * A DuckDB FATAL error invalidates the database instance: every later statement fails. Nothing uncommitted is
 * kept, and what was committed stays in the file.
 */
const FATAL = /FATAL Error|database has been invalidated/i
const FATAL_HINT =
  'DuckDB stopped this database after a fatal error; what was committed is safe in the file, nothing of this run was published and its state was not committed: run again, and the same data loads again'

/**
 * The first line of a DuckDB error. On a fatal error, the error that invalidated the database too: every later
 * statement fails with "database has been invalidated", and DuckDB names the first error on its next line only.
 */
function firstLine(cause: unknown): string {
  const [line = '', ...rest] = messageOf(cause).split('\n')
  if (!FATAL.test(line)) return line
  const original = rest.find((l) => l.startsWith('Original error:'))
  return original ? `${line} ${original}` : line
}

/** Turns a query error into a {@link SluiceError}; write-write conflicts are transient. */
export function queryError(sql: string, cause: unknown): SluiceError {
  const msg = firstLine(cause)
  if (FATAL.test(msg))
    return new SluiceError('DESTINATION_FATAL', `[duckdb] ${msg}`, { cause, hint: FATAL_HINT })
  const transient = /conflict|interrupted/i.test(msg)
  const snippet = sql.length > 200 ? `${sql.slice(0, 200)}...` : sql
  return new SluiceError('DESTINATION_QUERY', `[duckdb] query failed: ${msg} (in: ${snippet})`, {
    cause,
    hint: transient
      ? 'another transaction changed the same rows; the load is retried'
      : 'see the cause; if the table changed outside sluice, drop it or fix its columns',
    transient,
  })
}

/** True for a DuckDB FATAL error, after which the instance runs nothing more: no retry can succeed. */
export function isFatal(cause: unknown): boolean {
  return FATAL.test(messageOf(cause))
}

/** Turns an error from reading a job file into a {@link SluiceError}; out of memory gets its own hint. */
export function loadError(file: string, table: string, cause: unknown): SluiceError {
  return jobError(
    `could not load ${file} into ${table}`,
    cause,
    "the job file does not match the table's columns; check the schema or drop the pending package",
  )
}

/**
 * Turns an error from committing a job file's load into a {@link SluiceError}. Not transient: in DuckDB 1.5 a
 * failed COMMIT can leave the table corrupt in memory, and running the load again on it ends in a fatal error.
 */
export function commitError(file: string, table: string, cause: unknown): SluiceError {
  return jobError(
    `could not commit the load of ${file} into ${table}`,
    cause,
    'see the cause; nothing of this job file was loaded: fix the cause and run again',
  )
}

/** The most a cause's detail line (with a value of the data in it) adds to a message. */
const MAX_DETAIL = 300

/**
 * The line of a CSV or JSON reader error that says which column and value failed, e.g. `Error when converting
 * column "n". Could not convert string "100000000000000000000" to 'BIGINT'` (DuckDB puts it on the third line,
 * below "CSV Error on Line: 3" and the whole line of data).
 */
function conversionDetail(cause: unknown): string | undefined {
  const line = messageOf(cause)
    .split('\n')
    .slice(1)
    .find((l) => /^(Error when converting column|Could not convert)/.test(l))
  if (line === undefined) return undefined
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}...` : line
}

/** A job file's failure: fatal, out of memory (also "failed to pin" a block), or else `otherHint`. */
function jobError(what: string, cause: unknown, otherHint: string): SluiceError {
  const detail = conversionDetail(cause)
  const msg = detail === undefined ? firstLine(cause) : `${firstLine(cause)}: ${detail}`
  const fatal = FATAL.test(msg)
  const hint = fatal
    ? FATAL_HINT
    : isOutOfMemory(msg) || /failed to pin|could not allocate/i.test(msg)
      ? 'DuckDB ran out of its memory limit loading the job file: raise memoryLimit (destination.duckdb.memory_limit in the CLI) or lower threads, then run again'
      : otherHint
  return new SluiceError(fatal ? 'DESTINATION_FATAL' : 'DESTINATION_LOAD', `[duckdb] ${what}: ${msg}`, {
    cause,
    hint,
  })
}

/**
 * A reader query refused before it ran: it is not one SELECT (`what` says what it is). The reader runs one
 * query at a time; nothing was changed.
 */
export function readOnlyError(name: string, what: string): SluiceError {
  return new SluiceError(
    'READ_ONLY',
    `[${name}] the reader runs one SELECT query at a time, and this is ${what}`,
    {
      hint: 'nothing was changed; write one query (SELECT, WITH ... SELECT, VALUES, SHOW, DESCRIBE); data is changed by loading it with a pipeline',
    },
  )
}

/** The error of a reader query whose signal aborted. */
export function abortedError(name: string): SluiceError {
  return new SluiceError('RUN_ABORTED', `[${name}] the query was stopped`, {
    hint: 'its signal was aborted; run it again to get its rows',
  })
}

/**
 * A DuckDB error of a reader query: a write DuckDB refused (read-only attachment or transaction) is `READ_ONLY`,
 * file access and everything else `QUERY_FAILED`, with DuckDB's message.
 */
export function readerQueryError(name: string, cause: unknown): SluiceError {
  const msg = firstLine(cause)
  if (/read-only mode|read-only transaction/i.test(msg)) {
    return new SluiceError('READ_ONLY', `[${name}] the reader cannot write: ${msg}`, {
      cause,
      hint: 'nothing was changed; the reader only reads',
    })
  }
  if (/^Permission Error/i.test(msg)) {
    return new SluiceError('QUERY_FAILED', `[${name}] ${msg}`, {
      cause,
      hint: 'the reader reads the tables of its dataset only: reading or writing other files, extensions and settings are off',
    })
  }
  return new SluiceError('QUERY_FAILED', `[${name}] the query failed: ${msg}`, {
    cause,
    hint: 'fix the query; table names resolve to the dataset',
  })
}
