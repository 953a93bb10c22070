import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  Column,
  Destination,
  DestinationClient,
  MergeStrategy,
  NormalizedRow,
  PackageLoad,
  ReplaceRange,
  ReplaceStrategy,
  Scd2Options,
  Schema,
  SchemaChange,
  StoredState,
  Table,
  WriteDisposition,
} from '@sluice/core/destination'
import type { DestinationUnderTest } from './testkit-types.ts'

let counter = 0

/** Builds a root or child table for a hand-made schema; system columns are added. */
export function makeTable(
  name: string,
  columns: Column[],
  options: {
    disposition?: WriteDisposition
    mergeStrategy?: MergeStrategy
    replaceStrategy?: ReplaceStrategy
    parent?: string
    scd2?: Scd2Options
  } = {},
): Table {
  const system: Column[] = options.parent
    ? [
        { name: '_sluice_parent_id', dataType: 'text' },
        { name: '_sluice_list_idx', dataType: 'bigint' },
        { name: '_sluice_root_id', dataType: 'text' },
        { name: '_sluice_id', dataType: 'text' },
      ]
    : [
        { name: '_sluice_load_id', dataType: 'text' },
        { name: '_sluice_id', dataType: 'text' },
      ]
  const table: Table = {
    name,
    columns: [...columns, ...system],
    writeDisposition: options.disposition ?? 'append',
  }
  if (options.parent) table.parent = options.parent
  if (options.mergeStrategy) table.mergeStrategy = options.mergeStrategy
  if (options.replaceStrategy) table.replaceStrategy = options.replaceStrategy
  if (options.scd2) table.scd2 = options.scd2
  return table
}

let idSeq = 0
function rid(): string {
  idSeq++
  return `id${idSeq}_${Math.random().toString(36).slice(2, 10)}`
}

/** A root row with system columns. */
export function row(values: NormalizedRow, id: string = rid()): NormalizedRow {
  return { ...values, _sluice_load_id: 'x', _sluice_id: id }
}

/** A child row tied to its parent and root. */
export function child(
  values: NormalizedRow,
  parentId: string,
  idx: number,
  rootId: string = parentId,
): NormalizedRow {
  return {
    ...values,
    _sluice_parent_id: parentId,
    _sluice_list_idx: idx,
    _sluice_root_id: rootId,
    _sluice_id: `${parentId}_${idx}`,
  }
}

/** One table's rows in a test package. */
export interface TestTableRows {
  table: Table
  rows: NormalizedRow[]
  replaceRanges?: ReplaceRange[]
}

/** A refresh a test package applies (`TableLoad.recreate`, `PackageLoad.dropTables`). */
export interface TestRefresh {
  /** Tables dropped and created anew from the package's schema when it is published. */
  recreate: string[]
  /** Tables dropped when it is published (they leave the schema). */
  dropTables: string[]
}

/** A connected client on a fresh dataset, with helpers to load hand-built packages. */
export class Harness {
  readonly datasetName: string
  readonly pipelineName: string
  client!: DestinationClient
  destination!: Destination
  private dir = ''
  private schema: Schema
  private loadSeq = 0

  constructor(
    readonly d: DestinationUnderTest,
    suite: string,
  ) {
    counter++
    const rnd = Math.random().toString(36).slice(2, 8)
    this.datasetName = `tk_${suite.replace(/\W+/g, '_')}_${counter}_${rnd}`
    this.pipelineName = `testkit_${counter}`
    this.schema = { name: 'testkit', version: 0, versionHash: 'h0', previousHashes: [], tables: {} }
  }

  /** Creates the destination and client, and initializes storage. */
  async open(): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'sluice-testkit-'))
    this.destination = await this.d.create({ datasetName: this.datasetName, pipelineName: this.pipelineName })
    this.client = await this.destination.createClient({
      datasetName: this.datasetName,
      pipelineName: this.pipelineName,
      emit: () => {},
    })
    await this.client.initialize()
    return this
  }

  /** Closes the client and removes the dataset and temp files. */
  async close(): Promise<void> {
    try {
      await this.client?.[Symbol.asyncDispose]()
      await this.d.cleanup?.(this.datasetName)
    } finally {
      if (this.dir) await rm(this.dir, { recursive: true, force: true })
    }
  }

  /** Opens a second client on the same dataset (a "fresh machine"). */
  async reconnect(): Promise<DestinationClient> {
    await this.client[Symbol.asyncDispose]()
    this.client = await this.destination.createClient({
      datasetName: this.datasetName,
      pipelineName: this.pipelineName,
      emit: () => {},
    })
    return this.client
  }

  /** The current hand-built schema. */
  get currentSchema(): Schema {
    return this.schema
  }

  /**
   * Adds or replaces tables in the schema and migrates; returns the changes. `dropped` tables leave the schema
   * first (as a refresh that drops them does), and tables replaced from it are new tables again.
   */
  async migrate(tables: Table[], dropped: readonly string[] = []): Promise<SchemaChange[]> {
    const changes: SchemaChange[] = []
    const next: Schema = structuredClone(this.schema)
    for (const name of dropped) delete next.tables[name]
    for (const t of tables) {
      const old = next.tables[t.name]
      if (!old) changes.push({ kind: 'add-table', table: t })
      else {
        for (const c of t.columns) {
          if (!old.columns.some((x) => x.name === c.name))
            changes.push({ kind: 'add-column', table: t.name, column: c })
        }
      }
      next.tables[t.name] = structuredClone(t)
    }
    if (changes.length) {
      next.version++
      next.previousHashes = [next.versionHash, ...next.previousHashes].slice(0, 10)
      next.versionHash = `h${next.version}_${Math.random().toString(36).slice(2, 8)}`
    }
    this.schema = next
    await this.client.migrate(next, changes)
    return changes
  }

  /** A new, strictly increasing load id. */
  nextLoadId(): string {
    this.loadSeq++
    return `${1_700_000_000 + this.loadSeq}.${String(this.loadSeq).padStart(6, '0')}`
  }

  /** Builds the package for these tables. */
  packageOf(
    loadId: string,
    tables: TestTableRows[],
    state?: StoredState,
    refresh?: TestRefresh,
  ): PackageLoad {
    const pkg: PackageLoad = {
      loadId,
      schema: this.schema,
      tables: tables.map((t) => {
        const table = this.schema.tables[t.table.name] ?? t.table
        if (refresh?.recreate.includes(table.name))
          return { table, disposition: 'replace' as const, recreate: true, rows: t.rows.length }
        return {
          table,
          disposition: table.writeDisposition,
          ...(table.mergeStrategy ? { mergeStrategy: table.mergeStrategy } : {}),
          ...(table.replaceStrategy ? { replaceStrategy: table.replaceStrategy } : {}),
          ...(t.replaceRanges ? { replaceRanges: t.replaceRanges } : {}),
          rows: t.rows.length,
        }
      }),
      ...(refresh?.dropTables.length ? { dropTables: refresh.dropTables } : {}),
    }
    if (state) pkg.state = state
    return pkg
  }

  /**
   * Writes job files and runs startLoad + load for every table with rows; returns the package. With `refresh`,
   * the recreated and dropped tables leave the schema before the package's tables are added to it.
   */
  async startAndLoad(
    loadId: string,
    tables: TestTableRows[],
    state?: StoredState,
    refresh?: TestRefresh,
  ): Promise<PackageLoad> {
    await this.migrate(
      tables.map((t) => t.table),
      refresh ? [...refresh.recreate, ...refresh.dropTables] : [],
    )
    const pkg = this.packageOf(loadId, tables, state, refresh)
    await this.client.startLoad(pkg)
    let i = 0
    for (const t of tables) {
      if (t.rows.length === 0) continue
      const table = this.schema.tables[t.table.name]!
      const file = join(this.dir, `${loadId}.${table.name.replace(/[^\w]/g, '_')}.${i++}.jsonl`)
      await writeFile(file, t.rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
      const result = await this.client.load(
        { loadId, jobId: `${table.name}.${i}.jsonl`, table, file, format: 'jsonl', rows: t.rows.length },
        new AbortController().signal,
      )
      if (result.rows !== t.rows.length) {
        throw new Error(`load() reported ${result.rows} rows for ${table.name}, expected ${t.rows.length}`)
      }
    }
    return pkg
  }

  /** A whole package: migrate, startLoad, load, complete. */
  async loadPackage(tables: TestTableRows[], state?: StoredState): Promise<PackageLoad> {
    const loadId = this.nextLoadId()
    const pkg = await this.startAndLoad(loadId, tables, state)
    await this.client.complete(pkg)
    return pkg
  }

  /** Rows of a table as the destination under test reads them. */
  async rows(table: string): Promise<Record<string, unknown>[]> {
    return this.d.readTable(this.datasetName, table)
  }

  /** Writes a raw job file (for broken-file tests). */
  async writeRaw(name: string, text: string): Promise<string> {
    const file = join(this.dir, name)
    await writeFile(file, text)
    return file
  }
}
