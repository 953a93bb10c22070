import type { Destination, DestinationClient } from '../destination/destination-types.ts'
import { SluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import type { JobFileFormat } from '../job-files/encoded-rows.ts'
import type { Normalizer, NormalizerOptions } from '../normalize/normalize-types.ts'
import { PagePool } from '../page-workers/page-pool.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { Resource, Source } from '../source/source-types.ts'
import { DEFAULT_FILE_MAX_BYTES } from '../storage/job-writer.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PackageManifest, PipelineState } from '../storage/package-types.ts'
import { EarlyLoader, type EarlyLoadResult } from './pipeline-early-load.ts'
import { extractPackage } from './pipeline-extract.ts'
import type { RefreshPlan } from './pipeline-refresh.ts'
import type { RunRecord } from './pipeline-trace.ts'
import type { PipelineOptions, RunOptions } from './pipeline-types.ts'

type EarlyLoaderClient = DestinationClient & Required<Pick<DestinationClient, 'prepareTables'>>

/**
 * The first job file of each table, where files load while extracting: half of `fileMaxBytes`. Its load then
 * starts about halfway through a run of one to two files' rows and ends before the last page, so that what is left
 * after the last page is the rest alone, loaded on all of the destination's threads: 240,000 Clockodo entries
 * (about 72 MiB) had 216,000 rows in the first 64 MiB file, loaded on one thread until 0.6 s after the last page;
 * with a 32 MiB first file the run ended 0.15-0.34 s sooner, at the same CPU seconds and about 50 MB more at peak
 * (apps/bench/README.md). Later files rotate at `fileMaxBytes` as before (a run of many files gets one more).
 */
const EARLY_FIRST_FILE_SHARE = 0.5

/**
 * The size job files rotate at: the pipeline's `fileMaxBytes`, else the destination's `jobFileMaxBytes`, else
 * {@link DEFAULT_FILE_MAX_BYTES}. A size that is not a positive number of bytes is refused (CONFIG_INVALID): it
 * would close a file after every row.
 */
function jobFileMaxBytes(fileMaxBytes: number | undefined, destination: Destination): number {
  const fromDestination = destination.capabilities.jobFileMaxBytes
  const size = fileMaxBytes ?? fromDestination ?? DEFAULT_FILE_MAX_BYTES
  if (Number.isFinite(size) && size >= 1) return size
  const what =
    fileMaxBytes !== undefined
      ? 'the pipeline option fileMaxBytes'
      : `destination ${destination.name}'s capabilities.jobFileMaxBytes`
  throw new SluiceError('CONFIG_INVALID', `${what} is ${size}: job files need a size of at least 1 byte`, {
    hint: `leave it out for ${fileMaxBytes !== undefined ? "the destination's size" : '64 MiB'}, or give a size in bytes such as ${8 * 1024 * 1024} (8 MiB)`,
  })
}

/** Everything {@link extractNewPackage} needs. */
export interface NewPackageInput {
  store: LoadPackageStore
  client: DestinationClient
  source: Source
  resources: readonly Resource<object>[]
  /** The pipeline's options, with the destination it resolved. */
  options: PipelineOptions & { destination: Destination }
  runOptions: RunOptions
  loadId: string
  /** The schema to normalize against (refresh applied). */
  schema: Schema | undefined
  /** The committed state before the run. */
  previousState: PipelineState
  /** The state the resources start from (refresh resets applied). */
  baseState: PipelineState
  refresh: RefreshPlan | undefined
  /** Builds the run's normalizer. */
  createNormalizer(schema: Schema | undefined, options: NormalizerOptions): Normalizer
  record: RunRecord
  signal: AbortSignal
  emit(e: PipelineEvent): void
  warn(message: string): void
}

/** The format core writes a destination's job files in: csv when it prefers csv, else jsonl. */
function jobFormat(options: { destination: Destination }): JobFileFormat {
  return options.destination.capabilities.fileFormats[0] === 'csv' ? 'csv' : 'jsonl'
}

/** The manifest of a package about to be extracted (state `extracted`, nothing in it yet). */
function newManifest(input: NewPackageInput): PackageManifest {
  return {
    loadId: input.loadId,
    pipelineName: input.options.pipelineName,
    schemaName: input.source.name,
    state: 'extracted',
    format: jobFormat(input.options),
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    tables: {},
    jobs: [],
    schemaChanges: [],
    ...(input.refresh ? { refresh: input.refresh } : {}),
    skippedResources: [],
    warnings: [],
    stateChanged: false,
    attempts: 0,
  }
}

/**
 * Extracts and normalizes the source into a new package on disk (the extract and normalize steps of the trace),
 * with the pipeline's page workers, and loading each closed job file at once where the destination can
 * (`prepareTables`, `loadWhileExtracting`, no refresh). A failed extraction removes the package. Returns its
 * manifest (state `normalized`) and what the early loads achieved.
 */
export async function extractNewPackage(
  input: NewPackageInput,
): Promise<{ manifest: PackageManifest; early: EarlyLoadResult | undefined }> {
  const { store, client, source, options, runOptions, loadId, record, signal, emit } = input
  const info = record.info
  const destination = options.destination
  const manifest = newManifest(input)
  const normalizerOptions: NormalizerOptions = {
    schemaName: source.name,
    maxIdentifierLength: destination.capabilities.maxIdentifierLength,
    ...(destination.capabilities.values ? { values: destination.capabilities.values } : {}),
    ...((runOptions.contract ?? source.contract) ? { contract: runOptions.contract ?? source.contract } : {}),
  }
  const normalizer = input.createNormalizer(input.schema, normalizerOptions)
  await store.createPackage(manifest)
  const pool = options.pageWorkers
    ? new PagePool(options.pageWorkers, {
        ...normalizerOptions,
        initialTables: Object.keys(normalizer.schema.tables),
      })
    : undefined
  const early =
    client.prepareTables && !input.refresh && options.loadWhileExtracting !== false
      ? new EarlyLoader({
          client: client as EarlyLoaderClient,
          capabilities: destination.capabilities,
          store,
          loadId,
          normalizer,
          signal,
          emit,
        })
      : undefined
  let earlyResult: EarlyLoadResult | undefined
  const fileMaxBytes = jobFileMaxBytes(options.fileMaxBytes, destination)
  const extract = record.begin('extract', loadId)
  emit({ type: 'step', step: 'extract', phase: 'start', loadId })
  emit({ type: 'step', step: 'normalize', phase: 'start', loadId })
  try {
    const out = await extractPackage({
      store,
      source,
      resources: input.resources,
      normalizer,
      baseState: input.baseState,
      previousState: input.previousState,
      manifest,
      format: manifest.format,
      strict: runOptions.strict ?? false,
      capabilities: destination.capabilities,
      concurrency: options.resourceConcurrency ?? 3,
      signal,
      emit,
      ...(pool ? { pool } : {}),
      fileMaxBytes,
      ...(early
        ? {
            firstFileMaxBytes: Math.ceil(fileMaxBytes * EARLY_FIRST_FILE_SHARE),
            onJob: (job) => early.add(job),
            onDiscard: (resource) => early.stop(`the files of resource ${resource} were discarded`),
            // the final flush's files load with everything the destination has (e.g. all of DuckDB's threads)
            onLastPage: () => early.extractionDone(),
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
      input.warn(
        `loading while extracting stopped (${early.reason}); the load step loads every job file again`,
      )
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
  extract.rows = Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, v.rows]))
  record.end()
  const norm = record.step('normalize', loadId)
  norm.ms = Math.round(info.durations.normalize)
  norm.finishedAt = extract.finishedAt!
  emit({ type: 'step', step: 'normalize', phase: 'end', loadId })
  emit({ type: 'step', step: 'extract', phase: 'end', loadId })
  return { manifest, early: earlyResult }
}
