import type { StoredState } from '../destination/destination-types.ts'
import { SluiceError } from '../errors.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { PipelineState, ResourceState } from '../storage/package-types.ts'
import { compressState, decompressState, sha256Hex } from '../storage/state-compression.ts'

/** An empty pipeline state. */
export function emptyState(pipelineName: string): PipelineState {
  return { pipelineName, version: 0, sources: {} }
}

/** A deep copy of a JSON value. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** A resource's state (a deep copy; empty when none). */
export function resourceState(state: PipelineState, source: string, resource: string): ResourceState {
  const s = state.sources[source]?.resources[resource]
  return s ? jsonCopy(s) : {}
}

/** Sets (or with `undefined`, deletes) a resource's state in place. */
export function setResourceState(
  state: PipelineState,
  source: string,
  resource: string,
  value: ResourceState | undefined,
): void {
  if (value === undefined) {
    delete state.sources[source]?.resources[resource]
    return
  }
  state.sources[source] ??= { resources: {} }
  state.sources[source].resources[resource] = jsonCopy(value)
}

/** The state in its stored form for `PackageLoad.state`. */
export async function toStoredState(state: PipelineState, loadId: string): Promise<StoredState> {
  const compressed = await compressState(state)
  return {
    pipelineName: state.pipelineName,
    version: state.version,
    versionHash: await sha256Hex(compressed),
    state: compressed,
    loadId,
    createdAt: new Date().toISOString(),
  }
}

/** Decodes a stored state; throws a SluiceError saying what to do when it is unreadable. */
export async function fromStoredState(stored: StoredState): Promise<PipelineState> {
  try {
    const state = (await decompressState(stored.state)) as PipelineState
    state.sources ??= {}
    state.version ??= stored.version
    state.lastLoadId ??= stored.loadId
    return state
  } catch (cause) {
    throw new SluiceError(
      'STATE_CORRUPT',
      `the pipeline state stored with load ${stored.loadId} cannot be read`,
      {
        cause,
        hint: 'drop the pipeline state in the destination or run with a new pipeline name',
      },
    )
  }
}

/** The table and all its descendants (child tables) in a schema. */
export function tableWithChildren(schema: Schema | undefined, root: string): string[] {
  if (!schema) return []
  const out = schema.tables[root] ? [root] : []
  for (let i = 0; i < out.length; i++) {
    for (const t of Object.values(schema.tables)) {
      if (t.parent === out[i] && !out.includes(t.name)) out.push(t.name)
    }
  }
  return out
}

/** Root tables of a resource in a schema (by `Table.resource`), with their children. */
export function tablesOfResource(schema: Schema | undefined, resource: string): string[] {
  if (!schema) return []
  const out: string[] = []
  for (const t of Object.values(schema.tables)) {
    if (t.resource === resource && t.parent === undefined) out.push(...tableWithChildren(schema, t.name))
  }
  return out
}
