import type { ResourceState } from '../storage/package-types.ts'

/** The object at `state[key]`, created (as `{}`) when missing or not an object. */
export function stateBucket(state: ResourceState, key: string): ResourceState {
  const v = state[key]
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as ResourceState
  const fresh: ResourceState = {}
  state[key] = fresh
  return fresh
}
