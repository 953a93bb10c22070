import type { HttpClient } from '../http/http-types.ts'
import { getPath } from '../http/json-path.ts'
import type { JsonObject } from '../json.ts'
import type { ResourceState } from '../storage/package-types.ts'
import { teePages } from './page-tee.ts'
import type { NormalizedRestResource } from './rest-api-config.ts'
import type { ResourceContext } from './source-types.ts'
import { stateBucket } from './state-bucket.ts'

/*
 * How restApiSource reads a parent once for all its children.
 *
 * A parent, its children and their children share one `Resource.group` (the name of the topmost parent), so the
 * extractor starts the group's selected resources together and hands each the contexts of the others
 * (`ctx.group`): a shared read needs its consumers to run at the same time, or it stops, and a group is a small
 * mechanism any source can use, where a grouped reader would be a second way to extract. The first of them to
 * read plans the run of the whole group: one read ("node") per resource that
 * the run needs, each feeding its consumers (its own table when the resource is selected, and each child's
 * requests) through `teePages`, which keeps at most PAGES_AHEAD unread pages per consumer and holds the reader
 * back while one is full. A selected child whose parent is not selected still gets the parent's rows: the parent
 * is read but not loaded, as in dlt.
 *
 * State. As before, a child keeps its own copy of its parent's state (`parent`) next to its per-parent cursors
 * (`perParent`), so that a child run on its own neither loses nor repeats parent rows (with one cursor, a parent
 * loaded hourly and its child daily would take rows from each other). Readers of one resource whose
 * states agree (the parent's own and the children's copies; always so when they run together, and on the first run)
 * share one read: its cursor moves once, and when the read ends the moved state is copied into every consumer's
 * state before they finish, so all of them commit it with this run's package. States that differ (a child that ran
 * on its own) each get their own read, as they did before.
 *
 * Failure and cancellation: the extractor stops the whole run on the first failure by aborting the signal every
 * read honours; a consumer that stops early (a skipped resource) no longer holds the parent's reader back.
 */

type Row = JsonObject

/** Pages a consumer of a shared parent read may hold unread (per consumer; the reader waits beyond). */
export const PAGES_AHEAD = 4

/** The HTTP client a resource's requests go through. */
export type Clients = (r: NormalizedRestResource) => HttpClient

/** Reads one resource's pages (restApiSource's `rowsOf`): no parent handling, `parentValues` already filled. */
export type RowsOf = (
  r: NormalizedRestResource,
  clients: Clients,
  ctx: ResourceContext,
  state: ResourceState,
  parentValues: Record<string, unknown>,
  emitPages: boolean,
) => AsyncGenerator<Row[]>

/** What the planner needs from the source. */
export interface GroupReadDeps {
  byName: ReadonlyMap<string, NormalizedRestResource>
  rowsOf: RowsOf
  /** The clients of one resource's run (made once per selected resource). */
  clientsOf(ctx: ResourceContext): Clients
}

/** One read of a resource in a run, shared by every consumer whose starting state is the same. */
interface ReadNode {
  resource: NormalizedRestResource
  /** The state the read moves. */
  live: ResourceState
  /** Consumers' states that started equal to `live`; they get its contents when the read ends. */
  copies: ResourceState[]
  /** The selected resource whose context (signal, events, warnings) and clients the read uses. */
  owner: string
  /** True when the resource is selected: its pages are reported as its own. */
  selected: boolean
  consumers: number
  parent?: ReadNode
  outputs?: AsyncIterable<Row[]>[]
  taken: number
}

/** The pages of every selected resource of one group in one run. */
export interface GroupRead {
  /** The pages of the selected resource `name` (read them once). */
  pages(name: string): AsyncIterable<Row[]>
}

/** Plans the reads of a group's selected resources (`contexts`, by name); see the comment at the top. */
export function planGroupRead(
  contexts: ReadonlyMap<string, ResourceContext>,
  deps: GroupReadDeps,
): GroupRead {
  const nodes: ReadNode[] = []
  const nodeOf = (r: NormalizedRestResource, state: ResourceState, owner: string): ReadNode => {
    const same = nodes.find((n) => n.resource === r && sameState(n.live, state))
    if (same) {
      if (same.live !== state && !same.copies.includes(state)) same.copies.push(state)
      return same
    }
    const n: ReadNode = {
      resource: r,
      live: state,
      copies: [],
      owner,
      selected: false,
      consumers: 0,
      taken: 0,
    }
    nodes.push(n)
    if (r.parent) {
      n.parent = nodeOf(deps.byName.get(r.parent)!, stateBucket(state, 'parent'), owner)
      n.parent.consumers++
    }
    return n
  }
  const tables = new Map<string, ReadNode>()
  for (const [name, ctx] of contexts) {
    const r = deps.byName.get(name)
    if (!r) continue // another source's resource with the same group name reads on its own
    const n = nodeOf(r, ctx.state, name)
    n.consumers++
    n.selected = true
    n.owner = name
    tables.set(name, n)
  }

  const clients = new Map<string, Clients>()
  const clientsOf = (owner: string): Clients => {
    let c = clients.get(owner)
    if (!c) {
      c = deps.clientsOf(contexts.get(owner)!)
      clients.set(owner, c)
    }
    return c
  }
  const take = (n: ReadNode): AsyncIterable<Row[]> => {
    if (!n.outputs) {
      const ctx = contexts.get(n.owner)!
      const read = n.parent
        ? fanOut(n.resource, take(n.parent), n.live, clientsOf(n.owner), ctx, n.selected, deps)
        : deps.rowsOf(n.resource, clientsOf(n.owner), ctx, n.live, {}, n.selected)
      n.outputs = teePages(copyWhenDone(read, n.live, n.copies), n.consumers, {
        maxPages: PAGES_AHEAD,
        signal: ctx.signal,
      })
    }
    return n.outputs[n.taken++]!
  }
  const pages = new Map<string, AsyncIterable<Row[]>>()
  for (const [name, n] of tables) pages.set(name, take(n))
  return {
    pages: (name) => pages.get(name)!,
  }
}

/** The pages of a child: one request (or paginated series) per row of its parent's pages, in parent page order. */
async function* fanOut(
  r: NormalizedRestResource,
  parentPages: AsyncIterable<Row[]>,
  state: ResourceState,
  clients: Clients,
  ctx: ResourceContext,
  emitPages: boolean,
  deps: GroupReadDeps,
): AsyncGenerator<Row[]> {
  const parent = r.parent!
  const perParent = stateBucket(state, 'perParent')
  const limit = Math.max(1, r.parentConcurrency ?? 8)
  for await (const parentRows of parentPages) {
    const factories = parentRows.map((prow) => () => {
      const values: Record<string, unknown> = {}
      for (const f of new Set([...r.parentFields, ...(r.includeFromParent ?? [])])) {
        values[`resources.${parent}.${f}`] = getPath(prow, f)
      }
      const key = JSON.stringify(r.parentFields.map((f) => getPath(prow, f) ?? null))
      const bucket = r.endpoint.incremental ? stateBucket(perParent, key) : {}
      return deps.rowsOf(r, clients, ctx, bucket, values, emitPages)
    })
    yield* mergeConcurrent(factories, limit)
  }
}

/** Yields `pages`; when they end, puts the contents of `live` into each of `copies`. */
async function* copyWhenDone(
  pages: AsyncIterable<Row[]>,
  live: ResourceState,
  copies: readonly ResourceState[],
): AsyncGenerator<Row[]> {
  yield* pages
  for (const copy of copies) {
    for (const key of Object.keys(copy)) delete copy[key]
    Object.assign(copy, JSON.parse(JSON.stringify(live)) as ResourceState)
  }
}

/** True when two states hold the same values (empty objects, which reads create on the way, do not count). */
function sameState(a: ResourceState, b: ResourceState): boolean {
  return a === b || JSON.stringify(pruned(a)) === JSON.stringify(pruned(b))
}

function pruned(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const v = pruned((value as Record<string, unknown>)[key])
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue
    out[key] = v
  }
  return out
}

/** Runs up to `limit` async iterators at once and yields their values as they come. */
export async function* mergeConcurrent<T>(
  factories: (() => AsyncIterator<T>)[],
  limit: number,
): AsyncGenerator<T> {
  type Slot = { iter: AsyncIterator<T>; p: Promise<{ id: number; r: IteratorResult<T> }> }
  const running = new Map<number, Slot>()
  let nextIndex = 0
  const pull = (id: number, iter: AsyncIterator<T>): Slot['p'] => {
    const p = iter.next().then((r) => ({ id, r }))
    p.catch(() => {})
    return p
  }
  const start = (): void => {
    while (running.size < limit && nextIndex < factories.length) {
      const id = nextIndex++
      const iter = factories[id]!()
      running.set(id, { iter, p: pull(id, iter) })
    }
  }
  try {
    start()
    while (running.size > 0) {
      const { id, r } = await Promise.race([...running.values()].map((s) => s.p))
      const slot = running.get(id)!
      if (r.done) {
        running.delete(id)
        start()
        continue
      }
      slot.p = pull(id, slot.iter)
      yield r.value
    }
  } finally {
    for (const s of running.values()) s.iter.return?.()?.catch(() => {})
  }
}
