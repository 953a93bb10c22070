import type { StoredSchema, StoredState, Table } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { compareLoadIds, type LoadRecord } from './filesystem-client.ts'
import { safeSegment, tableFilePattern, tableListPrefix } from './filesystem-layout.ts'
import type { FileStore } from './filesystem-store.ts'

/** A data file of a table: its key, and its format from the extension. */
export interface DataFile {
  key: string
  format: 'jsonl' | 'csv' | 'parquet'
}

/** What a dataset holds at one moment: its completed loads, their schemas and states, and each table's files. */
export interface DatasetSnapshot {
  /** Completed loads (`_sluice_loads` records), oldest first. */
  loads: LoadRecord[]
  /** Every stored schema version. */
  versions: StoredSchema[]
  /** The states stored with completed loads. */
  states: StoredState[]
  /** Tables of the newest schema version of each schema name (child tables included). */
  tables: Table[]
}

function formatOf(key: string): DataFile['format'] {
  if (/\.parquet$/.test(key)) return 'parquet'
  return /\.csv(\.gz)?$/.test(key) ? 'csv' : 'jsonl'
}

/**
 * Reads what the filesystem destination wrote for a dataset, for its reader. Files that never change once a
 * load completed (load records, schema versions, states) are read once and kept; listings are read anew on
 * every {@link snapshot}, so each query sees the loads completed before it.
 */
export class DatasetCatalog {
  readonly #store: FileStore
  readonly #dataset: string
  readonly #layout: string
  readonly #json = new Map<string, Promise<unknown>>()

  constructor(store: FileStore, dataset: string, layout: string) {
    this.#store = store
    this.#dataset = dataset
    this.#layout = layout
  }

  #key(...parts: string[]): string {
    return [safeSegment(this.#dataset), ...parts].join('/')
  }

  /** A JSON file, read once. */
  #read<T>(key: string): Promise<T | undefined> {
    let known = this.#json.get(key)
    if (!known) {
      known = this.#store.get(key).then((bytes) => {
        if (bytes === undefined) return undefined
        try {
          return JSON.parse(new TextDecoder().decode(bytes)) as unknown
        } catch (cause) {
          throw new SluiceError(
            'FILESYSTEM_CORRUPT',
            `[filesystem] ${this.#store.url(key)} is not valid JSON`,
            {
              cause,
              hint: 'delete or repair the file',
            },
          )
        }
      })
      known.catch(() => this.#json.delete(key))
      this.#json.set(key, known)
    }
    return known as Promise<T | undefined>
  }

  /** The JSON files under a folder of the dataset (a fresh listing, cached contents). */
  async #all<T>(folder: string): Promise<T[]> {
    const keys = (await this.#store.list(this.#key(folder, ''))).filter((k) => k.endsWith('.json'))
    const out: T[] = []
    for (const key of keys) {
      const value = await this.#read<T>(key)
      if (value !== undefined) out.push(value)
    }
    return out
  }

  /** The dataset now: its completed loads, schema versions, states, and the tables of the newest schemas. */
  async snapshot(): Promise<DatasetSnapshot> {
    const loads = (await this.#all<LoadRecord>('_sluice_loads')).sort((a, b) =>
      compareLoadIds(a.load_id, b.load_id),
    )
    const completed = new Set(loads.map((l) => l.load_id))
    const versions = await this.#all<StoredSchema>('_sluice_version')
    const states: StoredState[] = []
    for (const key of await this.#store.list(this.#key('_sluice_pipeline_state', ''))) {
      if (!key.endsWith('.json')) continue
      const state = await this.#read<StoredState>(key)
      if (state && completed.has(state.loadId)) states.push(state)
    }
    const newest = new Map<string, LoadRecord>()
    for (const load of loads) newest.set(load.schema_name, load)
    const tables = new Map<string, Table>()
    for (const load of [...newest.values()].reverse()) {
      const key = this.#key(
        '_sluice_version',
        safeSegment(load.schema_name),
        `${safeSegment(load.schema_version_hash)}.json`,
      )
      const stored = await this.#read<StoredSchema>(key)
      for (const table of Object.values(stored?.schema.tables ?? {}))
        if (!tables.has(table.name)) tables.set(table.name, table)
    }
    return { loads, versions, states, tables: [...tables.values()] }
  }

  /** The data files of a table that belong to completed loads (replace removes the older ones), in key order. */
  async files(table: string, loads: readonly LoadRecord[]): Promise<DataFile[]> {
    const completed = new Set(loads.map((l) => safeSegment(l.load_id)))
    const pattern = tableFilePattern(this.#layout, this.#dataset, table)
    const out: DataFile[] = []
    for (const key of await this.#store.list(tableListPrefix(this.#layout, this.#dataset, table))) {
      const m = pattern.exec(key)
      if (m && completed.has(m.groups?.['load_id'] ?? '')) out.push({ key, format: formatOf(key) })
    }
    return out
  }
}
