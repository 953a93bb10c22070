import type { DestinationCapabilities, DestinationClient } from '../destination/destination-types.ts'
import type { PipelineEvent } from '../events.ts'
import type { Normalizer } from '../normalize/normalize-types.ts'
import { diffSchemas } from '../schema/schema-evolution.ts'
import type { Schema, Table } from '../schema/schema-types.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PackageJob } from '../storage/package-types.ts'
import { checkLoadedRows } from './pipeline-row-check.ts'
import { jsonCopy } from './pipeline-state.ts'
import { messageOf } from './pipeline-trace.ts'

/** What loading during extraction achieved, for `loadPackage` to skip. */
export interface EarlyLoadResult {
  /** Tables prepared (staging emptied) for the package. */
  prepared: ReadonlySet<string>
  /** Jobs already loaded into staging (their files are in `completed/`). */
  loaded: ReadonlySet<string>
}

/** Everything loading during extraction needs. */
export interface EarlyLoadInput {
  client: DestinationClient & Required<Pick<DestinationClient, 'prepareTables'>>
  /** The destination's capabilities (whether it counts the rows it loads). */
  capabilities: Pick<DestinationCapabilities, 'countsLoadedRows'>
  store: LoadPackageStore
  loadId: string
  /** The live normalizer of the extraction: its schema grows while pages arrive. */
  normalizer: Normalizer
  signal: AbortSignal
  emit(e: PipelineEvent): void
}

/**
 * Loads job files into the destination's staging tables while the package is still being extracted, in the
 * order they close and up to the client's `maxParallelJobs` at once, so the database works while pages are
 * fetched and normalized. Each table is migrated and prepared before its first load. It never
 * publishes: `complete()` still runs only after the whole package is on disk. Any failure, and any discarded
 * resource, turns it off for the package; `finish()` then returns nothing and the load step does the whole
 * sequence again from `startLoad` (which empties staging), with its retries.
 */
export class EarlyLoader {
  private readonly input: EarlyLoadInput
  /** Migrations and preparations, one after another, in the order files close. */
  private setup: Promise<Table | undefined> = Promise.resolve(undefined)
  private readonly tasks: Promise<void>[] = []
  /** Loads at once: the client's `maxParallelJobs` (default 1). */
  private readonly parallel: number
  private active = 0
  private readonly waiting: (() => void)[] = []
  private off = false
  private extracting = true
  private storedSchema: Promise<Schema | undefined> | undefined
  private migrated: Schema | undefined
  private readonly prepared = new Set<string>()
  private readonly loaded = new Set<string>()
  /** Why early loading stopped, if it did (for tests and traces). */
  reason: string | undefined

  constructor(input: EarlyLoadInput) {
    this.input = input
    this.parallel = Math.max(1, input.client.maxParallelJobs ?? 1)
  }

  /** Queues a closed job file. */
  add(job: PackageJob): void {
    if (this.off) return
    const ready = this.setup
      .then(() => (this.off ? undefined : this.tableFor(job.table)))
      .catch((error: unknown) => {
        this.stop(messageOf(error))
        return undefined
      })
    this.setup = ready
    this.tasks.push(
      ready.then(async (table) => {
        if (!table || this.off) return
        await this.acquire()
        try {
          if (!this.off) await this.loadJob(job, table)
        } catch (error) {
          this.stop(messageOf(error))
        } finally {
          this.release()
        }
      }),
    )
  }

  /** Extraction has ended: loads that start from now on no longer compete with it. */
  extractionDone(): void {
    this.extracting = false
  }

  /** Turns early loading off for this package (e.g. a resource whose files were loaded was discarded). */
  stop(reason: string): void {
    if (!this.off) this.reason = reason
    this.off = true
  }

  /** Waits for queued loads; returns what was done, or nothing when early loading was turned off. */
  async finish(): Promise<EarlyLoadResult | undefined> {
    await Promise.all(this.tasks)
    return this.off ? undefined : { prepared: this.prepared, loaded: this.loaded }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.parallel) {
      this.active++
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  /** Hands the slot to the next waiting load, or frees it. */
  private release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.active--
  }

  private async loadJob(job: PackageJob, table: Table): Promise<void> {
    const { client, store, loadId, signal, emit } = this.input
    if (signal.aborted) throw signal.reason
    emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'start' })
    const file = store.jobFile(loadId, job)
    const request = { loadId, jobId: job.jobId, table, file, format: job.format, rows: job.rows }
    const result = await client.load(
      this.extracting ? { ...request, duringExtraction: true } : request,
      signal,
    )
    // a mismatch stops early loading: the load step loads everything again and fails the package there
    checkLoadedRows(request, result, this.input.capabilities)
    await store.moveJob(loadId, job, 'completed')
    this.loaded.add(job.jobId)
    emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'end' })
  }

  /** The job's table, migrated and prepared in the destination. */
  private async tableFor(name: string): Promise<Table> {
    const table = await this.migratedTable(name)
    if (!this.prepared.has(name)) {
      await this.input.client.prepareTables(this.input.loadId, [table])
      this.prepared.add(name)
    }
    return table
  }

  /** The job's table as the destination has it: migrates first when the schema grew since the last call. */
  private async migratedTable(name: string): Promise<Table> {
    const live = this.input.normalizer.schema
    const known = this.migrated?.tables[name]
    if (!known || this.migrated?.versionHash !== live.versionHash) {
      const snapshot = jsonCopy(live)
      this.storedSchema ??= this.input.client.getStoredSchema(snapshot.name).then((s) => s?.schema)
      const before = this.migrated ?? (await this.storedSchema)
      await this.input.client.migrate(snapshot, diffSchemas(before, snapshot))
      this.migrated = snapshot
    }
    const table = this.migrated!.tables[name]
    if (!table) throw new Error(`table ${name} is not in the schema`)
    return table
  }
}
