import type { DestinationClient } from '../destination/destination-types.ts'
import type { Normalizer } from '../normalize/normalize-types.ts'
import { diffSchemas } from '../schema/schema-evolution.ts'
import type { Schema, Table } from '../schema/schema-types.ts'
import type { LoadPackageStore } from '../storage/load-package-store.ts'
import type { PackageJob } from '../storage/package-types.ts'
import type { PipelineEvent } from './pipeline-events.ts'
import { jsonCopy } from './pipeline-state.ts'

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
  store: LoadPackageStore
  loadId: string
  /** The live normalizer of the extraction: its schema grows while pages arrive. */
  normalizer: Normalizer
  signal: AbortSignal
  emit(e: PipelineEvent): void
}

/**
 * Loads job files into the destination's staging tables while the package is still being extracted, one at a
 * time in the order they close, so the database works while pages are fetched and normalized. It never
 * publishes: `complete()` still runs only after the whole package is on disk. Any failure, and any discarded
 * resource, turns it off for the package; `finish()` then returns nothing and the load step does the whole
 * sequence again from `startLoad` (which empties staging), with its retries.
 */
export class EarlyLoader {
  private readonly input: EarlyLoadInput
  private chain: Promise<void> = Promise.resolve()
  private off = false
  private storedSchema: Promise<Schema | undefined> | undefined
  private migrated: Schema | undefined
  private readonly prepared = new Set<string>()
  private readonly loaded = new Set<string>()
  /** Why early loading stopped, if it did (for tests and traces). */
  reason: string | undefined

  constructor(input: EarlyLoadInput) {
    this.input = input
  }

  /** Queues a closed job file. */
  add(job: PackageJob): void {
    if (this.off) return
    this.chain = this.chain.then(() => this.loadJob(job))
  }

  /** Turns early loading off for this package (e.g. a resource whose files were loaded was discarded). */
  stop(reason: string): void {
    if (!this.off) this.reason = reason
    this.off = true
  }

  /** Waits for queued loads; returns what was done, or nothing when early loading was turned off. */
  async finish(): Promise<EarlyLoadResult | undefined> {
    await this.chain
    return this.off ? undefined : { prepared: this.prepared, loaded: this.loaded }
  }

  private async loadJob(job: PackageJob): Promise<void> {
    if (this.off) return
    const { client, store, loadId, signal, emit } = this.input
    try {
      if (signal.aborted) throw signal.reason
      const table = await this.migratedTable(job.table)
      if (!this.prepared.has(job.table)) {
        await client.prepareTables(loadId, [table])
        this.prepared.add(job.table)
      }
      emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'start' })
      const file = store.jobFile(loadId, job)
      await client.load({ loadId, jobId: job.jobId, table, file, format: job.format, rows: job.rows }, signal)
      await store.moveJob(loadId, job, 'completed')
      this.loaded.add(job.jobId)
      emit({ type: 'load-job', loadId, table: job.table, rows: job.rows, phase: 'end' })
    } catch (error) {
      this.stop(error instanceof Error ? error.message : String(error))
    }
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
