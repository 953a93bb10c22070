import type { Destination, DestinationClient } from '../destination/destination-types.ts'
import { isSluiceError, SluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import type { JobFileFormat } from '../job-files/encoded-rows.ts'
import type { Normalizer, NormalizerOptions } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { PagePool } from '../page-workers/page-pool.ts'
import { normalizeIdentifier } from '../schema/naming-convention.ts'
import { mergeStoredSchema } from '../schema/schema-evolution.ts'
import type { Schema, SchemaChange } from '../schema/schema-types.ts'
import type { Resource, Source } from '../source/source-types.ts'
import { newLoadId } from '../storage/load-id.ts'
import { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PackageManifest, PipelineState, RunTrace, TraceStep } from '../storage/package-types.ts'
import { EarlyLoader, type EarlyLoadResult } from './pipeline-early-load.ts'
import { abortError, extractPackage } from './pipeline-extract.ts'
import { loadPackage, refreshTables } from './pipeline-load.ts'
import {
  emptyState,
  fromStoredState,
  jsonCopy,
  setResourceState,
  tablesOfResource,
  toStoredState,
} from './pipeline-state.ts'
import type {
  FailedJob,
  LoadInfo,
  PackageInfo,
  Pipeline,
  PipelineOptions,
  RunOptions,
} from './pipeline-types.ts'

/** Builds a normalizer for a run; see {@link PipelineInternals}. */
export type NormalizerFactory = (schema: Schema | undefined, options: NormalizerOptions) => Normalizer

type EarlyLoaderClient = DestinationClient & Required<Pick<DestinationClient, 'prepareTables'>>

/** Test and integration seams of {@link pipeline} that are not part of the everyday options. */
export interface PipelineInternals {
  /** Default: `createNormalizer` from the normalize area. */
  createNormalizer?: NormalizerFactory
}

const DEFAULT_SLEEP = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Number(a) >= Number(b) ? a : b
}

/** Loaded packages whose manifests are kept (job files of loaded packages are deleted at once). */
const KEEP_LOADED_PACKAGES = 100

async function dispose(client: DestinationClient): Promise<void> {
  try {
    await client[Symbol.asyncDispose]()
  } catch {
    // closing a connection must not hide the run's outcome
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function linkedSignal(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController()
  if (signal?.aborted) controller.abort(signal.reason)
  else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true })
  return controller
}

function jobFormat(destination: Destination): JobFileFormat {
  return destination.capabilities.fileFormats[0] === 'csv' ? 'csv' : 'jsonl'
}

/**
 * Creates a pipeline: a name, a destination, a dataset and a directory of local state and load packages.
 * Nothing touches the disk or the destination until a method is called.
 */
export function pipeline(options: PipelineOptions, internals: PipelineInternals = {}): Pipeline {
  return new PipelineRunner(options, internals)
}

class PipelineRunner implements Pipeline {
  readonly pipelineName: string
  readonly datasetName: string
  readonly pipelinesDir: string
  private readonly packageStore: LoadPackageStore
  private readonly options: PipelineOptions
  private readonly internals: PipelineInternals

  constructor(options: PipelineOptions, internals: PipelineInternals) {
    if (!/\S/.test(options.pipelineName) || /[/\\]|^\.\.?$/.test(options.pipelineName)) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `pipeline name "${options.pipelineName}" is not usable as a folder name`,
        {
          hint: 'use letters, digits and _',
        },
      )
    }
    // core takes nothing from the runtime: a caller in plain JavaScript gets told where the defaults are
    if (!options.fs || typeof options.pipelinesDir !== 'string' || options.pipelinesDir === '') {
      throw new SluiceError(
        'CONFIG_INVALID',
        `pipeline ${options.pipelineName} has no ${options.fs ? 'pipelinesDir' : 'file system'} for its state and load packages`,
        {
          hint: "on Node.js or Deno import { pipeline } from '@sluice/core/node' (it defaults both), or pass fs: nodeFileSystem() and pipelinesDir",
        },
      )
    }
    this.options = options
    this.internals = internals
    this.pipelineName = options.pipelineName
    this.datasetName = normalizeIdentifier(options.datasetName ?? `${options.pipelineName}_dataset`)
    this.pipelinesDir = options.pipelinesDir
    this.packageStore = new LoadPackageStore(options.fs, options.pipelinesDir, options.pipelineName)
  }

  private store(): Promise<LoadPackageStore> {
    return Promise.resolve(this.packageStore)
  }

  private emit(e: PipelineEvent): void {
    try {
      this.options.onEvent?.(e)
    } catch {
      // a listener's failure must not break the run
    }
  }

  private async client(signal?: AbortSignal): Promise<DestinationClient> {
    return this.options.destination.createClient({
      datasetName: this.datasetName,
      pipelineName: this.pipelineName,
      emit: (e) => this.emit(e),
      ...(signal ? { signal } : {}),
    })
  }

  /**
   * Runs `fn` holding the pipeline's lock (`<pipelinesDir>/<pipelineName>/run.lock`) where the file system can
   * lock: a second run of the same pipeline would discard the first one's package in flight and load rows twice.
   */
  private async locked<T>(fn: (store: LoadPackageStore) => Promise<T>): Promise<T> {
    const store = await this.store()
    const lock = await store.fs.lock?.(store.lockFile)
    try {
      return await fn(store)
    } finally {
      await lock?.release()
    }
  }

  run(source: Source, runOptions: RunOptions = {}): Promise<LoadInfo> {
    return this.locked((store) => this.runLocked(store, source, runOptions))
  }

  private async runLocked(
    store: LoadPackageStore,
    source: Source,
    runOptions: RunOptions,
  ): Promise<LoadInfo> {
    const destination = this.options.destination
    const controller = linkedSignal(runOptions.signal)
    const signal = controller.signal
    const startedAt = new Date().toISOString()
    const info: LoadInfo = {
      pipelineName: this.pipelineName,
      destinationName: destination.name,
      destinationLocation: '',
      datasetName: this.datasetName,
      loadIds: [],
      tables: {},
      schemaChanges: [],
      skippedResources: [],
      warnings: [],
      failedJobs: [],
      startedAt,
      finishedAt: startedAt,
      durations: { extract: 0, normalize: 0, load: 0 },
      resumedPackages: [],
    }
    const trace: RunTrace = {
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      destinationName: destination.name,
      startedAt,
      steps: [],
      loadIds: info.loadIds,
      resumedPackages: info.resumedPackages,
      skippedResources: info.skippedResources,
      warnings: info.warnings,
    }
    const step = (name: TraceStep['step'], loadId?: string): TraceStep => {
      const s: TraceStep = { step: name, startedAt: new Date().toISOString(), ...(loadId ? { loadId } : {}) }
      trace.steps.push(s)
      return s
    }
    const endStep = (s: TraceStep, error?: unknown): void => {
      s.finishedAt = new Date().toISOString()
      s.ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt)
      if (error !== undefined) s.error = messageOf(error)
    }
    let client: DestinationClient | undefined
    let current: TraceStep | undefined
    try {
      const resources = this.selectResources(source, runOptions.resources)
      client = await this.client(signal)
      info.destinationLocation = client.location

      // discard interrupted packages; collect pending ones
      const pending: PackageManifest[] = []
      for (const m of await store.packages()) {
        if (m.state === 'extracted') await store.removePackage(m.loadId)
        else if (m.state === 'normalized') pending.push(m)
      }
      const ids = await store.loadIds()

      // restore state and schema from the destination on a fresh machine
      current = step('restore')
      let state = await store.readState()
      let schema = await store.readSchema(source.name)
      await client.initialize()
      // The destination is the truth: local state is a cache of what was committed there. A destination that
      // holds a different load (another machine loaded since, or a restored backup) wins; one that holds none
      // although this pipeline loaded before (a new database file, a dropped dataset) means a full reload,
      // because incremental state without its data would silently skip rows.
      const storedState = await client.getStoredState(this.pipelineName)
      const remoteNewer = storedState !== undefined && storedState.loadId !== state?.lastLoadId
      if (remoteNewer) {
        state = await fromStoredState(storedState)
        await store.writeState(state)
      } else if (storedState === undefined && state?.lastLoadId !== undefined) {
        const message = `the destination (${client.location}, dataset ${this.datasetName}) holds no state of pipeline ${this.pipelineName} although load ${state.lastLoadId} was committed before: loading everything again`
        info.warnings.push(message)
        this.emit({ type: 'warning', message })
        state = undefined
        await store.writeState(emptyState(this.pipelineName))
      }
      if (!schema || remoteNewer) {
        const stored = await client.getStoredSchema(source.name)
        if (stored) {
          schema = mergeStoredSchema(schema, stored.schema)
          await store.writeSchema(schema)
        }
      }
      endStep(current)

      // finish pending packages first
      for (const m of pending) {
        this.emit({ type: 'package-resumed', loadId: m.loadId, state: m.state })
        info.resumedPackages.push(m.loadId)
        const loaded = await this.load(store, client, m, signal, info, trace)
        state = loaded.state
        if (loaded.schema.name === source.name) schema = loaded.schema
      }

      // extract and normalize into a new package
      const previous = state ?? emptyState(this.pipelineName)
      const base = jsonCopy(previous)
      const refresh = this.refreshPlan(source, resources, runOptions, schema, base)
      if (refresh?.mode === 'drop_sources') schema = undefined
      else if (refresh?.mode === 'drop_resources' && schema) {
        const drop = new Set(refresh.dropTables)
        schema = {
          ...schema,
          tables: Object.fromEntries(Object.entries(schema.tables).filter(([n]) => !drop.has(n))),
        }
      }
      const loadId = newLoadId(latest(ids.at(-1), state?.lastLoadId))
      const manifest: PackageManifest = {
        loadId,
        pipelineName: this.pipelineName,
        schemaName: source.name,
        state: 'extracted',
        format: jobFormat(destination),
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        tables: {},
        jobs: [],
        schemaChanges: [],
        ...(refresh ? { refresh } : {}),
        skippedResources: [],
        warnings: [],
        stateChanged: false,
        attempts: 0,
      }
      const normalizerOptions: NormalizerOptions = {
        schemaName: source.name,
        maxIdentifierLength: destination.capabilities.maxIdentifierLength,
        ...((runOptions.contract ?? source.contract)
          ? { contract: runOptions.contract ?? source.contract }
          : {}),
      }
      const normalizer = this.normalizer(schema, normalizerOptions)
      await store.createPackage(manifest)
      const pool = this.options.pageWorkers
        ? new PagePool(this.options.pageWorkers, {
            ...normalizerOptions,
            initialTables: Object.keys(normalizer.schema.tables),
          })
        : undefined
      const early =
        client.prepareTables && !refresh && this.options.loadWhileExtracting !== false
          ? new EarlyLoader({
              client: client as EarlyLoaderClient,
              store,
              loadId,
              normalizer,
              signal,
              emit: (e) => this.emit(e),
            })
          : undefined
      let earlyResult: EarlyLoadResult | undefined
      current = step('extract', loadId)
      this.emit({ type: 'step', step: 'extract', phase: 'start', loadId })
      this.emit({ type: 'step', step: 'normalize', phase: 'start', loadId })
      try {
        const out = await extractPackage({
          store,
          source,
          resources,
          normalizer,
          baseState: base,
          previousState: previous,
          manifest,
          format: manifest.format,
          strict: runOptions.strict ?? false,
          capabilities: destination.capabilities,
          concurrency: this.options.resourceConcurrency ?? 3,
          signal,
          emit: (e) => this.emit(e),
          ...(pool ? { pool } : {}),
          ...(this.options.fileMaxBytes !== undefined ? { fileMaxBytes: this.options.fileMaxBytes } : {}),
          ...(early
            ? {
                onJob: (job) => early.add(job),
                onDiscard: (resource) => early.stop(`the files of resource ${resource} were discarded`),
              }
            : {}),
        }).finally(() => pool?.close())
        info.durations.extract += out.extractMs
        info.durations.normalize += out.normalizeMs
        // waiting for loads still queued is load time
        early?.extractionDone()
        const waitStart = performance.now()
        earlyResult = await early?.finish()
        info.durations.load += performance.now() - waitStart
        if (early?.reason !== undefined && earlyResult === undefined) {
          // the cause of a failed early load must not be lost when the load step fails again
          const message = `loading while extracting stopped (${early.reason}); the load step loads every job file again`
          info.warnings.push(message)
          this.emit({ type: 'warning', message })
        }
      } catch (error) {
        early?.stop('the extraction failed')
        await early?.finish()
        await store.removePackage(loadId).catch(() => undefined)
        throw error
      } finally {
        info.skippedResources.push(...manifest.skippedResources)
        info.warnings.push(...manifest.warnings)
      }
      current.rows = Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, v.rows]))
      endStep(current)
      const norm = step('normalize', loadId)
      norm.ms = Math.round(info.durations.normalize)
      norm.finishedAt = current.finishedAt!
      this.emit({ type: 'step', step: 'normalize', phase: 'end', loadId })
      this.emit({ type: 'step', step: 'extract', phase: 'end', loadId })
      current = undefined
      await this.load(store, client, manifest, signal, info, trace, earlyResult)
      return info
    } catch (error) {
      if (current && current.finishedAt === undefined) endStep(current, error)
      trace.error = messageOf(error)
      if (signal.aborted && !isSluiceError(error, 'RUN_ABORTED')) throw abortError(signal)
      throw error
    } finally {
      info.finishedAt = new Date().toISOString()
      for (const k of ['extract', 'normalize', 'load'] as const)
        info.durations[k] = Math.round(info.durations[k])
      trace.finishedAt = info.finishedAt
      await store.writeTrace(trace).catch(() => undefined)
      if (client) await dispose(client)
    }
  }

  private async load(
    store: LoadPackageStore,
    client: DestinationClient,
    manifest: PackageManifest,
    signal: AbortSignal,
    info: LoadInfo,
    trace: RunTrace,
    early?: EarlyLoadResult,
  ): Promise<{ schema: Schema; state: PipelineState }> {
    const loadId = manifest.loadId
    const s: TraceStep = { step: 'load', loadId, startedAt: new Date().toISOString() }
    trace.steps.push(s)
    const t0 = performance.now()
    this.emit({ type: 'step', step: 'load', phase: 'start', loadId })
    try {
      const out = await loadPackage({
        store,
        client,
        manifest,
        loadRetries: this.options.loadRetries ?? 5,
        sleep: this.options.sleep ?? DEFAULT_SLEEP,
        retryDelayMs: this.options.retryDelayMs ?? ((attempt) => Math.min(30_000, 1000 * 2 ** (attempt - 1))),
        signal,
        emit: (e) => this.emit(e),
        warn: (message) => {
          info.warnings.push(message)
          this.emit({ type: 'warning', message })
        },
        ...(early ? { early } : {}),
      })
      info.loadIds.push(loadId)
      await this.prune(store)
      for (const [table, t] of Object.entries(manifest.tables)) {
        info.tables[table] = { rows: (info.tables[table]?.rows ?? 0) + t.rows }
      }
      info.schemaChanges.push(...(manifest.schemaChanges as SchemaChange[]))
      s.rows = Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, v.rows]))
      return out
    } catch (error) {
      for (const j of manifest.jobs) {
        if (j.state === 'failed')
          info.failedJobs.push({ loadId, jobId: j.jobId, table: j.table, error: j.error ?? '' })
      }
      s.error = messageOf(error)
      throw error
    } finally {
      info.durations.load += performance.now() - t0
      s.finishedAt = new Date().toISOString()
      s.ms = Math.round(performance.now() - t0)
      this.emit({ type: 'step', step: 'load', phase: 'end', loadId })
    }
  }

  /** Deletes the job files of loaded packages and all but the newest loaded manifests. */
  private async prune(store: LoadPackageStore): Promise<void> {
    const loaded = (await store.packages()).filter((m) => m.state === 'loaded')
    for (const [i, m] of loaded.entries()) {
      if (i < loaded.length - KEEP_LOADED_PACKAGES) await store.removePackage(m.loadId)
      else {
        await store.fs.remove(store.jobsDir(m.loadId, 'completed'))
        await store.fs.remove(store.jobsDir(m.loadId, 'new'))
      }
    }
  }

  private normalizer(schema: Schema | undefined, options: NormalizerOptions): Normalizer {
    const factory = this.internals.createNormalizer ?? createNormalizer
    return factory(schema ? jsonCopy(schema) : undefined, options)
  }

  private selectResources(source: Source, names: readonly string[] | undefined): Resource<object>[] {
    if (!names || names.length === 0) return [...source.resources]
    const byName = new Map(source.resources.map((r) => [r.name, r]))
    const unknown = names.filter((n) => !byName.has(n))
    if (unknown.length > 0) {
      throw new SluiceError(
        'RESOURCE_UNKNOWN',
        `source ${source.name} has no resource ${unknown.join(', ')}`,
        {
          hint: `use one of ${[...byName.keys()].join(', ')}`,
        },
      )
    }
    return names.map((n) => byName.get(n)!)
  }

  /** Resets `base` for the refresh mode and returns the tables to drop or empty at load time. */
  private refreshPlan(
    source: Source,
    resources: readonly Resource<object>[],
    options: RunOptions,
    schema: Schema | undefined,
    base: PipelineState,
  ): PackageManifest['refresh'] {
    const mode = options.refresh
    if (!mode) return undefined
    if (mode === 'drop_sources') {
      base.sources[source.name] = { resources: {} }
      const roots = Object.values(schema?.tables ?? {})
        .filter((t) => t.parent === undefined)
        .map((t) => t.name)
      return { mode, dropTables: refreshTables(schema, roots), truncateTables: [] }
    }
    const tables: string[] = []
    for (const r of resources) {
      setResourceState(base, source.name, r.name, undefined)
      for (const t of tablesOfResource(schema, r.name)) if (!tables.includes(t)) tables.push(t)
    }
    return mode === 'drop_resources'
      ? { mode, dropTables: tables, truncateTables: [] }
      : { mode, dropTables: [], truncateTables: tables }
  }

  async state(): Promise<PipelineState | undefined> {
    return (await this.store()).readState()
  }

  async schema(name?: string): Promise<Schema | undefined> {
    const store = await this.store()
    const n = name ?? (await store.schemaNames())[0]
    return n === undefined ? undefined : store.readSchema(n)
  }

  async lastTrace(): Promise<RunTrace | undefined> {
    return (await this.store()).readTrace()
  }

  async packages(): Promise<PackageInfo[]> {
    return (await this.store()).packages()
  }

  async package(loadId: string): Promise<PackageInfo | undefined> {
    return (await this.store()).readPackage(loadId)
  }

  async failedJobs(): Promise<FailedJob[]> {
    const out: FailedJob[] = []
    for (const m of await this.packages()) {
      for (const j of m.jobs) {
        if (j.state === 'failed')
          out.push({ loadId: m.loadId, jobId: j.jobId, table: j.table, error: j.error ?? '' })
      }
    }
    return out
  }

  dropPendingPackages(): Promise<void> {
    return this.locked(async (store) => {
      for (const m of await store.packages()) if (m.state !== 'loaded') await store.removePackage(m.loadId)
    })
  }

  sync(): Promise<void> {
    return this.locked((store) => this.syncLocked(store))
  }

  private async syncLocked(store: LoadPackageStore): Promise<void> {
    const client = await this.client()
    try {
      await client.initialize()
      const stored = await client.getStoredState(this.pipelineName)
      if (!stored) {
        throw new SluiceError(
          'STATE_NOT_FOUND',
          `the destination holds no state for pipeline ${this.pipelineName}`,
          {
            hint: `check --destination and --dataset (now ${this.datasetName})`,
          },
        )
      }
      const state = await fromStoredState(stored)
      await store.writeState(state)
      for (const name of new Set([...Object.keys(state.sources), ...(await store.schemaNames())])) {
        const schema = await client.getStoredSchema(name)
        if (schema) await store.writeSchema(schema.schema)
      }
    } finally {
      await dispose(client)
    }
  }

  drop(resources: string[]): Promise<void> {
    return this.locked((store) => this.dropLocked(store, resources))
  }

  private async dropLocked(store: LoadPackageStore, resources: string[]): Promise<void> {
    const state = (await store.readState()) ?? emptyState(this.pipelineName)
    const client = await this.client()
    try {
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
            throw new SluiceError(
              'DROP_UNSUPPORTED',
              `destination ${this.options.destination.name} cannot drop tables`,
              {
                hint: 'drop them with the database tools',
              },
            )
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
    } finally {
      await dispose(client)
    }
  }
}
