import type { Schema } from '../schema/schema-types.ts'
import type { FileSystem } from './file-system.ts'
import { compareLoadIdNumbers } from './load-id.ts'
import type {
  DestinationRecord,
  PackageJob,
  PackageManifest,
  PipelineState,
  RunTrace,
} from './package-types.ts'

/**
 * The on-disk layout of one pipeline:
 * `<pipelinesDir>/<pipelineName>/{state.json, destination.json, schemas/<name>.json, trace.json, run.lock, packages/<loadId>/...}`, where a
 * package holds `package.json` ({@link PackageManifest}), `schema.json` (the schema after the package),
 * `state.json` (the pipeline state to commit with it) and its job files in `jobs/`, `completed/`, `failed/`.
 * Every JSON file is written atomically (`FileSystem.writeText`).
 */
export class LoadPackageStore {
  readonly fs: FileSystem
  /** `<pipelinesDir>/<pipelineName>`. */
  readonly dir: string

  constructor(fs: FileSystem, pipelinesDir: string, pipelineName: string) {
    this.fs = fs
    this.dir = fs.join(pipelinesDir, pipelineName)
  }

  /** Path of the local pipeline state. */
  get stateFile(): string {
    return this.fs.join(this.dir, 'state.json')
  }

  /** Path of the lock a run holds (see `FileSystem.lock`). */
  get lockFile(): string {
    return this.fs.join(this.dir, 'run.lock')
  }

  /** Path of the record of the destination ({@link DestinationRecord}). */
  get destinationFile(): string {
    return this.fs.join(this.dir, 'destination.json')
  }

  /** Path of the trace of the last run. */
  get traceFile(): string {
    return this.fs.join(this.dir, 'trace.json')
  }

  /** Path of a locally stored schema. */
  schemaFile(name: string): string {
    return this.fs.join(this.dir, 'schemas', `${name}.json`)
  }

  /** Directory of a package. */
  packageDir(loadId: string): string {
    return this.fs.join(this.dir, 'packages', loadId)
  }

  /** Directory of a package's job files in a given job state. */
  jobsDir(loadId: string, state: PackageJob['state'] = 'new'): string {
    const sub = state === 'new' ? 'jobs' : state
    return this.fs.join(this.packageDir(loadId), sub)
  }

  /** Current absolute path of a job's file. */
  jobFile(loadId: string, job: Pick<PackageJob, 'jobId' | 'state'>): string {
    return this.fs.join(this.jobsDir(loadId, job.state), job.jobId)
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    if (!(await this.fs.exists(path))) return undefined
    return JSON.parse(await this.fs.readText(path)) as T
  }

  private writeJson(path: string, value: unknown): Promise<void> {
    return this.fs.writeText(path, JSON.stringify(value, null, 1))
  }

  /** The local pipeline state, if any. */
  readState(): Promise<PipelineState | undefined> {
    return this.readJson<PipelineState>(this.stateFile)
  }

  /** Replaces the local pipeline state. */
  writeState(state: PipelineState): Promise<void> {
    return this.writeJson(this.stateFile, state)
  }

  /** Where the pipeline loaded at its last run, if it recorded it. */
  readDestination(): Promise<DestinationRecord | undefined> {
    return this.readJson<DestinationRecord>(this.destinationFile)
  }

  /** Records where the pipeline loads. */
  writeDestination(record: DestinationRecord): Promise<void> {
    return this.writeJson(this.destinationFile, record)
  }

  /** True when the pipeline's folder exists (it ran, synced or was created before). */
  exists(): Promise<boolean> {
    return this.fs.exists(this.dir)
  }

  /** A locally stored schema, if any. */
  readSchema(name: string): Promise<Schema | undefined> {
    return this.readJson<Schema>(this.schemaFile(name))
  }

  /** Names of the locally stored schemas. */
  async schemaNames(): Promise<string[]> {
    const names = await this.fs.list(this.fs.join(this.dir, 'schemas'))
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5))
  }

  /** Stores a schema locally. */
  writeSchema(schema: Schema): Promise<void> {
    return this.writeJson(this.schemaFile(schema.name), schema)
  }

  /** Deletes a locally stored schema. */
  removeSchema(name: string): Promise<void> {
    return this.fs.remove(this.schemaFile(name))
  }

  /** The trace of the last run, if any. */
  readTrace(): Promise<RunTrace | undefined> {
    return this.readJson<RunTrace>(this.traceFile)
  }

  /** Replaces the trace of the last run. */
  writeTrace(trace: RunTrace): Promise<void> {
    return this.writeJson(this.traceFile, trace)
  }

  /** Load ids of every package on disk, oldest first. */
  async loadIds(): Promise<string[]> {
    const ids = await this.fs.list(this.fs.join(this.dir, 'packages'))
    return ids.filter((id) => /^\d+(\.\d+)?$/.test(id)).sort(compareLoadIdNumbers)
  }

  /** Every package's manifest, oldest first (packages without a readable manifest are left out). */
  async packages(): Promise<PackageManifest[]> {
    const out: PackageManifest[] = []
    for (const id of await this.loadIds()) {
      const m = await this.readPackage(id)
      if (m) out.push(m)
    }
    return out
  }

  /** A package's manifest. */
  readPackage(loadId: string): Promise<PackageManifest | undefined> {
    return this.readJson<PackageManifest>(this.fs.join(this.packageDir(loadId), 'package.json'))
  }

  /** Writes a package's manifest (stamping `updatedAt`). */
  writePackage(manifest: PackageManifest): Promise<void> {
    manifest.updatedAt = new Date().toISOString()
    return this.writeJson(this.fs.join(this.packageDir(manifest.loadId), 'package.json'), manifest)
  }

  /** Creates a package directory with its manifest (state `extracted`). */
  async createPackage(manifest: PackageManifest): Promise<void> {
    await this.fs.mkdir(this.jobsDir(manifest.loadId))
    await this.writePackage(manifest)
  }

  /** The schema stored with a package. */
  readPackageSchema(loadId: string): Promise<Schema | undefined> {
    return this.readJson<Schema>(this.fs.join(this.packageDir(loadId), 'schema.json'))
  }

  /** Stores the schema after a package. */
  writePackageSchema(loadId: string, schema: Schema): Promise<void> {
    return this.writeJson(this.fs.join(this.packageDir(loadId), 'schema.json'), schema)
  }

  /** The pipeline state stored with a package (what it commits). */
  readPackageState(loadId: string): Promise<PipelineState | undefined> {
    return this.readJson<PipelineState>(this.fs.join(this.packageDir(loadId), 'state.json'))
  }

  /** Stores the pipeline state a package commits. */
  writePackageState(loadId: string, state: PipelineState): Promise<void> {
    return this.writeJson(this.fs.join(this.packageDir(loadId), 'state.json'), state)
  }

  /** Moves a job's file to the folder of its new state and updates `job.state` (manifest not written). */
  async moveJob(loadId: string, job: PackageJob, to: PackageJob['state']): Promise<void> {
    if (job.state === to) return
    const from = this.jobFile(loadId, job)
    const target = this.jobFile(loadId, { jobId: job.jobId, state: to })
    if (await this.fs.exists(from)) await this.fs.rename(from, target)
    job.state = to
  }

  /**
   * Brings each job's recorded `state` in line with the folder its file is in: a crash between moving a job
   * file and writing the manifest leaves the manifest behind (the job looks `new`, its file is in
   * `completed/`). Returns true when a state changed; the caller writes the manifest.
   */
  async locateJobs(manifest: PackageManifest): Promise<boolean> {
    let changed = false
    for (const job of manifest.jobs) {
      if (await this.fs.exists(this.jobFile(manifest.loadId, job))) continue
      for (const state of ['new', 'completed', 'failed'] as const) {
        if (state === job.state) continue
        if (await this.fs.exists(this.jobFile(manifest.loadId, { jobId: job.jobId, state }))) {
          job.state = state
          changed = true
          break
        }
      }
    }
    return changed
  }

  /** Deletes a package with its files. */
  removePackage(loadId: string): Promise<void> {
    return this.fs.remove(this.packageDir(loadId))
  }
}

/** Names of the pipelines in a pipelines directory (folders with a state, a record or packages), sorted. */
export async function pipelineNames(fs: FileSystem, pipelinesDir: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await fs.list(pipelinesDir)) {
    const dir = fs.join(pipelinesDir, name)
    for (const marker of ['state.json', 'destination.json', 'packages', 'trace.json']) {
      if (await fs.exists(fs.join(dir, marker))) {
        out.push(name)
        break
      }
    }
  }
  return out.sort()
}
