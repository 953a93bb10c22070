import { lazyDataset } from '../dataset/dataset.ts'
import type { Dataset } from '../dataset/dataset-types.ts'
import type { DestinationClient } from '../destination/destination-types.ts'
import { isSluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import type { Normalizer, NormalizerOptions } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { normalizeIdentifier } from '../schema/naming-convention.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { Source } from '../source/source-types.ts'
import { newLoadId } from '../storage/load-id.ts'
import { LoadPackageStore } from '../storage/load-package-store.ts'
import type { DestinationRecord, PackageManifest, PipelineState, RunTrace } from '../storage/package-types.ts'
import type { EarlyLoadResult } from './pipeline-early-load.ts'
import { abortError } from './pipeline-extract.ts'
import { type LoadInput, type LoadOutput, loadStep } from './pipeline-load.ts'
import {
  dispose,
  dropPending,
  dropResources,
  failedJobsOf,
  planDrop,
  pruneLoaded,
  pruneWarning,
  storedSchemas,
  syncFromDestination,
} from './pipeline-maintenance.ts'
import { extractNewPackage } from './pipeline-new-package.ts'
import { refreshPlan, schemaAfterRefresh } from './pipeline-refresh.ts'
import { pendingPackages, restoreFromDestination } from './pipeline-restore.ts'
import { DEFAULT_SLEEP, latest, linkedSignal, selectResources } from './pipeline-run-setup.ts'
import { emptyState, jsonCopy } from './pipeline-state.ts'
import { checkPipelineOptions, recordDestination, resolveTarget, type Target } from './pipeline-target.ts'
import { RunRecord } from './pipeline-trace.ts'
import type {
  DropOptions,
  DropPlan,
  FailedJob,
  LoadInfo,
  PackageInfo,
  Pipeline,
  PipelineOptions,
  RunOptions,
} from './pipeline-types.ts'

/** Builds a normalizer for a run; see {@link PipelineInternals}. */
export type NormalizerFactory = (schema: Schema | undefined, options: NormalizerOptions) => Normalizer

/** Test and integration seams of {@link pipeline} that are not part of the everyday options. */
export interface PipelineInternals {
  /** Default: `createNormalizer` from the normalize area. */
  createNormalizer?: NormalizerFactory
}

/**
 * Creates a pipeline: a name, a destination, a dataset and a directory of local state and load packages on the
 * file system given (`pipeline` from `@sluice/core/node` defaults both). Without a destination it uses the one it
 * recorded at its last run. Nothing touches the disk or the destination until a method is called.
 */
export function pipeline(options: PipelineOptions, internals: PipelineInternals = {}): Pipeline {
  return new PipelineRunner(options, internals)
}

class PipelineRunner implements Pipeline {
  readonly pipelineName: string
  readonly datasetName: string
  readonly pipelinesDir: string
  private readonly store: LoadPackageStore
  private readonly options: PipelineOptions
  private readonly internals: PipelineInternals
  private targetPromise: Promise<Target> | undefined

  constructor(options: PipelineOptions, internals: PipelineInternals) {
    checkPipelineOptions(options)
    this.options = options
    this.internals = internals
    this.pipelineName = options.pipelineName
    this.datasetName = normalizeIdentifier(options.datasetName ?? `${options.pipelineName}_dataset`)
    this.pipelinesDir = options.pipelinesDir
    this.store = new LoadPackageStore(options.fs, options.pipelinesDir, options.pipelineName)
  }

  private emit(e: PipelineEvent): void {
    try {
      this.options.onEvent?.(e)
    } catch {
      // a listener's failure must not break the run
    }
  }

  /** A warning for the run's summary, also sent as an event. */
  private warn(info: LoadInfo, message: string): void {
    info.warnings.push(message)
    this.emit({ type: 'warning', message })
  }

  /** The destination and dataset: from the options, else from the pipeline's record. Resolved once. */
  private target(): Promise<Target> {
    this.targetPromise ??= resolveTarget(this.options, this.store, this.datasetName).catch(
      (error: unknown) => {
        this.targetPromise = undefined
        throw error
      },
    )
    return this.targetPromise
  }

  private async client(
    target: Target,
    signal?: AbortSignal,
    emit: (e: PipelineEvent) => void = (e) => this.emit(e),
  ): Promise<DestinationClient> {
    return target.destination.createClient({
      datasetName: target.datasetName,
      pipelineName: this.pipelineName,
      emit,
      ...(signal ? { signal } : {}),
    })
  }

  /**
   * Runs `fn` holding the pipeline's lock (`<pipelinesDir>/<pipelineName>/run.lock`) where the file system can
   * lock: a second run of the same pipeline would discard the first one's package in flight and load rows twice.
   */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const store = this.store
    const lock = await store.fs.lock?.(store.lockFile)
    try {
      return await fn()
    } finally {
      await lock?.release()
    }
  }

  async run(source: Source, runOptions: RunOptions = {}): Promise<LoadInfo> {
    // before the lock, which creates the pipeline's folder: an unknown pipeline stays unknown
    await this.target()
    return this.locked(() => this.runLocked(source, runOptions))
  }

  /**
   * One run: restore from the destination, finish pending packages, extract and normalize a new package, load
   * it. The trace is written whatever happens.
   */
  private async runLocked(source: Source, runOptions: RunOptions): Promise<LoadInfo> {
    const store = this.store
    const target = await this.target()
    const { destination, datasetName } = target
    const signal = linkedSignal(runOptions.signal).signal
    const record = new RunRecord({
      pipelineName: this.pipelineName,
      datasetName,
      destinationName: destination.name,
    })
    const info = record.info
    const warn = (message: string): void => this.warn(info, message)
    // the run's events, counted in its trace (retries and rate-limit waits) on their way to the listener
    const emit = (e: PipelineEvent): void => {
      record.observe(e)
      this.emit(e)
    }
    let client: DestinationClient | undefined
    /** The new package was loaded: its job files go while the destination closes. */
    let loaded = false
    try {
      const resources = selectResources(source, runOptions.resources)
      client = await this.client(target, signal, emit)
      info.destinationLocation = client.location
      const previous = await store.readDestination()
      await recordDestination(this.store, target, client, this.pipelineName)
      const pending = await pendingPackages(store)
      const ids = await store.loadIds()
      record.begin('restore')
      let { state, schema } = await restoreFromDestination({
        store,
        client,
        pipelineName: this.pipelineName,
        datasetName,
        schemaName: source.name,
        previous,
        pipelinesDir: this.pipelinesDir,
        warn,
      })
      record.end()

      // finish pending packages first
      for (const [i, m] of pending.entries()) {
        const damage = await store.damagedJob(m)
        if (damage !== undefined) {
          // the packages after it carry on from its state: they go too, and the run extracts it all again
          const dropped = pending.slice(i).map((p) => p.loadId)
          for (const id of dropped) await store.removePackage(id)
          warn(
            `pending load package ${m.loadId} is damaged (${damage}): dropped it${dropped.length > 1 ? ` and the ${dropped.length - 1} pending package(s) after it` : ''}; nothing of them was committed, so this run extracts their data again`,
          )
          break
        }
        this.emit({ type: 'package-resumed', loadId: m.loadId, state: m.state })
        info.resumedPackages.push(m.loadId)
        const out = await this.load(client, m, signal, record, emit)
        // its files go now, as the run goes on (the new package's go while the destination closes)
        await pruneLoaded(store).catch((error: unknown) => this.warn(info, pruneWarning(error)))
        state = out.state
        if (out.schema.name === source.name) schema = out.schema
      }

      // extract and normalize into a new package, then load it
      const previousState = state ?? emptyState(this.pipelineName)
      const baseState = jsonCopy(previousState)
      const refresh = refreshPlan(runOptions.refresh, source, resources, schema, baseState)
      const loadId = newLoadId(latest(ids.at(-1), state?.lastLoadId))
      const { manifest, early } = await extractNewPackage({
        store,
        client,
        source,
        resources,
        options: { ...this.options, destination },
        runOptions,
        loadId,
        schema: schemaAfterRefresh(schema, refresh),
        previousState,
        baseState,
        refresh,
        createNormalizer: (s, o) => this.normalizer(s, o),
        record,
        signal,
        emit,
        warn,
      })
      await this.load(client, manifest, signal, record, emit, early)
      loaded = true
      if (refresh) {
        info.refresh = {
          mode: refresh.mode,
          droppedTables: refresh.dropTables,
          emptiedTables: refresh.truncateTables,
        }
      }
      return info
    } catch (error) {
      record.fail(error)
      if (signal.aborted && !isSluiceError(error, 'RUN_ABORTED')) throw abortError(signal)
      throw error
    } finally {
      record.finish()
      // removing the job files (hundreds of MB after a big load) and closing the destination (DuckDB's checkpoint)
      // take tens of milliseconds each and do not wait on each other
      await Promise.all([
        store.writeTrace(record.trace).catch(() => undefined),
        client ? dispose(client) : undefined,
        loaded
          ? pruneLoaded(store).catch((error: unknown) => this.warn(info, pruneWarning(error)))
          : undefined,
      ])
    }
  }

  /** Loads one package: the load step of the run (see {@link loadStep}). */
  private async load(
    client: DestinationClient,
    manifest: PackageManifest,
    signal: AbortSignal,
    record: RunRecord,
    emit: (e: PipelineEvent) => void,
    early?: EarlyLoadResult,
  ): Promise<LoadOutput> {
    const input: LoadInput = {
      store: this.store,
      client,
      capabilities: (await this.target()).destination.capabilities,
      manifest,
      loadRetries: this.options.loadRetries ?? 5,
      sleep: this.options.sleep ?? DEFAULT_SLEEP,
      retryDelayMs: this.options.retryDelayMs ?? ((attempt) => Math.min(30_000, 1000 * 2 ** (attempt - 1))),
      signal,
      emit,
      warn: (message) => this.warn(record.info, message),
      ...(early ? { early } : {}),
    }
    return loadStep(input, record)
  }

  private normalizer(schema: Schema | undefined, options: NormalizerOptions): Normalizer {
    const factory = this.internals.createNormalizer ?? createNormalizer
    return factory(schema ? jsonCopy(schema) : undefined, options)
  }

  destinationRecord(): Promise<DestinationRecord | undefined> {
    return this.store.readDestination()
  }

  dataset(): Dataset {
    return lazyDataset(async () => {
      const { destination, datasetName } = await this.target()
      return {
        destination,
        datasetName,
        schemas: await storedSchemas(this.store),
        pipelineName: this.pipelineName,
      }
    })
  }

  state(): Promise<PipelineState | undefined> {
    return this.store.readState()
  }

  async schema(name?: string): Promise<Schema | undefined> {
    const n = name ?? (await this.store.schemaNames())[0]
    return n === undefined ? undefined : this.store.readSchema(n)
  }

  lastTrace(): Promise<RunTrace | undefined> {
    return this.store.readTrace()
  }

  packages(): Promise<PackageInfo[]> {
    return this.store.packages()
  }

  package(loadId: string): Promise<PackageInfo | undefined> {
    return this.store.readPackage(loadId)
  }

  async failedJobs(): Promise<FailedJob[]> {
    return failedJobsOf(await this.packages())
  }

  dropPendingPackages(): Promise<string[]> {
    return this.locked(() => dropPending(this.store))
  }

  async sync(): Promise<void> {
    const target = await this.target()
    return this.locked(async () => {
      const client = await this.client(target)
      try {
        await syncFromDestination({
          store: this.store,
          client,
          pipelineName: this.pipelineName,
          datasetName: target.datasetName,
        })
        await recordDestination(this.store, target, client, this.pipelineName)
      } finally {
        await dispose(client)
      }
    })
  }

  async dropPlan(selection: readonly string[], options: DropOptions = {}): Promise<DropPlan> {
    const state = (await this.store.readState()) ?? emptyState(this.pipelineName)
    return planDrop(this.store, state, selection, options)
  }

  async drop(selection: readonly string[], options: DropOptions = {}): Promise<DropPlan> {
    const target = await this.target()
    return this.locked(async () => {
      const state = (await this.store.readState()) ?? emptyState(this.pipelineName)
      const plan = await planDrop(this.store, state, selection, options)
      const client = await this.client(target)
      try {
        await dropResources({
          store: this.store,
          client,
          state,
          destinationName: target.destination.name,
          plan,
        })
        return plan
      } finally {
        await dispose(client)
      }
    })
  }
}
