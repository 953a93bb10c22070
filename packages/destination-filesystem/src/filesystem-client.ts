import type {
  DestinationClient,
  DestinationContext,
  LoadJob,
  LoadJobResult,
  PackageLoad,
  Schema,
  SchemaChange,
  StoredSchema,
  StoredState,
  WriteDisposition,
} from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { conversionPool } from './filesystem-convert-pool.ts'
import { writeJob } from './filesystem-job.ts'
import {
  extensionOf,
  fileIdOf,
  renderKey,
  safeSegment,
  tableFilePattern,
  tableListPrefix,
} from './filesystem-layout.ts'
import type { FilesystemFormat } from './filesystem-options.ts'
import type { FileStore } from './filesystem-store.ts'

/** A `_sluice_loads/{load_id}.json` record: a load is visible only once this file exists. */
export interface LoadRecord {
  load_id: string
  schema_name: string
  /** 0 = completed (as in dlt). */
  status: number
  inserted_at: string
  schema_version_hash: string
  /** `{timestamp}` of the load's keys (unix seconds). */
  timestamp: number
  /** The tables the load published. */
  tables: string[]
  /** The data files of the load, keys relative to the bucket root (read only these: see the README). */
  files: string[]
}

/** Settings the client works with (resolved from `FilesystemOptions`). */
export interface FilesystemClientConfig {
  store: FileStore
  format: FilesystemFormat
  gzip: boolean
  layout: string
  /** Workers converting job files (see `FilesystemOptions.conversionThreads`); default one per core, at most 4. */
  conversionThreads?: number
  /** Clock for `inserted_at`/`{timestamp}`; default `Date.now`. */
  now?: () => number
}

/** Compares load ids: numerically when both are numbers (`1700000000.123`), else as strings. */
export function compareLoadIds(a: string, b: string): number {
  const num = /^\d+(\.\d+)?$/
  if (num.test(a) && num.test(b)) {
    const [ai = '', af = ''] = a.split('.')
    const [bi = '', bf = ''] = b.split('.')
    const i = BigInt(ai) - BigInt(bi)
    if (i !== 0n) return i < 0n ? -1 : 1
    const width = Math.max(af.length, bf.length)
    const f = af.padEnd(width, '0').localeCompare(bf.padEnd(width, '0'))
    if (f !== 0) return f
  }
  return a < b ? -1 : a > b ? 1 : 0
}

const nameOfKey = (key: string): string => {
  const file = key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, '')
  try {
    return decodeURIComponent(file)
  } catch {
    return file
  }
}

function refuseMerge(table: string, disposition: WriteDisposition | undefined): void {
  if (disposition !== 'merge') return
  throw new SluiceError(
    'DESTINATION_UNSUPPORTED',
    `[filesystem] table ${table} asks for the merge write disposition, which the filesystem destination does not offer`,
    {
      hint: "use write_disposition 'append' or 'replace' for this resource, or load it into a SQL destination (duckdb, postgres) that supports merge",
    },
  )
}

/** The filesystem destination's client: data files, then schema, state and `_sluice_loads` as JSON files. */
export class FilesystemClient implements DestinationClient {
  readonly location: string
  readonly maxParallelJobs = 4
  readonly #store: FileStore
  readonly #ctx: DestinationContext
  readonly #config: FilesystemClientConfig
  readonly #dataset: string
  readonly #now: () => number
  readonly #timestamps = new Map<string, Promise<number>>()

  constructor(ctx: DestinationContext, config: FilesystemClientConfig) {
    this.#ctx = ctx
    this.#config = config
    this.#store = config.store
    this.#dataset = safeSegment(ctx.datasetName)
    this.#now = config.now ?? Date.now
    this.location = `${config.store.rootUrl}/${this.#dataset}`
  }

  #key(...parts: string[]): string {
    return [this.#dataset, ...parts].join('/')
  }

  async initialize(): Promise<void> {
    // reaching the bucket now gives a clear error before any data is converted
    await this.#store.list(this.#key('_sluice_loads/'))
  }

  /** Load ids with a `_sluice_loads` record, newest first. */
  async #completedLoads(): Promise<string[]> {
    const keys = await this.#store.list(this.#key('_sluice_loads/'))
    return keys
      .filter((k) => k.endsWith('.json'))
      .map(nameOfKey)
      .sort((a, b) => compareLoadIds(b, a))
  }

  async #readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.#store.get(key)
    if (!bytes) return undefined
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T
    } catch (cause) {
      throw new SluiceError('FILESYSTEM_CORRUPT', `[filesystem] ${this.#store.url(key)} is not valid JSON`, {
        cause,
        hint: 'delete or repair the file',
      })
    }
  }

  async getStoredSchema(schemaName: string): Promise<StoredSchema | undefined> {
    for (const loadId of await this.#completedLoads()) {
      const record = await this.#readJson<LoadRecord>(
        this.#key('_sluice_loads', `${safeSegment(loadId)}.json`),
      )
      if (record?.schema_name !== schemaName) continue
      return this.#readJson<StoredSchema>(this.#schemaKey(schemaName, record.schema_version_hash))
    }
    return undefined
  }

  async getStoredState(pipelineName: string): Promise<StoredState | undefined> {
    const dir = this.#key('_sluice_pipeline_state', `${safeSegment(pipelineName)}/`)
    const stateKeys = (await this.#store.list(dir)).filter((k) => k.endsWith('.json'))
    if (stateKeys.length === 0) return undefined
    const completed = new Set(await this.#completedLoads())
    const candidates = stateKeys
      .map((k) => ({ key: k, loadId: nameOfKey(k) }))
      .filter((c) => completed.has(c.loadId))
      .sort((a, b) => compareLoadIds(b.loadId, a.loadId))
    const newest = candidates[0]
    return newest ? this.#readJson<StoredState>(newest.key) : undefined
  }

  async migrate(_schema: Schema, _changes: readonly SchemaChange[]): Promise<void> {
    // files need no DDL: each data file carries its own columns
  }

  async startLoad(load: PackageLoad): Promise<void> {
    for (const t of load.tables) refuseMerge(t.table.name, t.disposition)
    await this.#timestampOf(load.loadId)
  }

  /** `{timestamp}` of a package: fixed by a `_sluice_pending` marker so a repeated package gets the same keys. */
  #timestampOf(loadId: string): Promise<number> {
    let known = this.#timestamps.get(loadId)
    if (!known) {
      known = this.#readTimestamp(loadId)
      known.catch(() => this.#timestamps.delete(loadId))
      this.#timestamps.set(loadId, known)
    }
    return known
  }

  async #readTimestamp(loadId: string): Promise<number> {
    const key = this.#key('_sluice_pending', `${safeSegment(loadId)}.json`)
    const marker =
      (await this.#readJson<{ timestamp: number }>(key)) ??
      (await this.#readJson<LoadRecord>(this.#key('_sluice_loads', `${safeSegment(loadId)}.json`)))
    if (typeof marker?.timestamp === 'number') return marker.timestamp
    const timestamp = Math.floor(this.#now() / 1000)
    await this.#store.put(key, JSON.stringify({ load_id: loadId, timestamp }))
    return timestamp
  }

  async load(job: LoadJob, signal: AbortSignal): Promise<LoadJobResult> {
    signal.throwIfAborted()
    const key = renderKey(this.#config.layout, {
      dataset: this.#ctx.datasetName,
      table: job.table.name,
      loadId: job.loadId,
      fileId: fileIdOf(job.jobId, job.table.name),
      ext: extensionOf(this.#config.format, this.#config.gzip),
      timestamp: await this.#timestampOf(job.loadId),
    })
    const pool = conversionPool(this.#config.conversionThreads)
    const rows = await writeJob(this.#store, key, job, this.#config.format, this.#config.gzip, pool)
    return { rows, location: this.#store.url(key) }
  }

  /** Keys of a table's data files, with the (encoded) load id each belongs to. */
  async #tableFiles(table: string): Promise<{ key: string; loadId: string }[]> {
    const layout = this.#config.layout
    const pattern = tableFilePattern(layout, this.#ctx.datasetName, table)
    const keys = await this.#store.list(tableListPrefix(layout, this.#ctx.datasetName, table))
    const out: { key: string; loadId: string }[] = []
    for (const key of keys) {
      const m = pattern.exec(key)
      if (m) out.push({ key, loadId: m.groups?.['load_id'] ?? '' })
    }
    return out
  }

  async complete(load: PackageLoad): Promise<void> {
    for (const t of load.tables) refuseMerge(t.table.name, t.disposition)
    const loadSegment = safeSegment(load.loadId)
    const files: string[] = []
    // 1. replace: the new files are written; only now remove the older files of the table and of its
    // child tables (also those that got no rows in this package)
    const replaced = new Set<string>()
    for (const t of load.tables) {
      if (t.disposition !== 'replace') continue
      replaced.add(t.table.name)
      for (const child of descendants(load.schema, t.table.name)) replaced.add(child)
    }
    const names = [...new Set([...load.tables.map((t) => t.table.name), ...replaced])]
    for (const name of names) {
      const all = await this.#tableFiles(name)
      for (const f of all) if (f.loadId === loadSegment) files.push(f.key)
      if (replaced.has(name)) {
        await this.#store.delete(all.filter((f) => f.loadId !== loadSegment).map((f) => f.key))
      }
    }
    // tables a refresh removed (not loaded again) go now, not before the new files were written
    for (const name of load.dropTables ?? []) {
      await this.#store.delete((await this.#tableFiles(name)).map((f) => f.key))
    }
    const insertedAt = new Date(this.#now()).toISOString()
    // 2. schema version (content-addressed, written once)
    const schemaKey = this.#schemaKey(load.schema.name, load.schema.versionHash)
    if ((await this.#store.get(schemaKey)) === undefined) {
      const stored: StoredSchema = {
        name: load.schema.name,
        version: load.schema.version,
        versionHash: load.schema.versionHash,
        schema: load.schema,
        insertedAt,
      }
      await this.#store.put(schemaKey, JSON.stringify(stored))
    }
    // 3. state
    if (load.state) {
      await this.#store.put(
        this.#key('_sluice_pipeline_state', safeSegment(load.state.pipelineName), `${loadSegment}.json`),
        JSON.stringify(load.state),
      )
    }
    // 4. the load record, last: from now on the load is visible
    const record: LoadRecord = {
      load_id: load.loadId,
      schema_name: load.schema.name,
      status: 0,
      inserted_at: insertedAt,
      schema_version_hash: load.schema.versionHash,
      timestamp: await this.#timestampOf(load.loadId),
      tables: load.tables.map((t) => t.table.name),
      files,
    }
    await this.#store.put(this.#key('_sluice_loads', `${loadSegment}.json`), JSON.stringify(record))
    await this.#store.delete([this.#key('_sluice_pending', `${loadSegment}.json`)])
    this.#timestamps.delete(load.loadId)
  }

  #schemaKey(schemaName: string, versionHash: string): string {
    return this.#key('_sluice_version', safeSegment(schemaName), `${safeSegment(versionHash)}.json`)
  }

  /** Deletes the data files of the tables and of their child tables (known from the newest stored schema). */
  async dropTables(tables: readonly string[]): Promise<void> {
    const newest = (await this.#completedLoads())[0]
    const record = newest
      ? await this.#readJson<LoadRecord>(this.#key('_sluice_loads', `${safeSegment(newest)}.json`))
      : undefined
    const stored = record
      ? await this.#readJson<StoredSchema>(this.#schemaKey(record.schema_name, record.schema_version_hash))
      : undefined
    const all = new Set(tables)
    if (stored) for (const t of tables) for (const child of descendants(stored.schema, t)) all.add(child)
    for (const t of all) await this.#store.delete((await this.#tableFiles(t)).map((f) => f.key))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#store.close?.()
  }
}

/** Child tables of `table` (recursively) in the schema. */
function descendants(schema: Schema, table: string): string[] {
  const out: string[] = []
  const walk = (parent: string): void => {
    for (const t of Object.values(schema.tables)) {
      if (t.parent === parent && !out.includes(t.name)) {
        out.push(t.name)
        walk(t.name)
      }
    }
  }
  walk(table)
  return out
}
