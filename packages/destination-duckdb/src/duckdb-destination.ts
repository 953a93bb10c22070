import { resolve } from 'node:path'
import type { DuckDBInstance } from '@duckdb/node-api'
import type {
  Destination,
  DestinationCapabilities,
  DestinationContext,
  SqlExecutor,
} from '@sluice/core/destination'
import { sqlDestination } from '@sluice/core/destination'
import { createInstance, DuckDBClient } from './duckdb-client.ts'
import { type DuckDBDestinationOptions, duckdbSettings, loadSettings } from './duckdb-options.ts'
import { openDuckDBReader } from './duckdb-session.ts'

/** What DuckDB offers: every disposition and strategy, transactional DDL, csv job files read by `read_csv` (jsonl by `read_json`). */
export const duckdbCapabilities: DestinationCapabilities = {
  fileFormats: ['csv', 'jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: true,
  maxIdentifierLength: 65536,
  identifierCase: 'lower',
}

function pathFor(options: DuckDBDestinationOptions, ctx: Pick<DestinationContext, 'pipelineName'>): string {
  if (options.instance) return options.path ?? 'duckdb instance'
  const path = options.path ?? `${ctx.pipelineName}.duckdb`
  return path === ':memory:' ? path : resolve(path)
}

/**
 * The DuckDB destination (the embedded default): dataset = schema, jobs loaded by DuckDB's own `read_csv` / `read_json`.
 * A replaced table, and a table loaded for the first time (its target is empty), is staged in the dataset as
 * `_sluice_swap__<table>` and published by renaming it into place, without copying its rows (1M Clockodo entries:
 * about 1 s less); every other load stages in `<dataset>_staging` and is copied on publish. `openReader` reads a
 * dataset read-only (see `openDuckDBReader`).
 * @example `pipeline({ pipelineName: 'clockodo', destination: duckdb(), datasetName: 'clockodo' })`
 */
export function duckdb(options: DuckDBDestinationOptions = {}): Destination {
  loadSettings(options) // checks threads and loadThreads now rather than at the first connection
  // `:memory:` lives as long as this destination object, so every client of a run sees the same data.
  let memory: Promise<DuckDBInstance> | undefined
  const memoryInstance = (): Promise<DuckDBInstance> => {
    memory ??= createInstance(':memory:', duckdbSettings(options, ':memory:'))
    memory.catch(() => {
      memory = undefined
    })
    return memory
  }
  const destination = sqlDestination({
    name: 'duckdb',
    capabilities: duckdbCapabilities,
    location: (ctx) => pathFor(options, ctx),
    publicConfig: (ctx) => duckdbPublicConfig(options, pathFor(options, ctx)),
    connect: async (ctx) => {
      if (options.instance) return DuckDBClient.open({ instance: options.instance })
      const path = pathFor(options, ctx)
      if (path === ':memory:')
        return DuckDBClient.open({
          instance: await memoryInstance(),
          loadSettings: loadSettings(options, path),
        })
      return DuckDBClient.open({
        path,
        settings: duckdbSettings(options, path),
        loadSettings: loadSettings(options, path),
      })
    },
    maxParallelJobs: 1,
    publishByRename: { hasExtras: duckdbTablesHaveExtras },
  })
  return { ...destination, openReader: (ctx) => openDuckDBReader(options, ctx, memoryInstance) }
}

/**
 * The settings a pipeline records (`Destination.publicConfig`), in the keys of `[destination.duckdb]`: the
 * database file's absolute path and the options given. Undefined for a given `instance`, which settings cannot
 * rebuild.
 */
export function duckdbPublicConfig(
  options: DuckDBDestinationOptions,
  path: string,
): Record<string, unknown> | undefined {
  if (options.instance) return undefined
  return {
    credentials: path,
    ...(options.memoryLimit !== undefined ? { memory_limit: options.memoryLimit } : {}),
    ...(options.loadMemoryLimit !== undefined ? { load_memory_limit: options.loadMemoryLimit } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.loadThreads !== undefined ? { load_threads: options.loadThreads } : {}),
  }
}

/**
 * True when one of these dataset tables has an index, a constraint, a comment, or a column with a default or a
 * comment (sluice creates none of them; a user may have): a rename publish would drop it with the table, so such a
 * family is copied instead.
 */
export async function duckdbTablesHaveExtras(
  db: SqlExecutor,
  dataset: string,
  tables: readonly string[],
): Promise<boolean> {
  const list = tables.map((_, i) => `$${i + 2}`).join(', ')
  const params = [dataset, ...tables]
  const where = `schema_name = $1 AND table_name IN (${list})`
  const found = await db.query(
    `SELECT 1 AS found FROM duckdb_indexes() WHERE ${where}
     UNION ALL SELECT 1 FROM duckdb_constraints() WHERE ${where}
     UNION ALL SELECT 1 FROM duckdb_tables() WHERE ${where} AND comment IS NOT NULL
     UNION ALL SELECT 1 FROM duckdb_columns() WHERE ${where} AND (column_default IS NOT NULL OR comment IS NOT NULL)
     LIMIT 1`,
    params,
  )
  return found.length > 0
}
