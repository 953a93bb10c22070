import type {
  DestinationCapabilities,
  DestinationClient,
  LoadJob,
  PackageLoad,
  TableLoad,
} from '../destination/destination-types.ts'
import { isSluiceError, SluiceError } from '../errors.ts'
import type { PipelineEvent } from '../events.ts'
import { diffSchemas } from '../schema/schema-evolution.ts'
import type { Schema, SchemaChange } from '../schema/schema-types.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PackageJob, PackageManifest, PipelineState, TraceStep } from '../storage/package-types.ts'
import type { EarlyLoadResult } from './pipeline-early-load.ts'
import { abortError } from './pipeline-extract.ts'
import { failedJobsOf } from './pipeline-maintenance.ts'
import { checkLoadedRows } from './pipeline-row-check.ts'
import { tableWithChildren, toStoredState } from './pipeline-state.ts'
import { messageOf, type RunRecord } from './pipeline-trace.ts'

/** Everything loading one package needs. */
export interface LoadInput {
  store: LoadPackageStore
  client: DestinationClient
  /** The destination's capabilities (whether it counts the rows it loads). */
  capabilities: Pick<DestinationCapabilities, 'countsLoadedRows'>
  manifest: PackageManifest
  loadRetries: number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  retryDelayMs(attempt: number): number
  signal: AbortSignal
  emit(e: PipelineEvent): void
  warn(message: string): void
  /** What was loaded while the package was extracted (see `EarlyLoader`); those steps are not repeated. */
  early?: EarlyLoadResult
}

/** What loading a package produced. */
export interface LoadOutput {
  schema: Schema
  state: PipelineState
}

function isTransient(error: unknown): boolean {
  return isSluiceError(error) && error.transient
}

/** Runs an operation, retrying transient SluiceErrors with backoff. */
async function withRetries<T>(
  input: LoadInput,
  run: () => Promise<T>,
  onRetry: (attempt: number, waitMs: number, error: unknown) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (input.signal.aborted) throw abortError(input.signal)
      if (!isTransient(error) || attempt > input.loadRetries) throw error
      const waitMs = input.retryDelayMs(attempt)
      onRetry(attempt, waitMs, error)
      await input.sleep(waitMs, input.signal)
      if (input.signal.aborted) throw abortError(input.signal)
    }
  }
}

/**
 * How each table of the package is published: as its resource says, `replace` for tables a refresh empties
 * (`truncate`), and `replace` + `recreate` for tables a refresh drops and the package loads again.
 */
function tableLoads(
  manifest: PackageManifest,
  schema: Schema,
  truncate: readonly string[],
  recreate: readonly string[],
): TableLoad[] {
  const loads: TableLoad[] = []
  const seen = new Set<string>()
  for (const [name, t] of Object.entries(manifest.tables)) {
    const table = schema.tables[name]
    if (!table) continue
    seen.add(name)
    const refreshData = truncate.includes(name) || recreate.includes(name)
    loads.push({
      table,
      disposition: refreshData ? 'replace' : t.disposition,
      ...(t.mergeStrategy && !refreshData ? { mergeStrategy: t.mergeStrategy } : {}),
      ...(t.replaceStrategy ? { replaceStrategy: t.replaceStrategy } : {}),
      ...(t.replaceRanges && !refreshData ? { replaceRanges: t.replaceRanges } : {}),
      ...(recreate.includes(name) ? { recreate: true } : {}),
      rows: t.rows,
    })
  }
  for (const name of [...truncate, ...recreate]) {
    const table = schema.tables[name]
    if (!table || seen.has(name)) continue
    seen.add(name)
    loads.push({
      table,
      disposition: 'replace',
      ...(recreate.includes(name) ? { recreate: true } : {}),
      rows: 0,
    })
  }
  return loads
}

/**
 * The load step of a run: {@link loadPackage} as a step of the run's trace (its rows, time and error), with what it
 * loaded added to the run's `LoadInfo` (load id, rows per table, schema changes, failed jobs, load time) and the
 * step's start and end events.
 */
export async function loadStep(input: LoadInput, record: RunRecord): Promise<LoadOutput> {
  const { manifest, emit } = input
  const { info, trace } = record
  const loadId = manifest.loadId
  const s: TraceStep = { step: 'load', loadId, startedAt: new Date().toISOString() }
  trace.steps.push(s)
  const t0 = performance.now()
  emit({ type: 'step', step: 'load', phase: 'start', loadId })
  try {
    const out = await loadPackage(input)
    info.loadIds.push(loadId)
    for (const [table, t] of Object.entries(manifest.tables)) {
      info.tables[table] = { rows: (info.tables[table]?.rows ?? 0) + t.rows }
    }
    info.schemaChanges.push(...(manifest.schemaChanges as SchemaChange[]))
    s.rows = Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, v.rows]))
    return out
  } catch (error) {
    info.failedJobs.push(...failedJobsOf([manifest]))
    s.error = messageOf(error)
    throw error
  } finally {
    info.durations.load += performance.now() - t0
    s.finishedAt = new Date().toISOString()
    s.ms = Math.round(performance.now() - t0)
    emit({ type: 'step', step: 'load', phase: 'end', loadId })
  }
}

/**
 * Loads one `normalized` package: initialize → migrate → startLoad → load* → complete, then marks it `loaded`
 * and saves its state and schema locally. Tables a refresh drops are dropped by `complete()` when it publishes
 * the package (`TableLoad.recreate`, `PackageLoad.dropTables`): until then readers see the old data. Repeats the whole sequence for a package loaded
 * before (destinations are idempotent per package). A terminal job failure aborts the package (job file moved
 * to `failed/`, cause recorded) and throws `LOAD_JOB_FAILED`; transient failures past `loadRetries` leave it
 * pending and throw `LOAD_RETRIES_EXHAUSTED`.
 */
export async function loadPackage(input: LoadInput): Promise<LoadOutput> {
  const { store, client, manifest, emit, signal } = input
  const loadId = manifest.loadId
  const schema = await store.readPackageSchema(loadId)
  const state = await store.readPackageState(loadId)
  if (!schema || !state) {
    const missing = store.fs.join(store.packageDir(loadId), schema ? 'state.json' : 'schema.json')
    throw new SluiceError('PACKAGE_CORRUPT', `load package ${loadId} misses its file ${missing}`, {
      hint: store.dropPendingHint(),
    })
  }
  manifest.attempts += 1
  manifest.error = undefined
  // a crash after a job file moved but before the manifest was written: find the files where they are
  await store.locateJobs(manifest)
  await store.writePackage(manifest)
  try {
    await client.initialize()
    const truncate = [...(manifest.refresh?.truncateTables ?? [])]
    let drop = manifest.refresh?.dropTables ?? []
    if (drop.length > 0 && !client.dropTables) {
      input.warn(`the destination cannot drop tables: emptied ${drop.join(', ')} instead`)
      truncate.push(...drop)
      drop = []
    }
    const stored = await client.getStoredSchema(schema.name)
    let base = stored?.schema
    if (base && drop.length > 0) {
      base = {
        ...base,
        tables: Object.fromEntries(Object.entries(base.tables).filter(([n]) => !drop.includes(n))),
      }
    }
    await client.migrate(schema, diffSchemas(base, schema))
    const recreate = drop.filter((t) => schema.tables[t] !== undefined)
    const dropTables = drop.filter((t) => schema.tables[t] === undefined)
    const tables = tableLoads(manifest, schema, truncate, recreate)
    const packageLoad: PackageLoad = {
      loadId,
      schema,
      tables,
      ...(dropTables.length > 0 ? { dropTables } : {}),
    }
    const storedState = await toStoredState(state, loadId)
    if (manifest.stateChanged) packageLoad.state = storedState
    else {
      const current = await client.getStoredState(state.pipelineName)
      if (current?.versionHash !== storedState.versionHash) packageLoad.state = storedState
    }
    const early = input.early && client.prepareTables ? input.early : undefined
    if (early) {
      const rest = new Set<string>()
      for (const t of tables) {
        for (const name of tableWithChildren(schema, rootName(schema, t.table.name)))
          if (!early.prepared.has(name)) rest.add(name)
      }
      const restTables = [...rest].flatMap((name) => (schema.tables[name] ? [schema.tables[name]] : []))
      if (restTables.length > 0) await client.prepareTables!(loadId, restTables)
    } else await client.startLoad(packageLoad)
    await runJobs(input, schema, early?.loaded)
    if (signal.aborted) throw abortError(signal)
    await withRetries(
      input,
      () => client.complete(packageLoad),
      (attempt, waitMs, error) =>
        emit({ type: 'retry', url: `complete ${loadId}`, attempt, waitMs, reason: messageOf(error) }),
    )
  } catch (error) {
    if (manifest.state !== 'aborted') {
      manifest.error = messageOf(error)
      await store.writePackage(manifest)
    }
    if (signal.aborted) throw abortError(signal)
    if (isTransient(error)) {
      throw new SluiceError(
        'LOAD_RETRIES_EXHAUSTED',
        `load package ${loadId} failed after ${input.loadRetries} retries: ${messageOf(error)}`,
        { cause: error, hint: 'the package is kept; run again to resume it', transient: true },
      )
    }
    throw error
  }
  manifest.state = 'loaded'
  await store.writePackage(manifest)
  await store.writeSchema(schema)
  await store.writeState(state)
  return { schema, state }
}

function rootName(schema: Schema, table: string): string {
  let name = table
  for (let hops = 0; hops < 100; hops++) {
    const parent = schema.tables[name]?.parent
    if (!parent || !schema.tables[parent]) break
    name = parent
  }
  return name
}

async function runJobs(input: LoadInput, schema: Schema, skip?: ReadonlySet<string>): Promise<void> {
  const { store, client, manifest } = input
  const queue = manifest.jobs.filter((j) => !skip?.has(j.jobId))
  let failure: unknown
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job && failure === undefined; job = queue.shift()) {
      try {
        await runJob(input, job, schema)
      } catch (error) {
        failure ??= error
      }
    }
  }
  const parallel = Math.max(1, Math.min(client.maxParallelJobs ?? 1, queue.length))
  await Promise.all(Array.from({ length: parallel }, worker))
  await store.writePackage(manifest)
  if (failure !== undefined) throw failure
}

async function runJob(input: LoadInput, job: PackageJob, schema: Schema): Promise<void> {
  const { store, client, manifest, emit, signal } = input
  const loadId = manifest.loadId
  if (signal.aborted) throw abortError(signal)
  const table = schema.tables[job.table]
  if (!table) {
    throw new SluiceError(
      'PACKAGE_CORRUPT',
      `job ${job.jobId} of package ${loadId} names unknown table ${job.table}`,
      { hint: store.dropPendingHint() },
    )
  }
  const loadJob: LoadJob = {
    loadId,
    jobId: job.jobId,
    table,
    file: store.jobFile(loadId, job),
    format: job.format,
    rows: job.rows,
  }
  emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'start' })
  job.retries = 0
  try {
    await withRetries(
      input,
      async () => checkLoadedRows(loadJob, await client.load(loadJob, signal), input.capabilities),
      (_attempt, _waitMs, error) => {
        job.retries++
        emit({
          type: 'load-job',
          loadId,
          table: job.table,
          rows: job.rows,
          phase: 'retry',
          error: messageOf(error),
        })
      },
    )
  } catch (error) {
    if (signal.aborted || isTransient(error)) throw error
    const message = messageOf(error)
    job.error = message
    await store.moveJob(loadId, job, 'failed')
    manifest.state = 'aborted'
    manifest.error = `job ${job.jobId} (table ${job.table}) failed: ${message}`
    await store.writePackage(manifest)
    emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'failed', error: message })
    throw new SluiceError(
      'LOAD_JOB_FAILED',
      `load job ${job.jobId} for table ${job.table} in package ${loadId} failed: ${message}`,
      {
        cause: error,
        hint: 'the package is aborted and its state not committed; fix the cause (see `sluice pipeline failed-jobs`) and run again',
      },
    )
  }
  await store.moveJob(loadId, job, 'completed')
  emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'end' })
}
