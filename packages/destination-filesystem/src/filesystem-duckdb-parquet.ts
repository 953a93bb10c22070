import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import type { Column, Table } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { readCsvHeader } from '@sluice/core/node'
import { duckdbType } from './filesystem-duckdb.ts'
import { DECIMAL_DEFAULT } from './filesystem-values.ts'

/** The few members of `@duckdb/node-api` used here (it is an optional peer dependency). */
interface Connection {
  run(sql: string): Promise<{ rowsChanged: number }>
  runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }>
}

/**
 * True where `@duckdb/node-api` can be imported from this package: parquet is then written by DuckDB, and the
 * pipeline may hand the destination csv job files (see `filesystem`).
 */
export function duckdbInstalled(): boolean {
  try {
    import.meta.resolve('@duckdb/node-api')
    return true
  } catch {
    return false
  }
}

/** This thread's in-memory DuckDB, or undefined where `@duckdb/node-api` is not installed or cannot start. */
let connection: Promise<Connection | undefined> | undefined
/** The instance behind {@link connection}, held as long as the thread lives. */
const instances: unknown[] = []

async function open(): Promise<Connection | undefined> {
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api')
    // One conversion at a time per thread, on one DuckDB thread (1M Clockodo entries: 14.0 CPU s and 714 MB peak
    // RSS in all, against 15.8 s and 844 MB with two). What does not fit in 256MB spills to a directory of this
    // thread's own: instances sharing DuckDB's default (`.tmp` in the working directory) crashed the process.
    const db = await DuckDBInstance.create(':memory:', {
      threads: '1',
      memory_limit: '256MB',
      temp_directory: join(tmpdir(), `sluice-filesystem-duckdb-${process.pid}-${threadId}`),
    })
    instances.push(db)
    const conn = await db.connect()
    // timestamps without an offset are UTC, as in the JavaScript writer
    await conn.run("SET TimeZone = 'UTC'")
    return conn
  } catch {
    return undefined
  }
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The type `read_json` reads a column's values as (see `parquetElement` for what the parquet file holds). */
function readType(column: Column): string {
  if (column.dataType === 'binary' || column.dataType === 'json') {
    return column.dataType === 'json' ? 'JSON' : 'VARCHAR'
  }
  if (column.dataType === 'decimal' && (column.precision ?? DECIMAL_DEFAULT.precision) > 38) return 'VARCHAR'
  return duckdbType(column)
}

/** The value a column's parquet field gets from what `read_json` read. */
function written(column: Column): string {
  const name = quote(column.name)
  if (column.dataType === 'json') return `${name}::VARCHAR AS ${name}`
  if (column.dataType === 'binary') return `from_base64(${name}) AS ${name}`
  return name
}

/**
 * Writes a jsonl job file (plain or gzip) as parquet with DuckDB's `COPY ... TO (FORMAT parquet)`: the same schema
 * and values as {@link writeParquet}'s JavaScript writer at a tenth of its CPU time (1M Clockodo entries: about
 * 3 CPU s against 30). Returns the rows written, or undefined where it leaves the file to the JavaScript writer:
 * `@duckdb/node-api` is not installed, a line has a key that is not a column, or DuckDB refuses a value (the
 * JavaScript writer then writes it, or fails with the line and column).
 */
export async function writeParquetWithDuckdb(
  input: string,
  output: string,
  table: Table,
  gzip: boolean,
): Promise<number | undefined> {
  connection ??= open()
  const conn = await connection
  if (!conn) return undefined
  const columns = `{${table.columns.map((c) => `${literal(c.name)}: ${literal(readType(c))}`).join(', ')}}`
  const options = `format = 'newline_delimited', compression = '${gzip ? 'gzip' : 'uncompressed'}'`
  try {
    // a key outside the schema would be dropped by read_json: the JavaScript writer names it instead
    const names = table.columns.map((c) => literal(c.name)).join(', ')
    const unknown = await conn.runAndReadAll(
      `SELECT 1 FROM (SELECT unnest(json_keys(json)) AS k FROM read_json_objects(${literal(input)}, ${options}))
       WHERE k NOT IN (${names}) LIMIT 1`,
    )
    if (unknown.getRows().length > 0) return undefined
    const select = table.columns.map(written).join(', ')
    const copied = await conn.run(
      `COPY (SELECT ${select} FROM read_json(${literal(input)}, ${options}, columns = ${columns}))
       TO ${literal(output)} (FORMAT parquet)`,
    )
    return Number(copied.rowsChanged)
  } catch {
    return undefined
  }
}

/** How a csv column is read (text) and turned into its parquet value; json stays the JSON text of the job file. */
function csvColumn(column: Column): { readType: string; select: string } {
  const name = quote(column.name)
  switch (column.dataType) {
    case 'text':
    case 'json':
      return { readType: 'VARCHAR', select: name }
    case 'binary':
      return { readType: 'VARCHAR', select: `from_base64(${name}) AS ${name}` }
    case 'decimal': {
      const type = duckdbType(column)
      return type === 'VARCHAR'
        ? { readType: 'VARCHAR', select: name }
        : { readType: 'VARCHAR', select: `CAST(${name} AS ${type}) AS ${name}` }
    }
    default:
      return { readType: duckdbType(column), select: name }
  }
}

/**
 * Writes a csv job file (core's format: a header line, `"` quoting with `""` escapes, NULL = an unquoted empty
 * field, `""` = the empty string) as parquet with DuckDB, the same schema and values as from a jsonl job file.
 * Reads with DuckDB's single-threaded csv reader (its parallel one loses rows longer than its buffer, see the
 * DuckDB destination's `duckdb-csv.ts`). Returns the rows written; a header column that the table lacks is
 * `FILESYSTEM_UNKNOWN_COLUMN`, anything DuckDB refuses `FILESYSTEM_CONVERT`.
 */
export async function writeParquetFromCsv(input: string, output: string, table: Table): Promise<number> {
  const header = (await readCsvHeader(input, 'filesystem')) ?? []
  const columns = header.map((name) => {
    const column = table.columns.find((c) => c.name === name)
    if (!column) {
      throw new SluiceError(
        'FILESYSTEM_UNKNOWN_COLUMN',
        `[filesystem] ${input} has the column ${JSON.stringify(name)} that table ${table.name} does not have`,
        {
          hint: 'the job file does not match the table schema; this is a bug in the producer, please report it',
        },
      )
    }
    return column
  })
  connection ??= open()
  const conn = await connection
  if (!conn) {
    throw new SluiceError(
      'FILESYSTEM_CONVERT',
      `[filesystem] cannot convert the csv job ${input} to parquet`,
      {
        hint: 'csv job files are converted with DuckDB: install @duckdb/node-api next to @sluice/destination-filesystem',
      },
    )
  }
  const reads = columns.map(csvColumn)
  const struct = columns.map((c, i) => `${literal(c.name)}: ${literal(reads[i]!.readType)}`).join(', ')
  // the table's columns in schema order; those missing from an older header are NULL
  const select = table.columns
    .map((c) => {
      const at = columns.indexOf(c)
      return at >= 0
        ? reads[at]!.select
        : `NULL::${readType(c) === 'JSON' ? 'VARCHAR' : readType(c)} AS ${quote(c.name)}`
    })
    .join(', ')
  const options = [
    'header = true',
    'auto_detect = false',
    "delim = ','",
    `quote = '"'`,
    `escape = '"'`,
    "new_line = '\\n'",
    'allow_quoted_nulls = false',
    'parallel = false',
    `columns = {${struct}}`,
  ].join(', ')
  try {
    const copied = await conn.run(
      `COPY (SELECT ${select} FROM read_csv(${literal(input)}, ${options})) TO ${literal(output)} (FORMAT parquet)`,
    )
    return Number(copied.rowsChanged)
  } catch (cause) {
    throw new SluiceError('FILESYSTEM_CONVERT', `[filesystem] converting ${input} to parquet failed`, {
      cause,
      hint: 'the cause says why; out of memory: set conversionThreads lower (each thread converts with a 256MB DuckDB), anything else: please report it',
    })
  }
}
