import type { DestinationClient } from '../destination/destination-types.ts'
import { isSluiceError, SluiceError } from '../errors.ts'
import type { Schema } from '../schema/schema-types.ts'
import { newLoadId } from '../storage/load-id.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PipelineState } from '../storage/package-types.ts'
import { fromStoredState, setResourceState, tablesOfResource, toStoredState } from './pipeline-state.ts'
import { messageOf } from './pipeline-trace.ts'
import type { DropOptions, DropPlan, FailedJob, PackageInfo } from './pipeline-types.ts'

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

/** Deletes a dotted path (`window.end`) from an object; a path that is not there changes nothing. */
function removePath(target: Record<string, unknown>, path: string): void {
  const keys = path.split('.')
  let node: unknown = target
  for (const key of keys.slice(0, -1)) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
  }
  if (node && typeof node === 'object') delete (node as Record<string, unknown>)[keys.at(-1)!]
}

/** The resources a schema's tables or the state know, sorted. */
function knownResources(schema: Schema, state: PipelineState): string[] {
  const out = new Set(Object.values(schema.tables).flatMap((t) => (t.resource ? [t.resource] : [])))
  for (const r of Object.keys(state.sources[schema.name]?.resources ?? {})) out.add(r)
  return [...out].sort()
}

function selector(item: string): (name: string) => boolean {
  if (!item.startsWith('re:')) return (name) => name === item
  try {
    const re = new RegExp(item.slice(3))
    return (name) => re.test(name)
  } catch (cause) {
    throw new SluiceError('CONFIG_INVALID', `"${item}" is not a valid regular expression`, {
      cause,
      hint: 'write re: followed by a JavaScript regular expression, e.g. re:^project',
    })
  }
}

/**
 * The resources `selection` names in the local schemas and state (all of them when empty) and their tables.
 * An item is a resource name or `re:` and a regular expression; one that matches no resource is
 * `RESOURCE_UNKNOWN`, with the known resources in its hint.
 */
export async function planDrop(
  store: LoadPackageStore,
  state: PipelineState,
  selection: readonly string[],
  options: DropOptions = {},
): Promise<DropPlan> {
  const schemas: DropPlan['schemas'] = []
  const known: string[] = []
  const matched = new Set<string>()
  for (const name of await store.schemaNames()) {
    const schema = await store.readSchema(name)
    if (!schema) continue
    const all = knownResources(schema, state)
    known.push(...all)
    const tests = selection.map((item) => ({ item, test: selector(item) }))
    const resources = all.filter((r) => {
      const hits = tests.filter(({ test }) => test(r))
      for (const { item } of hits) matched.add(item)
      return selection.length === 0 || hits.length > 0
    })
    const keepTables = options.stateOnly || options.statePaths !== undefined
    const tables = keepTables ? [] : resources.flatMap((r) => tablesOfResource(schema, r))
    schemas.push({ schema: name, resources, tables })
  }
  const unknown = selection.filter((item) => !matched.has(item))
  if (unknown.length > 0) {
    throw new SluiceError(
      'RESOURCE_UNKNOWN',
      `no resource ${unknown.map((u) => `"${u}"`).join(', ')} in pipeline ${state.pipelineName}`,
      {
        hint: known.length
          ? `known resources: ${[...new Set(known)].sort().join(', ')}`
          : 'the pipeline has no resources yet: run it first',
      },
    )
  }
  return {
    schemas,
    resources: [...new Set(schemas.flatMap((s) => s.resources))],
    tables: schemas.flatMap((s) => s.tables),
    ...(options.statePaths ? { statePaths: options.statePaths } : {}),
  }
}

/**
 * Drops the tables (with child tables) of the plan's resources in the destination (none with `stateOnly`),
 * resets their state, and commits the new state and schema there as a load without rows (`Pipeline.drop`).
 */
export async function dropResources(input: {
  store: LoadPackageStore
  client: DestinationClient
  /** The local state (read before connecting). */
  state: PipelineState
  destinationName: string
  plan: DropPlan
}): Promise<void> {
  const { store, client, state, plan } = input
  await client.initialize()
  for (const { schema: name, resources, tables } of plan.schemas) {
    const schema = await store.readSchema(name)
    if (!schema || resources.length === 0) continue
    for (const r of resources) {
      const current = state.sources[name]?.resources[r]
      if (plan.statePaths && current) {
        for (const path of plan.statePaths) removePath(current, path)
      } else setResourceState(state, name, r, undefined)
    }
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

/** Removes every package not loaded yet (also one whose manifest is missing or damaged); returns their load ids. */
export async function dropPending(store: LoadPackageStore): Promise<string[]> {
  const dropped: string[] = []
  for (const id of await store.loadIds()) {
    // a package whose manifest is missing or damaged is dropped too: it is what dropPendingPackages recovers from
    const m = await store.readPackage(id).catch((error: unknown) => {
      if (isSluiceError(error, 'PACKAGE_CORRUPT')) return undefined
      throw error
    })
    if (m?.state === 'loaded') continue
    await store.removePackage(id)
    dropped.push(id)
  }
  return dropped
}

/** The failed jobs of the packages, in their order. */
export function failedJobsOf(packages: readonly PackageInfo[]): FailedJob[] {
  const out: FailedJob[] = []
  for (const m of packages) {
    for (const j of m.jobs) {
      if (j.state === 'failed')
        out.push({ loadId: m.loadId, jobId: j.jobId, table: j.table, error: j.error ?? '' })
    }
  }
  return out
}

/** Every schema the pipeline stores locally. */
export async function storedSchemas(store: LoadPackageStore): Promise<Schema[]> {
  const schemas: Schema[] = []
  for (const name of await store.schemaNames()) {
    const schema = await store.readSchema(name)
    if (schema) schemas.push(schema)
  }
  return schemas
}

/** Loaded packages whose manifests are kept (job files of loaded packages are deleted at once). */
const KEEP_LOADED_PACKAGES = 100

/**
 * The warning of a run whose loaded job files could not be removed: the data is published by then, and the next
 * run's {@link pruneLoaded} removes them.
 */
export function pruneWarning(error: unknown): string {
  return `could not remove the job files of loaded packages (${messageOf(error)}); the next run removes them`
}

/** Deletes the job files of loaded packages and all but the newest 100 loaded manifests. */
export async function pruneLoaded(store: LoadPackageStore): Promise<void> {
  const loaded = (await store.packages()).filter((m) => m.state === 'loaded')
  for (const [i, m] of loaded.entries()) {
    if (i < loaded.length - KEEP_LOADED_PACKAGES) await store.removePackage(m.loadId)
    else {
      await store.fs.remove(store.jobsDir(m.loadId, 'completed'))
      await store.fs.remove(store.jobsDir(m.loadId, 'new'))
    }
  }
}
