import { stat } from 'node:fs/promises'
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api'
import type { BulkLoad, SqlClient, SqlDialect, SqlExecutor } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { readCsvHeader } from '@sluice/core/node'
import {
  attemptAfterShortRead,
  type CsvReadAttempt,
  csvColumns,
  isOutOfMemory,
  nextCsvAttempt,
  readCsvSql,
} from './duckdb-csv.ts'
import { commitError, isFatal, loadError, openError, queryError } from './duckdb-errors.ts'
import { duckdbApi } from './duckdb-reader.ts'
import { duckdbDialect, duckdbQuote, duckdbString, readJsonColumn } from './duckdb-type-mapper.ts'

interface CachedInstance {
  instance: Promise<DuckDBInstance>
  refs: number
}

/** DuckDB settings given when an instance is created (`memory_limit`, `threads`, `temp_directory` ...). */
export type DuckDBSettings = Record<string, string>

/**
 * DuckDB settings switched around job-file loads, each `load` before and `all` after: `threads` around a load
 * during extraction (`BulkLoad.duringExtraction`, while sluice extracts and normalizes on its own thread),
 * `memoryLimit` around every load: `load` during extraction, `final` after it (the files of the extraction's final
 * flush; default `load`). When a load runs out of memory at the lower limit, `all` is SET and the load runs again.
 * Each load is its own transaction; its COMMIT runs at the full memory limit and at the load's threads (these go
 * back to `all` after it).
 */
export interface LoadSettings {
  threads?: { load: number; all: number }
  memoryLimit?: { load: string; final?: string; all: string }
}

// One instance per database file per process: DuckDB locks a file to one instance.
const instances = new Map<string, CachedInstance>()

/** Creates a DuckDB instance with settings; errors become {@link SluiceError}s naming the path. */
export async function createInstance(path: string, settings: DuckDBSettings = {}): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await duckdbApi()
  try {
    return await DuckDBInstance.create(path, settings)
  } catch (cause) {
    throw openError(path, cause)
  }
}

async function acquire(path: string, settings: DuckDBSettings): Promise<DuckDBInstance> {
  let entry = instances.get(path)
  if (!entry) {
    const instance = duckdbApi().then(({ DuckDBInstance }) =>
      DuckDBInstance.create(path, settings).catch((cause: unknown) => {
        instances.delete(path)
        throw openError(path, cause)
      }),
    )
    entry = { instance, refs: 0 }
    instances.set(path, entry)
  }
  entry.refs++
  try {
    return await entry.instance
  } catch (error) {
    entry.refs--
    throw error
  }
}

/** Whether the client about to be released is the last one on the file's instance (its release closes it). */
function closesOnRelease(path: string): boolean {
  return instances.get(path)?.refs === 1
}

async function release(path: string): Promise<void> {
  const entry = instances.get(path)
  if (!entry) return
  entry.refs--
  if (entry.refs > 0) return
  instances.delete(path)
  ;(await entry.instance).closeSync()
}

function toJs(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  return value
}

/**
 * A {@link SqlClient} on one DuckDB connection. Statements run one at a time (a transaction holds the
 * connection until it ends).
 */
export class DuckDBClient implements SqlClient {
  /**
   * The DuckDB dialect with table names qualified by the catalog too: a file `shop.duckdb` is catalog
   * `shop`, and `"shop"."t"` would be ambiguous for a dataset (schema) also named `shop`.
   */
  readonly dialect: SqlDialect
  private queue: Promise<unknown> = Promise.resolve()
  /** Settings around loads; unset: the instance's settings throughout. */
  private loadSettings: LoadSettings = {}
  private readonly connection: DuckDBConnection
  private readonly onDispose: () => Promise<void>

  private constructor(connection: DuckDBConnection, onDispose: () => Promise<void>, catalog: string) {
    this.connection = connection
    this.onDispose = onDispose
    const q = duckdbDialect.quoteIdentifier
    this.dialect = { ...duckdbDialect, qualify: (schema, table) => `${q(catalog)}.${q(schema)}.${q(table)}` }
  }

  /**
   * Opens a connection on a database file (shared per path in the process) or on a given instance. `settings`
   * apply when this call creates the file's instance; a client joining an open instance shares its settings.
   */
  static async open(
    target: ({ path: string; settings?: DuckDBSettings } | { instance: DuckDBInstance }) & {
      /** Settings switched around job-file loads (see {@link LoadSettings}). Default: none. */
      loadSettings?: LoadSettings
    },
  ): Promise<DuckDBClient> {
    let instance: DuckDBInstance
    let close: () => Promise<void>
    let last = (): boolean => false
    if ('instance' in target) {
      instance = target.instance
      close = async () => {}
    } else {
      instance = await acquire(target.path, target.settings ?? {})
      close = () => release(target.path)
      last = () => closesOnRelease(target.path)
    }
    let connection: DuckDBConnection
    let catalog: string
    try {
      connection = await instance.connect()
      await connection.run(`SET TimeZone = 'UTC'`)
      catalog = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]?.[0])
    } catch (cause) {
      await close()
      throw new SluiceError('DESTINATION_CONNECT', '[duckdb] could not open a connection', {
        cause,
        hint: 'the database may be closed or corrupt',
      })
    }
    const client = new DuckDBClient(
      connection,
      async () => {
        // closing checkpoints the file on this thread (50-60 ms after 1M rows): checkpointed here first, off it,
        // while the run's other work (removing job files) goes on
        if (last()) await connection.run('CHECKPOINT').catch(() => undefined)
        connection.closeSync()
        await close()
      },
      catalog,
    )
    if (target.loadSettings) client.loadSettings = target.loadSettings
    return client
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn)
    this.queue = next.catch(() => {})
    return next
  }

  private async rawExecute(sql: string, params?: readonly unknown[]): Promise<void> {
    try {
      await this.connection.run(sql, params?.length ? (params as DuckDBValue[]) : undefined)
    } catch (cause) {
      throw queryError(sql, cause)
    }
  }

  private async rawQuery<T extends Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> {
    try {
      const reader = await this.connection.runAndReadAll(
        sql,
        params?.length ? (params as DuckDBValue[]) : undefined,
      )
      return reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(row)) out[k] = toJs(v)
        return out as T
      })
    } catch (cause) {
      throw queryError(sql, cause)
    }
  }

  execute(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.exclusive(() => this.rawExecute(sql, params))
  }

  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> {
    return this.exclusive(() => this.rawQuery<T>(sql, params))
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const tx: SqlExecutor = {
        execute: (sql, params) => this.rawExecute(sql, params),
        query: <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
          this.rawQuery<R>(sql, params),
      }
      await this.rawExecute('BEGIN TRANSACTION')
      try {
        const result = await fn(tx)
        await this.rawExecute('COMMIT')
        return result
      } catch (error) {
        await this.rawExecute('ROLLBACK').catch(() => {})
        throw error
      }
    })
  }

  /**
   * Loads a job file with one `INSERT ... SELECT` from `read_json` (jsonl) or `read_csv` (csv, columns in the
   * order of its header line). Returns the rows inserted; a csv read that inserted fewer rows than `load.rows`
   * is rolled back and read again with a row limit fitted to the file's longest line (see
   * `attemptAfterShortRead`). Core fails the job when the rows still differ.
   */
  async bulkLoad(load: BulkLoad, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted()
    let sql: (attempt: CsvReadAttempt) => string
    let fileSize = 0
    if (load.format === 'csv') {
      let header: string[] | undefined
      try {
        header = await readCsvHeader(load.file, 'duckdb')
        fileSize = (await stat(load.file)).size
      } catch (cause) {
        throw cause instanceof SluiceError ? cause : loadError(load.file, load.qualifiedTable, cause)
      }
      if (header === undefined) return 0
      const columns = csvColumns(header, load.columns, load.file, load.qualifiedTable)
      sql = (attempt) => readCsvSql(load.file, load.qualifiedTable, columns, attempt)
    } else if (load.format === 'jsonl') {
      if (load.columns.length === 0) return 0
      const struct = load.columns
        .map((c) => `${duckdbString(c.name)}: '${readJsonColumn(c).readType}'`)
        .join(', ')
      const cols = load.columns.map((c) => this.dialect.quoteIdentifier(c.name)).join(', ')
      const select = load.columns.map((c) => readJsonColumn(c).select).join(', ')
      sql = () =>
        `INSERT INTO ${load.qualifiedTable} (${cols}) SELECT ${select} FROM read_json(${duckdbString(load.file)}, format='newline_delimited', columns={${struct}})`
    } else {
      throw new SluiceError('DESTINATION_FORMAT', `[duckdb] cannot load ${load.format} files`, {
        hint: 'write csv (preferred) or jsonl job files for DuckDB',
      })
    }
    return this.exclusive(async () => {
      signal.throwIfAborted()
      const onAbort = () => this.connection.interrupt()
      signal.addEventListener('abort', onAbort, { once: true })
      let switched = this.switchedFor(load)
      if (switched) await this.setAll(switched.load, true)
      try {
        let attempt: CsvReadAttempt = { parallel: true }
        for (;;) {
          await this.rawExecute('BEGIN TRANSACTION')
          let rows: number
          try {
            rows = Number((await this.connection.run(sql(attempt))).rowsChanged)
          } catch (cause) {
            await this.connection.run('ROLLBACK').catch(() => {})
            signal.throwIfAborted()
            // the instance is invalidated: a retry would only report "database has been invalidated"
            if (isFatal(cause)) throw loadError(load.file, load.qualifiedTable, cause)
            if (switched?.load['memory_limit'] !== undefined && isOutOfMemory(cause)) {
              await this.setAll(switched.all)
              switched = undefined
              continue
            }
            const next = load.format === 'csv' ? nextCsvAttempt(cause, attempt, fileSize + 1) : undefined
            if (next === undefined) throw loadError(load.file, load.qualifiedTable, cause)
            attempt = next
            continue
          }
          if (load.format === 'csv' && rows < load.rows) {
            // DuckDB's parallel reader can skip a long last row without an error: read again, fitted to it
            const next = await attemptAfterShortRead(load.file, attempt)
            if (next !== undefined) {
              await this.connection.run('ROLLBACK')
              attempt = next
              continue
            }
          }
          // The commit runs at the full memory limit: DuckDB 1.5 can leave a table corrupt in memory when a
          // COMMIT runs out of memory (the next checkpoint then fails and invalidates the database). It keeps the
          // load's threads: a COMMIT compresses its last row group on one thread, and a second one would only
          // wait for it, spinning on a CPU that the pages need. The threads go back after it (`finally`).
          if (switched) {
            const { threads, ...rest } = switched.all
            await this.setAll(rest)
            switched = threads === undefined ? undefined : { load: {}, all: { threads } }
          }
          try {
            await this.connection.run('COMMIT')
          } catch (cause) {
            await this.connection.run('ROLLBACK').catch(() => {})
            throw commitError(load.file, load.qualifiedTable, cause)
          }
          return rows
        }
      } finally {
        signal.removeEventListener('abort', onAbort)
        if (switched) await this.setAll(switched.all)
      }
    })
  }

  /**
   * A read of staging tables before the publish (the duplicate-key check: a hash aggregate over every staged
   * key), at the load memory limit like the loads, and again at the full one when it runs out: at 256MB the
   * check of 5M staged entries set the run's peak RSS.
   */
  readStaging<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> {
    return this.exclusive(async () => {
      const memory = this.loadSettings.memoryLimit
      if (!memory || memory.load === memory.all) return this.rawQuery<T>(sql, params)
      let lowered = true
      await this.setAll({ memory_limit: memory.load }, true)
      try {
        return await this.rawQuery<T>(sql, params)
      } catch (error) {
        if (!isOutOfMemory(error)) throw error
        await this.setAll({ memory_limit: memory.all })
        lowered = false
        return await this.rawQuery<T>(sql, params)
      } finally {
        if (lowered) await this.setAll({ memory_limit: memory.all })
      }
    })
  }

  /** What to SET before (`load`) and after (`all`) this load, if anything. */
  private switchedFor(load: BulkLoad): { load: DuckDBSettings; all: DuckDBSettings } | undefined {
    const { threads, memoryLimit } = this.loadSettings
    const switched = { load: {} as DuckDBSettings, all: {} as DuckDBSettings }
    if (threads && load.duringExtraction && threads.load !== threads.all) {
      switched.load['threads'] = String(threads.load)
      switched.all['threads'] = String(threads.all)
    }
    const limit = load.duringExtraction ? memoryLimit?.load : (memoryLimit?.final ?? memoryLimit?.load)
    if (memoryLimit && limit !== undefined && limit !== memoryLimit.all) {
      switched.load['memory_limit'] = limit
      switched.all['memory_limit'] = memoryLimit.all
    }
    return Object.keys(switched.load).length > 0 ? switched : undefined
  }

  /**
   * SETs each setting. With `lenient`, one DuckDB refuses is left as it is: lowering `memory_limit` fails while
   * more memory is in use, and the load then runs at the current limit.
   */
  private async setAll(settings: DuckDBSettings, lenient = false): Promise<void> {
    for (const [name, value] of Object.entries(settings)) {
      const sql = `SET ${duckdbQuote(name)} = ${duckdbString(value)}`
      if (lenient) await this.connection.run(sql).catch(() => {})
      else await this.rawExecute(sql)
    }
  }

  async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.query(
      'SELECT schema_name FROM information_schema.schemata WHERE schema_name = $1',
      [schema],
    )
    return rows.length > 0
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.exclusive(async () => {})
    await this.onDispose()
  }
}
