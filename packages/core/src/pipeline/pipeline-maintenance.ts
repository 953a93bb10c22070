import type { DestinationClient } from '../destination/destination-types.ts'
import { SluiceError } from '../errors.ts'
import type { Schema } from '../schema/schema-types.ts'
import { newLoadId } from '../storage/load-id.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PipelineState } from '../storage/package-types.ts'
import { fromStoredState, setResourceState, tablesOfResource, toStoredState } from './pipeline-state.ts'

/** Closes a destination client; a failure to close must not hide the outcome of what it did. */
export async function dispose(client: DestinationClient): Promise<void> {
  try {
    await client[Symbol.asyncDispose]()
  } catch {
    // closing a connection must not hide the run's outcome
  }
}

/** Replaces the local state and schemas with the ones stored in the destination (`Pipeline.sync`). */
export async function syncFromDestination(input: {
  store: LoadPackageStore
  client: DestinationClient
  pipelineName: string
  datasetName: string
}): Promise<void> {
  const { store, client, pipelineName } = input
  await client.initialize()
  const stored = await client.getStoredState(pipelineName)
  if (!stored) {
    throw new SluiceError('STATE_NOT_FOUND', `the destination holds no state for pipeline ${pipelineName}`, {
      hint: `check --destination and --dataset (now ${input.datasetName})`,
    })
  }
  const state = await fromStoredState(stored)
  await store.writeState(state)
  for (const name of new Set([...Object.keys(state.sources), ...(await store.schemaNames())])) {
    const schema = await client.getStoredSchema(name)
    if (schema) await store.writeSchema(schema.schema)
  }
}

/**
 * Drops the tables (with child tables) of `resources` (all of each schema's resources when empty) in the
 * destination, resets their state, and commits the new state and schema there as a load without rows
 * (`Pipeline.drop`).
 */
export async function dropResources(input: {
  store: LoadPackageStore
  client: DestinationClient
  /** The local state (read before connecting). */
  state: PipelineState
  destinationName: string
  resources: readonly string[]
}): Promise<void> {
  const { store, client, state, resources } = input
  await client.initialize()
  for (const name of await store.schemaNames()) {
    const schema = await store.readSchema(name)
    if (!schema) continue
    const names =
      resources.length > 0
        ? resources
        : [...new Set(Object.values(schema.tables).flatMap((t) => (t.resource ? [t.resource] : [])))]
    const tables = names.flatMap((r) => tablesOfResource(schema, r))
    for (const r of names) setResourceState(state, name, r, undefined)
    const next: Schema = {
      ...schema,
      tables: Object.fromEntries(Object.entries(schema.tables).filter(([n]) => !tables.includes(n))),
    }
    if (tables.length > 0) {
      if (!client.dropTables) {
        throw new SluiceError('DROP_UNSUPPORTED', `destination ${input.destinationName} cannot drop tables`, {
          hint: 'drop them with the database tools',
        })
      }
      await client.dropTables(tables)
    }
    state.version += 1
    const loadId = newLoadId((await store.loadIds()).at(-1))
    state.lastLoadId = loadId
    const load = { loadId, schema: next, tables: [], state: await toStoredState(state, loadId) }
    await client.startLoad(load)
    await client.complete(load)
    await store.writeSchema(next)
  }
  await store.writeState(state)
}
