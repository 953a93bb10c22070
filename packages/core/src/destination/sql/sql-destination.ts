import { SluiceError } from '../../errors.ts'
import type { Destination, DestinationClient, DestinationContext } from '../destination-types.ts'
import { SqlClientDestination } from './sql-client-destination.ts'
import type { SqlDestinationOptions } from './sql-types.ts'

/** Checks the staging option against the capabilities and the engine's `checkStage`, once. */
function checkStaging(options: SqlDestinationOptions): void {
  const { name, capabilities, staging } = options
  if (staging === undefined) {
    if (capabilities.loadsFromStage === 'required') {
      throw new SluiceError(
        'CONFIG_MISSING',
        `[${name}] loads job files from a staging bucket, and none is set`,
        {
          hint: `pass a stage as \`staging\` (filesystemStaging() of @sluice/destination-filesystem), or set staging = "filesystem" in [destination.${name}] and the bucket in [destination.filesystem]`,
        },
      )
    }
    return
  }
  if (!capabilities.loadsFromStage) {
    throw new SluiceError('CONFIG_INVALID', `[${name}] cannot load job files from a staging bucket`, {
      hint: `leave out \`staging\` (staging in [destination.${name}])`,
    })
  }
  options.checkStage?.(staging)
}

/**
 * Builds a {@link Destination} from a SQL engine's connection factory. Core generates all SQL (DDL, system tables,
 * replace, merge, state) through the client's dialect and owns the sequence; the engine only executes it,
 * bulk-loads job files, and offers optional hooks (`SqlClient.lockDataset`, `loadStaged`, `readStaging`,
 * `SqlDialect.cloneTableSql`, `moveTableSql`). Every job loads into `<dataset>_staging` (through the stage when
 * `staging` is set); `complete()` publishes in one transaction where `capabilities.transactions` is true, and is a
 * no-op for a load that already has a `_sluice_loads` row. Without transactions it runs statement by statement,
 * and a publish repeated after a failure inserts nothing twice (appends skip tables that hold rows of the load
 * already; merges delete before they insert). Throws `CONFIG_INVALID`/`CONFIG_MISSING` for a staging
 * option the engine cannot use.
 *
 * @example sqlDestination({ name: 'mydb', capabilities, location: 'mydb://host/db', connect: () => connectMydb(params) })
 */
export function sqlDestination(options: SqlDestinationOptions): Destination {
  checkStaging(options)
  const { staging } = options
  return {
    name: options.name,
    capabilities: options.capabilities,
    ...(options.publicConfig ? { publicConfig: options.publicConfig } : {}),
    async createClient(ctx: DestinationContext): Promise<DestinationClient> {
      const client = await options.connect(ctx)
      const location = typeof options.location === 'function' ? options.location(ctx) : options.location
      return new SqlClientDestination({
        client,
        ctx,
        capabilities: options.capabilities,
        location,
        ...(options.maxParallelJobs !== undefined ? { maxParallelJobs: options.maxParallelJobs } : {}),
        ...(options.publishByRename ? { publishByRename: options.publishByRename } : {}),
        ...(options.replaceStrategy ? { replaceStrategy: options.replaceStrategy } : {}),
        ...(staging ? { staging: { stage: staging, keep: options.keepStagedFiles ?? false } } : {}),
      })
    },
  }
}
