import { SluiceError } from '../../errors.ts'
import type { Column, Schema, SchemaChange, Table } from '../../schema/schema-types.ts'
import type {
  DestinationCapabilities,
  DestinationClient,
  LoadJob,
  LoadJobResult,
  PackageLoad,
  StoredSchema,
  StoredState,
  TableLoad,
} from '../destination-types.ts'
import {
  addColumnSql,
  createSchemaSql,
  createTableSql,
  deleteAllSql,
  dropTableSql,
  SqlNames,
  stagingColumns,
  targetColumns,
} from './sql-ddl.ts'
import {
  deleteInsertSql,
  type MergeSqlOptions,
  scd2Sql,
  stagingDuplicateKeysSql,
  upsertSql,
} from './sql-merge.ts'
import { rootOf, type SqlStatement, tableFamily } from './sql-publish-common.ts'
import {
  dropSwapTablesSql,
  type RenamePublish,
  renamePublishSql,
  stageForRename,
  swapTableName,
} from './sql-rename-publish.ts'
import { appendSql, replaceSql } from './sql-replace.ts'
import {
  isLoadCompleted,
  readStoredSchema,
  readStoredState,
  SYSTEM_TABLE_COLUMNS,
  SYSTEM_TABLES,
  writeLoad,
  writeSchemaVersion,
  writeState,
} from './sql-system-tables.ts'
import type { SqlClient, SqlExecutor } from './sql-types.ts'

/** Options of {@link SqlClientDestination}. */
export interface SqlClientDestinationOptions {
  client: SqlClient
  datasetName: string
  capabilities: DestinationCapabilities
  location: string
  maxParallelJobs?: number
  /**
   * Publish replaced tables and first loads by renaming their staging table into place. Default off; ignored
   * unless the capabilities have `transactions` and `ddlInTransactions`.
   */
  renamePublish?: RenamePublish
}

/**
 * The generic {@link DestinationClient} over a {@link SqlClient}: every job loads into `<dataset>_staging`, and
 * `complete()` publishes all tables, the schema version, the state and `_sluice_loads` (last) in one transaction
 * where the destination has transactions.
 */
export class SqlClientDestination implements DestinationClient {
  readonly location: string
  readonly maxParallelJobs: number
  readonly client: SqlClient
  readonly names: SqlNames
  private readonly capabilities: DestinationCapabilities
  private readonly renamePublish: RenamePublish | undefined

  constructor(options: SqlClientDestinationOptions) {
    this.client = options.client
    this.capabilities = options.capabilities
    // dropping a target and renaming its staging table into place must be one transaction
    const transactional = options.capabilities.transactions && options.capabilities.ddlInTransactions
    this.renamePublish = transactional ? options.renamePublish : undefined
    this.location = options.location
    this.maxParallelJobs = options.maxParallelJobs ?? 1
    this.names = new SqlNames(options.client.dialect, options.datasetName)
  }

  async initialize(): Promise<void> {
    const n = this.names
    const statements = [createSchemaSql(n, n.dataset), createSchemaSql(n, n.staging)]
    for (const [name, columns] of Object.entries(SYSTEM_TABLE_COLUMNS)) {
      statements.push(createTableSql(n, name, columns))
    }
    await this.runAll(statements)
  }

  /** Runs statements in order: one batch where the client has `executeBatch`, else one by one. */
  private async runAll(statements: readonly string[]): Promise<void> {
    if (statements.length === 0) return
    if (this.client.executeBatch) await this.client.executeBatch(statements)
    else for (const sql of statements) await this.client.execute(sql)
  }

  async getStoredSchema(schemaName: string): Promise<StoredSchema | undefined> {
    if (!(await this.hasSystemTables([SYSTEM_TABLES.version]))) return undefined
    return readStoredSchema(this.client, this.names, schemaName)
  }

  async getStoredState(pipelineName: string): Promise<StoredState | undefined> {
    if (!(await this.hasSystemTables([SYSTEM_TABLES.state, SYSTEM_TABLES.loads]))) return undefined
    return readStoredState(this.client, this.names, pipelineName)
  }

  /** True when the dataset exists and holds these system tables (a dataset made by other tools may not). */
  private async hasSystemTables(tables: readonly string[]): Promise<boolean> {
    if (!(await this.client.schemaExists(this.names.dataset))) return false
    const existing = await this.existingColumns()
    return tables.every((t) => existing.has(key(this.names.dataset, t)))
  }

  async migrate(schema: Schema, changes: readonly SchemaChange[]): Promise<void> {
    const tables = new Map<string, Table>()
    for (const t of Object.values(schema.tables)) tables.set(t.name, t)
    for (const c of changes)
      if (c.kind === 'add-table' && !tables.has(c.table.name)) tables.set(c.table.name, c.table)
    const existing = await this.existingColumns()
    const statements: string[] = []
    const n = this.names
    for (const table of tables.values()) {
      // a table staged in the dataset for a rename publish grows there instead of in <dataset>_staging
      const swap = n.stagedInDataset(table.name)
      const places: [schema: string, name: string, staging: boolean, columns: Column[]][] = [
        [n.dataset, table.name, false, targetColumns(table)],
        [swap === undefined ? n.staging : n.dataset, swap ?? table.name, true, stagingColumns(table)],
      ]
      for (const [schemaName, name, staging, columns] of places) {
        const have = existing.get(key(schemaName, name))
        if (!have) {
          statements.push(createTableSql(n, table.name, columns, staging))
          continue
        }
        for (const column of columns) {
          if (!have.has(fold(column.name))) statements.push(addColumnSql(n, table.name, column, staging))
        }
      }
    }
    if (statements.length === 0) return
    const run = async (db: SqlExecutor) => {
      for (const sql of statements) await db.execute(sql)
    }
    if (this.capabilities.ddlInTransactions && this.capabilities.transactions)
      await this.client.transaction(run)
    else await this.runAll(statements)
  }

  async startLoad(load: PackageLoad): Promise<void> {
    await this.prepareTables(load.loadId, this.familiesOf(load))
  }

  async prepareTables(_loadId: string, tables: readonly Table[]): Promise<void> {
    const n = this.names
    const statements: string[] = []
    for (const t of tables) {
      const swap = this.swapName(t.name)
      n.stageIn(t.name, undefined)
      statements.push(deleteAllSql(n, t.name, true))
      if (swap === undefined) continue // the name would pass the engine's limit: staged and copied as usual
      statements.push(dropTableSql(n, swap))
      if (await stageForRename(this.client, n, t)) {
        statements.push(createTableSql(n, swap, stagingColumns(t)))
        n.stageIn(t.name, swap)
      }
    }
    await this.runAll(statements)
  }

  async load(job: LoadJob, signal: AbortSignal): Promise<LoadJobResult> {
    const rows = await this.client.bulkLoad(
      {
        file: job.file,
        format: job.format,
        qualifiedTable: this.names.table(job.table.name, true),
        columns: stagingColumns(job.table),
        rows: job.rows,
        ...(job.duringExtraction ? { duringExtraction: true } : {}),
      },
      signal,
    )
    return { rows, location: `${this.names.dataset}.${job.table.name}` }
  }

  async complete(load: PackageLoad): Promise<void> {
    const checked = await this.checkStagingFirst(load)
    const publish = async (db: SqlExecutor) => {
      if (await isLoadCompleted(db, this.names, load.loadId)) {
        // published before (a rerun after a crash past the commit): what this run staged for a rename goes
        for (const name of Object.keys(load.schema.tables)) {
          const swap = this.names.stagedInDataset(name)
          if (swap !== undefined) await db.execute(dropTableSql(this.names, swap))
        }
        return
      }
      const now = new Date().toISOString()
      for (const { root, rootLoad } of rootsOf(load)) {
        const options = checked.get(root.name) ?? (await this.mergeOptions(db, root, rootLoad))
        const renamed =
          this.renamePublish &&
          (await renamePublishSql(db, this.names, load.schema, root, rootLoad, options, this.renamePublish))
        const statements = renamed || [
          ...this.publishSql(load.schema, root, rootLoad, now, options),
          ...dropSwapTablesSql(this.names, load.schema, root),
        ]
        for (const s of statements) await db.execute(s.sql, s.params)
      }
      await writeSchemaVersion(db, this.names, load.schema)
      if (load.state) await writeState(db, this.names, load.state, load.loadId)
      await writeLoad(db, this.names, load.loadId, load.schema)
    }
    if (this.capabilities.transactions) await this.client.transaction(publish)
    else await publish(this.client)
    for (const t of Object.keys(load.schema.tables)) this.names.stageIn(t, undefined)
  }

  async dropTables(tables: readonly string[]): Promise<void> {
    const drop = new Set<string>()
    const existing = await this.existingColumns()
    for (const name of tables) {
      drop.add(name)
      for (const k of existing.keys()) {
        const [schemaName, table] = k.split('\u0000') as [string, string]
        if (fold(schemaName) === fold(this.names.dataset) && table.startsWith(`${fold(name)}__`))
          drop.add(table)
      }
    }
    for (const name of drop) {
      this.names.stageIn(name, undefined)
      await this.client.execute(dropTableSql(this.names, name))
      await this.client.execute(dropTableSql(this.names, name, true))
      const swap = this.swapName(name)
      if (swap !== undefined) await this.client.execute(dropTableSql(this.names, swap))
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.client[Symbol.asyncDispose]()
  }

  /** The table that stages `table` for a rename publish; undefined when off or the name is too long. */
  private swapName(table: string): string | undefined {
    if (!this.renamePublish) return undefined
    const swap = swapTableName(table)
    return utf8Length(swap) <= this.capabilities.maxIdentifierLength ? swap : undefined
  }

  /** The SQL that publishes one root table and its children for its disposition. */
  publishSql(
    schema: Schema,
    root: Table,
    tl: TableLoad,
    now: string,
    options: MergeSqlOptions = {},
  ): SqlStatement[] {
    const disposition = tl.disposition ?? root.writeDisposition
    if (disposition === 'replace') return replaceSql(this.names, schema, root)
    if (disposition === 'merge') {
      const strategy = tl.mergeStrategy ?? root.mergeStrategy ?? 'delete-insert'
      if (strategy === 'scd2') return scd2Sql(this.names, schema, root, now)
      if (strategy === 'upsert') return upsertSql(this.names, schema, root, tl.replaceRanges, options)
      return deleteInsertSql(this.names, schema, root, tl.replaceRanges, options)
    }
    if (tl.replaceRanges?.length)
      return deleteInsertSql(
        this.names,
        schema,
        { ...root, columns: root.columns.map(({ primaryKey: _p, mergeKey: _m, ...c }) => c) },
        tl.replaceRanges,
      )
    return appendSql(this.names, schema, root)
  }

  /**
   * The merge options of the load's root tables, from duplicate-key checks run before the publish transaction
   * through the client's `stagingQuery` (staging is complete by then). Empty without `stagingQuery`; a check that
   * fails here (staging gone because a crashed run had published the load already) runs in the transaction.
   */
  private async checkStagingFirst(load: PackageLoad): Promise<Map<string, MergeSqlOptions>> {
    const checked = new Map<string, MergeSqlOptions>()
    const client = this.client
    if (!client.stagingQuery) return checked
    const db: Pick<SqlExecutor, 'query'> = { query: (sql, params) => client.stagingQuery!(sql, params) }
    for (const { root, rootLoad } of rootsOf(load)) {
      try {
        checked.set(root.name, await this.mergeOptions(db, root, rootLoad))
      } catch {
        // checked again inside the publish transaction, where the load's published state is known
      }
    }
    return checked
  }

  /**
   * For a merge (delete-insert, upsert) on a primary key: one cheap query tells whether staging holds a key
   * twice; when it does not, the merge skips its de-duplicating window. Off when the dialect says so.
   */
  private async mergeOptions(
    db: Pick<SqlExecutor, 'query'>,
    root: Table,
    tl: TableLoad,
  ): Promise<MergeSqlOptions> {
    if (this.names.dialect.stagingDuplicateCheck === false) return {}
    if ((tl.disposition ?? root.writeDisposition) !== 'merge') return {}
    if ((tl.mergeStrategy ?? root.mergeStrategy) === 'scd2') return {}
    const check = stagingDuplicateKeysSql(this.names, root)
    if (!check) return {}
    const duplicates = await db.query(check)
    return { stagingUnique: duplicates.length === 0 }
  }

  private familiesOf(load: PackageLoad): Table[] {
    const out = new Map<string, Table>()
    for (const tl of load.tables) {
      const table = load.schema.tables[tl.table.name] ?? tl.table
      for (const t of tableFamily(load.schema, rootOf(load.schema, table))) out.set(t.name, t)
    }
    return [...out.values()]
  }

  private async existingColumns(): Promise<Map<string, Set<string>>> {
    const n = this.names
    let rows: Record<string, unknown>[]
    try {
      rows = this.client.listColumns
        ? (await this.client.listColumns([n.dataset, n.staging])).map((c) => ({
            table_schema: c.schema,
            table_name: c.table,
            column_name: c.column,
          }))
        : await this.client.query(
            `SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema IN (${n.param(1)}, ${n.param(2)})`,
            [n.dataset, n.staging],
          )
    } catch (cause) {
      throw new SluiceError(
        'DESTINATION_MIGRATE',
        `[${n.dialect.name}] could not read the dataset's tables`,
        {
          cause,
          hint: 'check that the user may read information_schema',
        },
      )
    }
    const out = new Map<string, Set<string>>()
    for (const r of rows) {
      const k = key(String(r['table_schema']), String(r['table_name']))
      let set = out.get(k)
      if (!set) {
        set = new Set()
        out.set(k, set)
      }
      set.add(fold(String(r['column_name'])))
    }
    return out
  }
}

const encoder = new TextEncoder()

function utf8Length(name: string): number {
  return encoder.encode(name).length
}

function fold(name: string): string {
  return name.toLowerCase()
}

function key(schema: string, table: string): string {
  return `${fold(schema)}\u0000${fold(table)}`
}

/** Each root table of a load once, with its own table load (or the first of its family's). */
function rootsOf(load: PackageLoad): { root: Table; rootLoad: TableLoad }[] {
  const out = new Map<string, { root: Table; rootLoad: TableLoad }>()
  for (const tl of load.tables) {
    const root = rootOf(load.schema, load.schema.tables[tl.table.name] ?? tl.table)
    if (out.has(root.name)) continue
    out.set(root.name, { root, rootLoad: load.tables.find((x) => x.table.name === root.name) ?? tl })
  }
  return [...out.values()]
}
