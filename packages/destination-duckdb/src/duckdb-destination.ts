import { resolve } from 'node:path'
import type { DuckDBInstance } from '@duckdb/node-api'
import type { Destination, DestinationCapabilities, DestinationContext } from '@sluice/core'
import { sqlDestination } from '@sluice/core'
import { DuckDBClient } from './duckdb-client.ts'

/** Options of {@link duckdb}. */
export interface DuckDBDestinationOptions {
  /**
   * Database file. Default `<pipelineName>.duckdb` in the working directory. `:memory:` keeps everything in
   * memory, in one database per `duckdb()` destination object (shared by its clients, gone with the object).
   */
  path?: string
  /** An open instance to use instead of `path` (it is not closed by sluice). */
  instance?: DuckDBInstance
}

/** What DuckDB offers: every disposition and strategy, transactional DDL, jsonl read by `read_json`. */
export const duckdbCapabilities: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: true,
  ddlInTransactions: true,
  maxIdentifierLength: 65536,
  identifierCase: 'lower',
}

function pathFor(options: DuckDBDestinationOptions, ctx: DestinationContext): string {
  if (options.instance) return options.path ?? 'duckdb instance'
  const path = options.path ?? `${ctx.pipelineName}.duckdb`
  return path === ':memory:' ? path : resolve(path)
}

/**
 * The DuckDB destination (the embedded default): dataset = schema, jobs loaded by DuckDB's own `read_json`.
 * @example `pipeline({ pipelineName: 'clockodo', destination: duckdb(), datasetName: 'clockodo' })`
 */
export function duckdb(options: DuckDBDestinationOptions = {}): Destination {
  // `:memory:` lives as long as this destination object, so every client of a run sees the same data.
  let memory: Promise<DuckDBInstance> | undefined
  const memoryInstance = (): Promise<DuckDBInstance> => {
    memory ??= import('@duckdb/node-api').then(({ DuckDBInstance }) => DuckDBInstance.create(':memory:'))
    return memory
  }
  return sqlDestination({
    name: 'duckdb',
    capabilities: duckdbCapabilities,
    location: (ctx) => pathFor(options, ctx),
    connect: async (ctx) => {
      if (options.instance) return DuckDBClient.open({ instance: options.instance })
      const path = pathFor(options, ctx)
      if (path === ':memory:') return DuckDBClient.open({ instance: await memoryInstance() })
      return DuckDBClient.open({ path })
    },
    maxParallelJobs: 1,
  })
}
