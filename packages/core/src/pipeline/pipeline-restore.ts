import type { DestinationClient } from '../destination/destination-types.ts'
import { mergeStoredSchema } from '../schema/schema-evolution.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { DestinationRecord, PackageManifest, PipelineState } from '../storage/package-types.ts'
import { emptyState, fromStoredState } from './pipeline-state.ts'

/**
 * Deletes the packages a run left while extracting (state `extracted`, or no manifest yet: interrupted, never
 * loaded) and returns the pending ones (`normalized`: complete, waiting to load), oldest first. A manifest that
 * cannot be read stops the run (`PACKAGE_CORRUPT`, naming the file and what to do).
 */
export async function pendingPackages(store: LoadPackageStore): Promise<PackageManifest[]> {
  const pending: PackageManifest[] = []
  for (const id of await store.loadIds()) {
    const m = await store.readPackage(id)
    if (!m || m.state === 'extracted') await store.removePackage(id)
    else if (m.state === 'normalized') pending.push(m)
  }
  return pending
}

/** What {@link restoreFromDestination} needs. */
export interface RestoreInput {
  store: LoadPackageStore
  client: DestinationClient
  pipelineName: string
  datasetName: string
  /** The source's schema name. */
  schemaName: string
  /** Where the pipeline loaded before this run, if it recorded it. */
  previous?: DestinationRecord | undefined
  /** The pipelines directory (for the warning about a pipeline loading somewhere new). */
  pipelinesDir: string
  /** Reports a warning (the run's summary and its events). */
  warn(message: string): void
}

/**
 * The state and schema a run starts from: the local ones, unless the destination says otherwise. The destination
 * is the truth: local state is a cache of what was committed there. A destination that holds a different load
 * (another machine loaded since, or a restored backup) wins; one that holds none although this pipeline loaded
 * before (a new database file, a dropped dataset) means a full reload, because incremental state without its
 * data would silently skip rows. Initializes the destination (its dataset and system tables) on the way.
 */
export async function restoreFromDestination(
  input: RestoreInput,
): Promise<{ state: PipelineState | undefined; schema: Schema | undefined }> {
  const { store, client, pipelineName } = input
  let state = await store.readState()
  let schema = await store.readSchema(input.schemaName)
  await client.initialize()
  const storedState = await client.getStoredState(pipelineName)
  const remoteNewer = storedState !== undefined && storedState.loadId !== state?.lastLoadId
  if (remoteNewer) {
    state = await fromStoredState(storedState)
    await store.writeState(state)
  } else if (storedState === undefined && state?.lastLoadId !== undefined) {
    const before = input.previous
    const moved =
      before !== undefined &&
      (before.location !== client.location || before.datasetName !== input.datasetName)
    input.warn(
      moved
        ? `pipeline ${pipelineName} loaded into ${before.name} at ${before.location} (dataset ${before.datasetName}) until now; ${client.location} (dataset ${input.datasetName}) holds no state of it: loading everything again. Its local state in ${input.pipelinesDir} is shared by every directory; give a pipeline of its own a name of its own (--pipeline-name)`
        : `the destination (${client.location}, dataset ${input.datasetName}) holds no state of pipeline ${pipelineName} although load ${state.lastLoadId} was committed before: loading everything again`,
    )
    state = undefined
    await store.writeState(emptyState(pipelineName))
  }
  if (!schema || remoteNewer) {
    const stored = await client.getStoredSchema(input.schemaName)
    if (stored) {
      schema = mergeStoredSchema(schema, stored.schema)
      await store.writeSchema(schema)
    }
  }
  return { state, schema }
}
