import { SluiceError } from '../errors.ts'
import type { Schema } from '../schema/schema-types.ts'
import { checksumLike } from './checksum.ts'
import { checkFileName, isFileName } from './file-names.ts'
import type { FileSystem } from './file-system.ts'
import { compareLoadIdNumbers, isLoadId } from './load-id.ts'
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
  readonly pipelineName: string

  constructor(fs: FileSystem, pipelinesDir: string, pipelineName: string) {
    this.fs = fs
    this.pipelineName = checkFileName('pipeline name', pipelineName)
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
    return this.fs.join(this.dir, 'schemas', `${checkFileName('schema name', name)}.json`)
  }

  /** Directory of a package; throws `CONFIG_INVALID` for anything but a load id (never a path elsewhere). */
  packageDir(loadId: string): string {
    if (!isLoadId(loadId)) {
      throw new SluiceError('CONFIG_INVALID', `${JSON.stringify(loadId)} is not a load id`, {
        hint: `a load id is a number such as 1732812345.123456; list them with \`sluice pipeline ${this.pipelineName} info\``,
      })
    }
    return this.fs.join(this.dir, 'packages', loadId)
  }

  /** Directory of a package's job files in a given job state. */
  jobsDir(loadId: string, state: PackageJob['state'] = 'new'): string {
    const sub = JOB_DIRS[state]
    if (sub === undefined) throw this.corrupt(loadId, `names the job state ${JSON.stringify(state)}`)
    return this.fs.join(this.packageDir(loadId), sub)
  }

  /** Current absolute path of a job's file. */
  jobFile(loadId: string, job: Pick<PackageJob, 'jobId' | 'state'>): string {
    if (!isFileName(job.jobId)) throw this.corrupt(loadId, `names the job ${JSON.stringify(job.jobId)}`)
    return this.fs.join(this.jobsDir(loadId, job.state), job.jobId)
  }

  /** `PACKAGE_CORRUPT` for a package whose manifest says something impossible. */
  private corrupt(loadId: string, what: string): SluiceError {
    return new SluiceError(
      'PACKAGE_CORRUPT',
      `the manifest ${this.fs.join(this.packageDir(loadId), 'package.json')} ${what}`,
      { hint: this.dropPendingHint() },
    )
  }

  /** What to do about a damaged pending package. */
  dropPendingHint(): string {
    return `drop the pending packages with \`sluice pipeline ${this.pipelineName} drop-pending-packages\` (pipeline.dropPendingPackages()) and run again: nothing of them was committed, so the run extracts their data again`
  }

  /**
   * Reads a JSON file (undefined when missing). A file that is not a JSON object is an error naming the file and
   * how to recover from it (`what`: which of the pipeline's files it is).
   */
  private async readJson<T>(path: string, what: LocalFile): Promise<T | undefined> {
    if (!(await this.fs.exists(path))) return undefined
    const text = await this.fs.readText(path)
    let value: unknown
    let problem: string | undefined
    try {
      value = JSON.parse(text)
      if (value === null || typeof value !== 'object' || Array.isArray(value)) problem = 'not a JSON object'
    } catch (error) {
      problem = `not valid JSON (${error instanceof Error ? error.message : String(error)})`
    }
    if (problem === undefined && what === 'manifest' && !isManifest(value))
      problem = 'not a load package manifest'
    if (problem === undefined) return value as T
    const name = this.pipelineName
    const recover: Record<LocalFile, [SluiceError['code'], string]> = {
      manifest: ['PACKAGE_CORRUPT', this.dropPendingHint()],
      package: ['PACKAGE_CORRUPT', this.dropPendingHint()],
      state: [
        'PIPELINE_FILES',
        `delete it, or restore it from the destination with \`sluice pipeline ${name} sync\` (pipeline.sync()): the destination holds the committed state, which the next run restores`,
      ],
      schema: [
        'PIPELINE_FILES',
        `delete it, or restore the schemas from the destination with \`sluice pipeline ${name} sync\` (pipeline.sync())`,
      ],
      trace: ['PIPELINE_FILES', 'delete it; the next run writes a new one'],
      destination: [
        'PIPELINE_FILES',
        `delete it and run once with --destination (and --dataset): the run records where the pipeline loads again`,
      ],
    }
    const [code, hint] = recover[what]
    throw new SluiceError(code, `the ${FILE_KINDS[what]} ${path} is ${problem}`, { hint })
  }

  private writeJson(path: string, value: unknown): Promise<void> {
    return this.fs.writeText(path, JSON.stringify(value, null, 1))
  }

  /** The local pipeline state, if any. */
  readState(): Promise<PipelineState | undefined> {
    return this.readJson<PipelineState>(this.stateFile, 'state')
  }

  /** Replaces the local pipeline state. */
  writeState(state: PipelineState): Promise<void> {
    return this.writeJson(this.stateFile, state)
  }

  /** Where the pipeline loaded at its last run, if it recorded it. */
  readDestination(): Promise<DestinationRecord | undefined> {
    return this.readJson<DestinationRecord>(this.destinationFile, 'destination')
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
    return this.readJson<Schema>(this.schemaFile(name), 'schema')
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
    return this.readJson<RunTrace>(this.traceFile, 'trace')
  }

  /** Replaces the trace of the last run. */
  writeTrace(trace: RunTrace): Promise<void> {
    return this.writeJson(this.traceFile, trace)
  }

  /** Load ids of every package on disk, oldest first. */
  async loadIds(): Promise<string[]> {
    const ids = await this.fs.list(this.fs.join(this.dir, 'packages'))
    return ids.filter(isLoadId).sort(compareLoadIdNumbers)
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
    return this.readJson<PackageManifest>(this.fs.join(this.packageDir(loadId), 'package.json'), 'manifest')
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
    return this.readJson<Schema>(this.fs.join(this.packageDir(loadId), 'schema.json'), 'package')
  }

  /** Stores the schema after a package. */
  writePackageSchema(loadId: string, schema: Schema): Promise<void> {
    return this.writeJson(this.fs.join(this.packageDir(loadId), 'schema.json'), schema)
  }

  /** The pipeline state stored with a package (what it commits). */
  readPackageState(loadId: string): Promise<PipelineState | undefined> {
    return this.readJson<PipelineState>(this.fs.join(this.packageDir(loadId), 'state.json'), 'package')
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

  /**
   * Checks that every job file of a package is where its manifest says (see {@link locateJobs}), with the size
   * and checksum recorded when it was written (size only for packages from before checksums). Reads every file
   * once; meant for pending packages, which may have been damaged since they were written. Returns what is
   * wrong with the first damaged file (naming it), or undefined.
   */
  async damagedJob(manifest: PackageManifest): Promise<string | undefined> {
    await this.locateJobs(manifest)
    for (const job of manifest.jobs) {
      const file = this.jobFile(manifest.loadId, job)
      if (!(await this.fs.exists(file))) return `its job file ${file} is missing`
      const size = await this.fs.size(file)
      if (size !== job.bytes) return `its job file ${file} has ${size} bytes instead of ${job.bytes}`
      // packages from before checksums, or with one of an algorithm this version does not know: the size only
      const hash =
        job.checksum === undefined ? undefined : checksumLike(job.checksum, this.fs.crc32?.bind(this.fs))
      if (hash === undefined) continue
      const reader = this.fs.readStream(file).getReader()
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value)
      const checksum = hash.digest()
      if (checksum !== job.checksum)
        return `its job file ${file} has the checksum ${checksum} instead of ${job.checksum}`
    }
    return undefined
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

/** Which of a pipeline's JSON files is read (for the message when it cannot be). */
type LocalFile = 'manifest' | 'package' | 'state' | 'schema' | 'trace' | 'destination'

const FILE_KINDS: Record<LocalFile, string> = {
  manifest: 'load package manifest',
  package: 'load package file',
  state: 'local pipeline state',
  schema: 'local schema',
  trace: 'trace of the last run',
  destination: 'record of where the pipeline loads',
}

/** The folder of a package's job files per job state. */
const JOB_DIRS: Record<string, string | undefined> = { new: 'jobs', completed: 'completed', failed: 'failed' }

/** What the runner relies on in a manifest (a package still `extracted` is only deleted). */
function isManifest(value: unknown): boolean {
  const m = value as Partial<PackageManifest>
  if (typeof m.loadId !== 'string' || typeof m.state !== 'string' || !Array.isArray(m.jobs)) return false
  return m.state === 'extracted' || (m.tables !== null && typeof m.tables === 'object')
}
