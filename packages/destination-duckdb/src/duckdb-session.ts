import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { ReaderContext, SqlReader } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import type { DuckDBSettings } from './duckdb-client.ts'
import { openError } from './duckdb-errors.ts'
import type { DuckDBDestinationOptions } from './duckdb-options.ts'
import { type DuckDBReaderSession, duckdbApi, duckdbReader, duckdbReaderDialect } from './duckdb-reader.ts'
import { duckdbString, duckdbQuote as q } from './duckdb-type-mapper.ts'
/** Options of {@link lockedDuckDBSession}. */
export interface LockedSessionOptions {
  /** Shown in messages. */
  name: string
  /** Runs first, with file access still on: attach the database read-only, create views, `USE` the dataset. */
  setup(connection: DuckDBConnection): Promise<void>
  /** Files SQL may still read after the lock-down (DuckDB's `allowed_paths`), e.g. a view's data files. */
  allowedPaths?: readonly string[]
  /** Settings of the in-memory instance. Default: `memory_limit` 256MB, a temp directory in the OS's. */
  settings?: DuckDBSettings
}

let sessionSeq = 0

/**
 * A fresh in-memory DuckDB instance for one query: `setup` runs, then file access is switched off
 * (`enable_external_access = false`; only `allowedPaths` stay readable) and the configuration is locked
 * (`lock_configuration`), so SQL can neither read other files, write any (COPY TO, ATTACH, INSTALL), nor
 * change a setting. Released by closing the instance.
 */
export async function lockedDuckDBSession(options: LockedSessionOptions): Promise<DuckDBReaderSession> {
  const { DuckDBInstance } = await duckdbApi()
  const settings: DuckDBSettings = {
    memory_limit: '256MB',
    temp_directory: join(tmpdir(), `sluice-duckdb-reader-${process.pid}-${++sessionSeq}`),
    autoinstall_known_extensions: 'false',
    ...options.settings,
  }
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(':memory:', settings)
  } catch (cause) {
    throw new SluiceError('DESTINATION_CONNECT', `[${options.name}] could not start DuckDB for the reader`, {
      cause,
      hint: 'see the cause',
    })
  }
  let connection: DuckDBConnection | undefined
  try {
    connection = await instance.connect()
    await connection.run(`SET TimeZone = 'UTC'`)
    await options.setup(connection)
    const paths = options.allowedPaths ?? []
    if (paths.length > 0)
      await connection.run(`SET allowed_paths = [${paths.map((p) => duckdbString(p)).join(', ')}]`)
    await connection.run('SET enable_external_access = false')
    await connection.run('SET lock_configuration = true')
  } catch (error) {
    connection?.closeSync()
    instance.closeSync()
    throw error
  }
  const conn = connection
  let released = false
  return {
    connection: conn,
    async release() {
      if (released) return
      released = true
      try {
        // A streaming result keeps its instance, and the files it attached, open until it is garbage-collected:
        // detached now, the database file's lock goes with the query.
        const attached = await conn.runAndReadAll(
          "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name NOT IN ('memory', 'temp', 'system')",
        )
        await conn.run('USE memory')
        for (const [name] of attached.getRows()) await conn.run(`DETACH ${q(String(name))}`)
      } finally {
        conn.closeSync()
        instance.closeSync()
      }
    },
  }
}

/** The catalog name a database file is attached as: its name without extension, as the DuckDB CLI does. */
function catalogOf(path: string): string {
  const stem = basename(path, extname(path))
  return stem === '' || ['memory', 'system', 'temp', 'main'].includes(stem.toLowerCase())
    ? 'dataset_file'
    : stem
}

/** `USE catalog.dataset`, or an error saying the dataset does not exist. */
async function useDataset(connection: DuckDBConnection, catalog: string, dataset: string, where: string) {
  try {
    await connection.run(`USE ${q(catalog)}.${q(dataset)}`)
  } catch (cause) {
    throw new SluiceError(
      'DESTINATION_DATABASE_MISSING',
      `[duckdb] there is no dataset ${dataset} in ${where}`,
      {
        cause,
        hint: "check the dataset name (the pipeline's datasetName); a pipeline creates its dataset on its first run",
      },
    )
  }
}

/**
 * Opens the reader of a DuckDB destination. A database file is attached `READ_ONLY` in a fresh in-memory
 * instance for each query, with file access off and the configuration locked ({@link lockedDuckDBSession}): it
 * reads what was committed when the query started, also while this process has the file open for loading, and
 * holds the file's lock only while a query runs (a load in another process waits for no idle reader). `:memory:`
 * and a given `instance` have no file to attach: their queries run on a connection of that instance, in
 * `BEGIN TRANSACTION READ ONLY` (file access stays as the instance has it).
 */
export async function openDuckDBReader(
  options: DuckDBDestinationOptions,
  ctx: ReaderContext,
  memoryInstance: () => Promise<DuckDBInstance>,
): Promise<SqlReader> {
  ctx.signal?.throwIfAborted()
  const dataset = ctx.datasetName
  if (options.instance || options.path === ':memory:') {
    const instance = options.instance ?? (await memoryInstance())
    const probe = await instance.connect()
    let catalog: string
    try {
      catalog = String((await probe.runAndReadAll('SELECT current_database()')).getRows()[0]?.[0])
      await useDataset(probe, catalog, dataset, 'the DuckDB instance')
    } finally {
      probe.closeSync()
    }
    return duckdbReader({
      name: 'duckdb',
      dialect: duckdbReaderDialect(catalog, dataset),
      async session(): Promise<DuckDBReaderSession> {
        const connection = await instance.connect()
        try {
          await useDataset(connection, catalog, dataset, 'the DuckDB instance')
        } catch (error) {
          connection.closeSync()
          throw error
        }
        let released = false
        const release = async (): Promise<void> => {
          if (!released) connection.closeSync()
          released = true
        }
        return { connection, release }
      },
    })
  }
  const given = options.path ?? (ctx.pipelineName ? `${ctx.pipelineName}.duckdb` : undefined)
  if (given === undefined) {
    throw new SluiceError('CONFIG_MISSING', '[duckdb] the reader needs the database file', {
      hint: 'pass duckdb({ path }) (the file the pipeline loaded into), or the pipeline name to the reader',
    })
  }
  const path = resolve(given)
  if (!existsSync(path)) {
    throw new SluiceError('DESTINATION_CONNECT', `[duckdb] there is no database file ${path}`, {
      hint: 'run the pipeline first, or pass the path it loaded into (duckdb({ path }))',
    })
  }
  const catalog = catalogOf(path)
  const settings: DuckDBSettings = {}
  if (options.memoryLimit !== undefined) settings['memory_limit'] = options.memoryLimit
  if (options.threads !== undefined) settings['threads'] = String(options.threads)
  const session = () =>
    lockedDuckDBSession({
      name: 'duckdb',
      settings,
      async setup(connection) {
        try {
          await connection.run(`ATTACH ${duckdbString(path)} AS ${q(catalog)} (READ_ONLY)`)
        } catch (cause) {
          throw openError(path, cause)
        }
        await useDataset(connection, catalog, dataset, path)
      },
    })
  await (await session()).release() // the file, its lock and the dataset are checked now, not at the first query
  return duckdbReader({ name: 'duckdb', dialect: duckdbReaderDialect(catalog, dataset), session })
}
