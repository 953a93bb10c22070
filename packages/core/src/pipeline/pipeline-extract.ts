import type { DestinationCapabilities } from '../destination/destination-types.ts'
import { isSluiceError, SluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import type { JobFileFormat } from '../job-files/encoded-rows.ts'
import type { Normalizer, ResourceTableSpec } from '../normalize/normalize-types.ts'
import { noteMessage } from '../normalize/value-notes.ts'
import { pageReaderHere } from '../page-workers/page-parse.ts'
import type { PagePool } from '../page-workers/page-pool.ts'
import type { ReplaceRange, SchemaChange, SchemaContract } from '../schema/schema-types.ts'
import type { Resource, ResourceContext, ResourceGroup, Source } from '../source/source-types.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PackageJob, PackageManifest, PipelineState } from '../storage/package-types.ts'
import { effectiveDisposition, resourceSpec } from './pipeline-dispositions.ts'
import { PageWrites } from './pipeline-page-writes.ts'
import { jsonCopy, resourceState, setResourceState, tableWithChildren } from './pipeline-state.ts'

/** Everything one extract+normalize pass needs. */
export interface ExtractInput {
  store: LoadPackageStore
  source: Source
  resources: readonly Resource<object>[]
  normalizer: Normalizer
  /** The state the resources start from (refresh resets already applied); not mutated. */
  baseState: PipelineState
  /** The committed state before the run, to tell whether the state changed. Default `baseState`. */
  previousState?: PipelineState
  manifest: PackageManifest
  format: JobFileFormat
  fileMaxBytes?: number
  /** The first job file's rotation size of each table (see `JobWriterOptions`). */
  firstFileMaxBytes?: number
  contract?: SchemaContract
  /** Resources extracted at once (a `Resource.group` counts as one). Default 1. */
  concurrency?: number
  strict: boolean
  /**
   * What the destination supports; merge/replace strategies fall back to supported ones (with a warning), and
   * values it cannot store are cleaned (`values`).
   */
  capabilities?: Pick<
    DestinationCapabilities,
    'mergeStrategies' | 'replaceStrategies' | 'writeDispositions' | 'values'
  >
  signal: AbortSignal
  emit(e: PipelineEvent): void
  /** Page workers of the run: resources' `ctx.pageReader` reads on them. Default none (parse here). */
  pool?: PagePool
  /** Called with each job file once it is closed (it is already in `manifest.jobs`), e.g. to load it early. */
  onJob?(job: PackageJob): void
  /** Called when job files of a resource already passed to `onJob` were discarded (it failed or was skipped). */
  onDiscard?(resource: string): void
  /**
   * Called once, when the last resource still running has read its last page and none is left to start: the job
   * files that close from then on (the final flush) are the extraction's last, and their loads no longer compete
   * with it.
   */
  onLastPage?(): void
}

/** What the pass produced (the package is on disk and `normalized`). */
export interface ExtractOutput {
  state: PipelineState
  /**
   * Wall-clock milliseconds of the pass, normalization included (resources run concurrently, so subtracting
   * `normalizeMs` could go below zero).
   */
  extractMs: number
  /** Milliseconds inside the normalizer and job writers, summed over the resources. */
  normalizeMs: number
}

/** The next page, or the abort error as soon as the signal fires (a resource may not honour it promptly). */
function nextOrAbort<T>(pages: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    pages.next().then(
      (r) => {
        signal.removeEventListener('abort', onAbort)
        resolve(r)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

/** Asks a resource's iterator to finish (runs its `finally`), without waiting for a pending page. */
function closeQuietly(pages: AsyncIterator<unknown>): void {
  pages.return?.().catch(() => undefined)
}

/** The abort error every cancelled step throws. */
export function abortError(signal: AbortSignal): SluiceError {
  return new SluiceError('RUN_ABORTED', 'the run was stopped', {
    cause: signal.reason,
    hint: 'run the same command again to resume where it stopped',
  })
}

/**
 * Extracts and normalizes every resource (up to `concurrency` at once, a group of resources counting as one; the
 * first failure stops the others) in
 * one streaming pass into the package of `manifest` (which MUST
 * already exist in state `extracted`): each page goes through the normalizer straight to per-table job
 * writers. Marks the package `normalized` (with schema and new state) only when every resource finished.
 */
export async function extractPackage(input: ExtractInput): Promise<ExtractOutput> {
  const { store, source, normalizer, manifest, signal, emit } = input
  const loadId = manifest.loadId
  const state = jsonCopy(input.baseState)
  const jobsDir = store.jobsDir(loadId)
  const fileIds = new Map<string, number>()
  const nextFileId = (table: string) => () => {
    const id = (fileIds.get(table) ?? 0) + 1
    fileIds.set(table, id)
    return id
  }
  const changes: SchemaChange[] = []
  const specs: ResourceTableSpec[] = []
  const pool = input.pool
  const values = input.capabilities?.values
  let normalizeMs = 0
  const started = performance.now()

  const stop = new AbortController()
  const onAbort = (): void => stop.abort(signal.reason)
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  const extractSignal = stop.signal
  let failure: unknown
  /** Records the run's first failure and stops every other resource. */
  const fail = (error: unknown): void => {
    if (failure !== undefined) return
    failure = error
    stop.abort(error)
  }

  /** Resources running now: with the queue empty, the last one's last page ends the reading. */
  let running = 0
  const one = async (
    resource: Resource<object>,
    group?: { run: ResourceGroup & { contexts: Map<string, ResourceContext> }; ready: Promise<void> },
  ): Promise<void> => {
    running++
    try {
      await extractOne(resource, group)
    } finally {
      running--
    }
  }

  /** Extracts one resource; a member of a group registers its context there and reads once the group is `ready`. */
  const extractOne = async (
    resource: Resource<object>,
    group?: { run: ResourceGroup & { contexts: Map<string, ResourceContext> }; ready: Promise<void> },
  ): Promise<void> => {
    if (extractSignal.aborted) throw abortError(extractSignal)
    const name = resource.name
    emit({ type: 'resource-start', resource: name })
    const spec = resourceSpec(resource, input.contract)
    const effective = effectiveDisposition(spec, input.capabilities)
    changes.push(...normalizer.registerResource(spec))
    specs.push(spec)
    pool?.setSchema(normalizer.schema, specs)
    const root = normalizer.tableOf(name)
    const ranges: ReplaceRange[] = []
    const ctx: ResourceContext = {
      state: resourceState(input.baseState, source.name, name),
      signal: extractSignal,
      emit: (e) => emit(e),
      replaceRange: (r) => {
        ranges.push({ column: normalizer.normalizeIdentifier(r.column), from: r.from, to: r.to })
      },
      warn: (message) => {
        manifest.warnings.push(message)
        emit({ type: 'warning', resource: name, message })
      },
      strict: input.strict,
      pageReader: pool
        ? (options) => pool.reader(options, { resource: name, loadId, format: input.format })
        : pageReaderHere,
      ...(group ? { group: group.run } : {}),
    }
    if (group) {
      group.run.contexts.set(name, ctx)
      await group.ready
    }
    const out = new PageWrites({
      resource: name,
      loadId,
      fs: store.fs,
      dir: jobsDir,
      format: input.format,
      normalizer,
      nextFileId,
      onFileClosed: (f) => {
        const job: PackageJob = {
          jobId: f.jobId,
          table: f.table,
          resource: name,
          format: f.format,
          rows: f.rows,
          bytes: f.bytes,
          checksum: f.checksum,
          state: 'new',
          retries: 0,
        }
        manifest.jobs.push(job)
        input.onJob?.(job)
      },
      onChanges: (c) => {
        changes.push(...c)
        pool?.setSchema(normalizer.schema, specs)
      },
      ...(input.fileMaxBytes !== undefined ? { fileMaxBytes: input.fileMaxBytes } : {}),
      ...(input.firstFileMaxBytes !== undefined ? { firstFileMaxBytes: input.firstFileMaxBytes } : {}),
      ...(pool ? { pool } : {}),
      ...(values ? { values } : {}),
    })
    const pages = resource.read(ctx)[Symbol.asyncIterator]()
    let done = false
    try {
      for (;;) {
        const next = await nextOrAbort(pages, extractSignal)
        if (next.done) {
          done = true
          if (running === 1 && queue.length === 0) input.onLastPage?.()
          break
        }
        await out.add(next.value)
      }
      await out.close()
    } catch (error) {
      const skipped = isSluiceError(error, 'RESOURCE_SKIPPED') && !input.strict
      if (!skipped) fail(error) // stop the others now, not after the discard
      if (!done) closeQuietly(pages)
      await out.discard()
      const closed = manifest.jobs.length
      manifest.jobs = manifest.jobs.filter((j) => j.resource !== name)
      if (manifest.jobs.length !== closed) input.onDiscard?.(name)
      if (extractSignal.aborted) throw abortError(extractSignal)
      if (skipped) {
        const reason = (error as Error).message
        manifest.skippedResources.push({ resource: name, reason })
        emit({ type: 'resource-skipped', resource: name, reason })
        return
      }
      throw error
    } finally {
      normalizeMs += out.ms
    }
    if (effective.warning) {
      manifest.warnings.push(effective.warning)
      emit({ type: 'warning', resource: name, message: effective.warning })
    }
    for (const note of out.notes()) {
      const message = noteMessage(note)
      manifest.warnings.push(message)
      emit({ type: 'warning', resource: name, message })
    }
    const disposition = effective.disposition
    const tableRows = out.tableRows
    const include = new Set(tableRows.keys())
    if (disposition === 'replace' || (disposition === 'merge' && ranges.length > 0)) {
      for (const t of tableWithChildren(normalizer.schema, root)) include.add(t)
    }
    for (const table of include) {
      manifest.tables[table] = {
        resource: name,
        disposition,
        ...(effective.mergeStrategy ? { mergeStrategy: effective.mergeStrategy } : {}),
        ...(effective.replaceStrategy ? { replaceStrategy: effective.replaceStrategy } : {}),
        // resources that write one table (the same tableName) add up
        rows: (manifest.tables[table]?.rows ?? 0) + (tableRows.get(table) ?? 0),
        ...(table === root && ranges.length > 0 ? { replaceRanges: ranges } : {}),
      }
    }
    setResourceState(state, source.name, name, ctx.state)
    emit({ type: 'resource-end', resource: name, rows: out.rows })
  }

  // refuse an unsupported disposition of any resource before the first one is fetched
  for (const r of input.resources) effectiveDisposition(resourceSpec(r, input.contract), input.capabilities)
  const queue = schedule(input.resources)
  const attempt = async (run: Promise<void>): Promise<void> => {
    try {
      await run
    } catch (error) {
      fail(error)
    }
  }
  const worker = async (): Promise<void> => {
    for (let unit = queue.shift(); unit && failure === undefined; unit = queue.shift()) {
      if (unit.length === 1 && unit[0]!.group === undefined) {
        await attempt(one(unit[0]!))
        continue
      }
      // a group's members start together: every context is in `contexts` before the first of them reads
      let open = (): void => {}
      const ready = new Promise<void>((resolve) => (open = resolve))
      const run = { name: unit[0]!.group!, contexts: new Map<string, ResourceContext>() }
      const runs = unit.map((r) => attempt(one(r, { run, ready })))
      open()
      await Promise.all(runs)
    }
  }
  const parallel = Math.max(1, Math.min(input.concurrency ?? 1, queue.length))
  try {
    await Promise.all(Array.from({ length: parallel }, worker))
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  if (signal.aborted) throw abortError(signal)
  if (failure !== undefined) throw failure

  // resources may finish in any order; keep the package in resource order
  const order = new Map(input.resources.map((r, i) => [r.name, i]))
  const rank = (resource: string): number => order.get(resource) ?? 0
  manifest.jobs.sort((a, b) => rank(a.resource) - rank(b.resource))
  manifest.tables = Object.fromEntries(
    Object.entries(manifest.tables).sort(([, a], [, b]) => rank(a.resource) - rank(b.resource)),
  )
  manifest.skippedResources.sort((a, b) => rank(a.resource) - rank(b.resource))
  checkTableRows(manifest)
  const before = JSON.stringify((input.previousState ?? input.baseState).sources)
  manifest.stateChanged = JSON.stringify(state.sources) !== before
  if (manifest.stateChanged) state.version += 1
  state.lastLoadId = loadId
  manifest.schemaChanges = changes
  await store.writePackageSchema(loadId, normalizer.schema)
  await store.writePackageState(loadId, state)
  manifest.state = 'normalized'
  await store.writePackage(manifest)
  return { state, extractMs: performance.now() - started, normalizeMs }
}

/**
 * The resources in the order they run, each alone or, when they have a `group`, with the rest of their group at the
 * place of its first member: one unit takes one of the run's `concurrency` slots.
 */
function schedule(resources: readonly Resource<object>[]): Resource<object>[][] {
  const units: Resource<object>[][] = []
  const groups = new Map<string, Resource<object>[]>()
  for (const r of resources) {
    if (r.group === undefined) {
      units.push([r])
      continue
    }
    let unit = groups.get(r.group)
    if (!unit) {
      unit = []
      groups.set(r.group, unit)
      units.push(unit)
    }
    unit.push(r)
  }
  return units
}

/**
 * The rows each table of the package counted (what the load info reports) against the rows its job files hold
 * (what every load job checks the destination took): they must agree, or a count drifted on the way.
 */
function checkTableRows(manifest: PackageManifest): void {
  const inFiles = new Map<string, number>()
  for (const j of manifest.jobs) inFiles.set(j.table, (inFiles.get(j.table) ?? 0) + j.rows)
  for (const name of new Set([...inFiles.keys(), ...Object.keys(manifest.tables)])) {
    const counted = manifest.tables[name]?.rows ?? 0
    if (counted === (inFiles.get(name) ?? 0)) continue
    throw new SluiceError(
      'PACKAGE_CORRUPT',
      `table ${name} of load package ${manifest.loadId} counted ${counted} row(s), but its job files hold ${inFiles.get(name) ?? 0}`,
      {
        hint: 'nothing of the package was loaded; this is a bug in sluice: please report it with the package folder',
      },
    )
  }
}
