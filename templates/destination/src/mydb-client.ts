import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api'
import type { BulkLoad, Column, SqlClient, SqlDialect, SqlExecutor } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { mydbColumnType, mydbDialect, quoteMydbIdentifier } from './mydb-dialect.ts'
import { driverMissing, mydbError } from './mydb-errors.ts'

// This template's engine: an in-memory DuckDB database per name, alive as long as the process. Replace it with
// your engine's driver: open connections in `connectMydb`, run SQL in `MydbSqlClient`.
const databases = new Map<string, Promise<DuckDBInstance>>()

/** The engine's database of that name (this template's: an in-memory DuckDB, opened once per process). */
export async function openDatabase(name: string): Promise<DuckDBInstance> {
  let database = databases.get(name)
  if (!database) {
    database = import('@duckdb/node-api').then(
      ({ DuckDBInstance }) => DuckDBInstance.create(':memory:'),
      (cause: unknown) => {
        throw driverMissing(cause)
      },
    )
    databases.set(name, database)
    database.catch(() => databases.delete(name))
  }
  return database
}

/** Options of {@link connectMydb}. */
export interface MydbClientOptions {
  /** The database to connect to. */
  database: string
}

/** A DuckDB string literal. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** How `read_json` reads a column, and the expression that gives the column's type. */
function readColumn(column: Column): { type: string; select: string } {
  const ref = quoteMydbIdentifier(column.name)
  if (column.dataType === 'binary') return { type: 'VARCHAR', select: `from_base64(${ref})` }
  if (column.dataType === 'decimal')
    return { type: 'VARCHAR', select: `CAST(${ref} AS ${mydbColumnType(column)})` }
  return { type: mydbColumnType(column), select: ref }
}

/**
 * A result value as core expects it: plain JSON values (big integers and decimals as strings), timestamps as ISO
 * 8601, binary as bytes.
 */
function plain(value: unknown, type: string, raw: unknown): unknown {
  if (value === null) return null
  if (type === 'BLOB') return (raw as { bytes: Uint8Array }).bytes
  if (type.startsWith('TIMESTAMP') && typeof value === 'string') {
    return value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')
  }
  return value
}

/**
 * The engine as a {@link SqlClient}: statements one at a time on one connection, transactions with BEGIN/COMMIT,
 * and the bulk path: one `INSERT ... SELECT` from `read_json` per job file (never row by row). Errors are mapped
 * by {@link mydbError}.
 */
export class MydbSqlClient implements SqlClient {
  readonly dialect: SqlDialect = mydbDialect
  readonly #connection: DuckDBConnection
  #queue: Promise<unknown> = Promise.resolve()

  constructor(connection: DuckDBConnection) {
    this.#connection = connection
  }

  /** Runs `fn` when the statements before it are done: one connection runs one statement at a time. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn)
    this.#queue = next.catch(() => {})
    return next
  }

  async #run(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    try {
      const reader = await this.#connection.runAndReadAll(
        sql,
        params?.length ? (params as DuckDBValue[]) : undefined,
      )
      const types = reader.columnTypes().map((t) => String(t))
      const raw = reader.getRowObjects()
      return reader.getRowObjectsJson().map((row, i) => {
        const out: Record<string, unknown> = {}
        Object.keys(row).forEach((key, c) => {
          out[key] = plain(row[key], types[c] ?? '', raw[i]?.[key])
        })
        return out
      })
    } catch (cause) {
      throw mydbError(cause, `running ${sql.replace(/\s+/g, ' ').slice(0, 120)}`)
    }
  }

  /** Runs a statement (or several, without parameters). */
  async execute(sql: string, params?: readonly unknown[]): Promise<void> {
    await this.#exclusive(() => this.#run(sql, params))
  }

  /** Runs a query; rows as plain objects keyed by column name. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> {
    return this.#exclusive(() => this.#run(sql, params)) as Promise<T[]>
  }

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const tx: SqlExecutor = {
        execute: async (sql, params) => {
          await this.#run(sql, params)
        },
        query: <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
          this.#run(sql, params) as Promise<R[]>,
      }
      await this.#run('BEGIN TRANSACTION')
      try {
        const result = await fn(tx)
        await this.#run('COMMIT')
        return result
      } catch (error) {
        await this.#run('ROLLBACK').catch(() => {})
        throw error
      }
    })
  }

  /** Loads a jsonl job file with one statement; returns the rows the engine counted (core checks them). */
  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted()
    if (load.format !== 'jsonl') {
      throw new SluiceError('DESTINATION_FORMAT', `[mydb] cannot load ${load.format} files`, {
        hint: 'list only the formats the engine loads in MYDB_CAPABILITIES.fileFormats',
      })
    }
    if (load.columns.length === 0) return 0
    const read = load.columns.map(readColumn)
    const struct = load.columns.map((c, i) => `${sqlString(c.name)}: '${read[i]?.type}'`).join(', ')
    const names = load.columns.map((c) => quoteMydbIdentifier(c.name)).join(', ')
    const sql = `INSERT INTO ${load.qualifiedTable} (${names}) SELECT ${read.map((r) => r.select).join(', ')} FROM read_json(${sqlString(load.file)}, format = 'newline_delimited', columns = {${struct}})`
    return this.#exclusive(async () => {
      const onAbort = () => this.#connection.interrupt()
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        return Number((await this.#connection.run(sql)).rowsChanged)
      } catch (cause) {
        signal.throwIfAborted()
        throw mydbError(cause, `loading ${load.file} into ${load.qualifiedTable}`)
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    })
  }

  /** True when the schema (a dataset) exists. */
  async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.query(
      'SELECT 1 AS found FROM information_schema.schemata WHERE schema_name = $1',
      [schema],
    )
    return rows.length > 0
  }

  /** Closes the connection (the in-memory database stays for the process). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#exclusive(async () => this.#connection.closeSync())
  }
}

/**
 * Opens a connection and checks it, so that a wrong setting fails here with a clear {@link SluiceError}. The
 * caller MUST dispose the client.
 */
export async function connectMydb(options: MydbClientOptions): Promise<MydbSqlClient> {
  const database = await openDatabase(options.database)
  let connection: DuckDBConnection
  try {
    connection = await database.connect()
    await connection.run("SET TimeZone = 'UTC'")
  } catch (cause) {
    throw new SluiceError(
      'DESTINATION_CONNECT',
      `[mydb] could not connect to the database "${options.database}"`,
      {
        cause,
        hint: 'check the database setting (DESTINATION__MYDB__DATABASE)',
      },
    )
  }
  return new MydbSqlClient(connection)
}
