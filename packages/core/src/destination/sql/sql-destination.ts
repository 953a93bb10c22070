import type { Destination, DestinationClient, DestinationContext } from '../destination-types.ts'
import { SqlClientDestination } from './sql-client-destination.ts'
import type { SqlDestinationOptions } from './sql-types.ts'

/**
 * Builds a {@link Destination} from a SQL engine's connection factory. Core generates all SQL (DDL, system tables,
 * replace, merge, state) through the client's dialect; the engine only executes it and bulk-loads job files.
 * Every job loads into `<dataset>_staging`; `complete()` publishes in one transaction where
 * `capabilities.transactions` is true, and is a no-op for a load that already has a `_sluice_loads` row.
 */
export function sqlDestination(options: SqlDestinationOptions): Destination {
  return {
    name: options.name,
    capabilities: options.capabilities,
    async createClient(ctx: DestinationContext): Promise<DestinationClient> {
      const client = await options.connect(ctx)
      const location = typeof options.location === 'function' ? options.location(ctx) : options.location
      return new SqlClientDestination({
        client,
        datasetName: ctx.datasetName,
        capabilities: options.capabilities,
        location,
        ...(options.maxParallelJobs !== undefined ? { maxParallelJobs: options.maxParallelJobs } : {}),
        ...(options.renamePublish ? { renamePublish: options.renamePublish } : {}),
      })
    },
  }
}
