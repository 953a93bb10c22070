import { SluiceError } from '../../errors.ts'
import type { Column, ReplaceStrategy, Schema, SchemaChange, Table } from '../../schema/schema-types.ts'
import type { Stage } from '../destination-stage.ts'
import type {
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
  LoadJob,
  LoadJobResult,
  PackageLoad,
  StoredSchema,
  StoredState,
} from '../destination-types.ts'
import { catalogKey, existingColumns, fold, withChildren } from './sql-catalog.ts'
import { DatasetLock } from './sql-dataset-lock.ts'
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
import { isCloneReplace, type PublishRules, publishSql, rootsOf } from './sql-publish.ts'
import { recreateBeforePublishSql, recreateInsertSql, recreateSql, refreshDropSql } from './sql-refresh.ts'
import { dropSwapTablesSql, renamePublishSql, stageForRename, swapTableName } from './sql-rename-publish.ts'
import { checkStagingFirst, familiesOf, stagingMergeOptions } from './sql-staging-check.ts'
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
import type { PublishByRename, SqlClient, SqlExecutor } from './sql-types.ts'

/** Options of {@link SqlClientDestination}. */
export interface SqlClientDestinationOptions {
  client: SqlClient
  /** The run's context: dataset, events (the dataset lock's warning), abort signal. */
  ctx: DestinationContext
  capabilities: DestinationCapabilities
  location: string
  maxParallelJobs?: number
  /**
   * Publish replaced tables and first loads by renaming their staging table into place. Default off; ignored
   * unless the capabilities have `transactions` and `ddlInTransactions`.
   */
  publishByRename?: PublishByRename
  /** Replace strategy for tables that set none. Default `insert-from-staging`. */
  replaceStrategy?: ReplaceStrategy
  /** Load job files from this stage (through `SqlClient.loadStaged`); `keep` keeps them there afterwards. */
  staging?: { stage: Stage; keep: boolean }
}

/**
 * The generic {@link DestinationClient} over a {@link SqlClient}, behind `sqlDestination()` (internal: destination
 * packages configure it through `SqlDestinationOptions` and the client's and dialect's hooks). Every job loads into
 * `<dataset>_staging` (or a stage first), and `complete()` publishes all tables, the schema version, the state and
 * `_sluice_loads` (last) in one transaction where the destination has transactions.
 */
export class SqlClientDestination implements DestinationClient {
  readonly location: string
  readonly maxParallelJobs: number
  readonly client: SqlClient
  readonly names: SqlNames
  private readonly capabilities: DestinationCapabilities
  private readonly publishByRename: PublishByRename | undefined
  private readonly rules: PublishRules
  private readonly staging: { stage: Stage; keep: boolean } | undefined
  private readonly lock: DatasetLock
  /** Tables the package being loaded drops and creates anew when it publishes (`TableLoad.recreate`). */
  private recreating = new Set<string>()

  constructor(options: SqlClientDestinationOptions) {
    const { client, capabilities } = options
    this.client = client
    this.capabilities = capabilities
    // dropping a target and renaming or moving a table into place must be one transaction
    const transactionalDdl = capabilities.transactions && capabilities.ddlInTransactions
    this.publishByRename = transactionalDdl ? options.publishByRename : undefined
    this.rules = {
      replaceStrategy: options.replaceStrategy ?? 'insert-from-staging',
      optimizedReplace:
        transactionalDdl && client.dialect.moveTableSql
          ? 'move'
          : client.dialect.cloneTableSql
            ? 'clone'
            : undefined,
    }
    this.staging = options.staging
    this.location = options.location
    this.maxParallelJobs = options.maxParallelJobs ?? 1
    this.names = new SqlNames(client.dialect, options.ctx.datasetName, capabilities.identifierCase)
    this.lock = new DatasetLock(client, options.ctx.datasetName, options.ctx)
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
    if (!(await this.client.schemaExists(this.names.stored(this.names.dataset)))) return false
    const existing = await this.existingColumns()
    return tables.every((t) => existing.has(catalogKey(this.names.dataset, t)))
  }

  async migrate(schema: Schema, changes: readonly SchemaChange[]): Promise<void> {
    await this.lock.take()
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
        const have = existing.get(catalogKey(schemaName, name))
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
    this.recreating = new Set(load.tables.filter((t) => t.recreate).map((t) => t.table.name))
    await this.prepareTables(load.loadId, familiesOf(load))
  }

  async prepareTables(_loadId: string, tables: readonly Table[]): Promise<void> {
    await this.lock.take()
    const n = this.names
    const statements: string[] = []
    for (const t of tables) {
      const swap = this.swapName(t.name)
      const recreate = this.recreating.has(t.name)
      n.stageIn(t.name, undefined)
      // a table created anew gets a staging table with its new columns (old ones may have other types)
      if (recreate)
        statements.push(dropTableSql(n, t.name, true), createTableSql(n, t.name, stagingColumns(t), true))
      else statements.push(deleteAllSql(n, t.name, true))
      if (swap === undefined) continue // the name would pass the engine's limit: staged and copied as usual
      statements.push(dropTableSql(n, swap))
      if (recreate || (await stageForRename(this.client, n, t))) {
        statements.push(createTableSql(n, swap, stagingColumns(t)))
        n.stageIn(t.name, swap)
      }
    }
    await this.runAll(statements)
  }

  async load(job: LoadJob, signal: AbortSignal): Promise<LoadJobResult> {
    if (this.staging) return this.loadStaged(job, this.staging, signal)
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

  /** Uploads the job file to the stage, loads it from there, and removes it unless asked to keep it. */
  private async loadStaged(
    job: LoadJob,
    staging: { stage: Stage; keep: boolean },
    signal: AbortSignal,
  ): Promise<LoadJobResult> {
    const { stage, keep } = staging
    const loadStaged = this.client.loadStaged
    if (!loadStaged) {
      throw new SluiceError(
        'DESTINATION_UNSUPPORTED',
        `[${this.names.dialect.name}] cannot load from a stage`,
        {
          hint: 'the client has no loadStaged(); leave out the staging option',
        },
      )
    }
    const file = await stage.stageJob(job, { dataset: this.names.dataset, format: job.format })
    const rows = await loadStaged.call(
      this.client,
      {
        file,
        credentials: stage.credentials,
        qualifiedTable: this.names.table(job.table.name, true),
        columns: stagingColumns(job.table),
      },
      signal,
    )
    if (!keep) await stage.remove([file])
    return { rows, location: file.url }
  }

  /** Publishes, then releases the dataset lock. A failed publish keeps the lock so a retry still owns the staging tables. */
  async complete(load: PackageLoad): Promise<void> {
    await this.lock.take()
    const checked = await checkStagingFirst(this.client, this.names, load)
    const roots = rootsOf(load)
    const transactionalDdl = this.capabilities.transactions && this.capabilities.ddlInTransactions
    const recreated = new Set(roots.filter((r) => r.rootLoad.recreate).map((r) => r.root.name))
    const drops =
      load.dropTables?.length || recreated.size > 0
        ? refreshDropSql(this.names, load, recreated, await this.existingColumns(), (t) => this.swapName(t))
        : []
    // clones that cannot run in the publish transaction (DDL outside transactions) run before it, once
    const early = this.capabilities.ddlInTransactions
      ? new Set<string>()
      : new Set(
          roots
            .filter((r) => !recreated.has(r.root.name) && isCloneReplace(r.root, r.rootLoad, this.rules))
            .map((r) => r.root.name),
        )
    const now = new Date().toISOString()
    if (
      (early.size > 0 || (recreated.size > 0 && !transactionalDdl)) &&
      !(await isLoadCompleted(this.client, this.names, load.loadId))
    ) {
      const clones = roots
        .filter((r) => early.has(r.root.name))
        .flatMap((r) => publishSql(this.names, load.schema, r.root, r.rootLoad, now, this.rules))
        .map((st) => st.sql)
      // without transactional DDL a refreshed table is replaced as late as possible: just before the publish
      const recreates = transactionalDdl
        ? []
        : roots
            .filter((r) => recreated.has(r.root.name))
            .flatMap((r) => recreateBeforePublishSql(this.names, load.schema, r.root))
      await this.runAll([...clones, ...recreates])
    }
    const publish = async (db: SqlExecutor) => {
      if (await isLoadCompleted(db, this.names, load.loadId)) {
        // published before (a rerun after a crash past the commit): what this run staged for a rename goes
        for (const name of Object.keys(load.schema.tables)) {
          const swap = this.names.stagedInDataset(name)
          if (swap !== undefined) await db.execute(dropTableSql(this.names, swap))
        }
        return
      }
      for (const { root, rootLoad } of roots) {
        if (early.has(root.name)) continue
        if (recreated.has(root.name)) {
          const statements = transactionalDdl
            ? recreateSql(this.names, load.schema, root)
            : recreateInsertSql(this.names, load.schema, root)
          for (const st of statements) await db.execute(st.sql, st.params)
          continue
        }
        const checkedOptions =
          checked.get(root.name) ?? (await stagingMergeOptions(db, this.names, root, rootLoad))
        // without a transaction a failed publish is repeated on top of what it did: nothing may be inserted twice
        const options = this.capabilities.transactions
          ? checkedOptions
          : { ...checkedOptions, onceForLoad: load.loadId }
        const renamed =
          this.publishByRename &&
          (await renamePublishSql(db, this.names, load.schema, root, rootLoad, options, this.publishByRename))
        const statements = renamed || [
          ...publishSql(this.names, load.schema, root, rootLoad, now, this.rules, options),
          ...dropSwapTablesSql(this.names, load.schema, root),
        ]
        for (const s of statements) await db.execute(s.sql, s.params)
      }
      if (transactionalDdl) for (const sql of drops) await db.execute(sql)
      await writeSchemaVersion(db, this.names, load.schema)
      if (load.state) await writeState(db, this.names, load.state, load.loadId)
      await writeLoad(db, this.names, load.loadId, load.schema)
    }
    if (this.capabilities.transactions) await this.client.transaction(publish)
    else await publish(this.client)
    // without transactional DDL, tables a refresh removed go once the package is published (again on a rerun)
    if (!transactionalDdl) await this.runAll(drops)
    this.recreating.clear()
    for (const t of Object.keys(load.schema.tables)) this.names.stageIn(t, undefined)
    await this.lock.release()
  }

  async dropTables(tables: readonly string[]): Promise<void> {
    await this.lock.take()
    const drop = withChildren(await this.existingColumns(), this.names.dataset, tables)
    for (const name of drop) {
      this.names.stageIn(name, undefined)
      await this.client.execute(dropTableSql(this.names, name))
      await this.client.execute(dropTableSql(this.names, name, true))
      const swap = this.swapName(name)
      if (swap !== undefined) await this.client.execute(dropTableSql(this.names, swap))
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.lock.release()
      await this.staging?.stage.close()
    } finally {
      await this.client[Symbol.asyncDispose]()
    }
  }

  /** The table that stages `table` for a rename publish; undefined when off or the name is too long. */
  private swapName(table: string): string | undefined {
    if (!this.publishByRename) return undefined
    const swap = swapTableName(table)
    return utf8Length(swap) <= this.capabilities.maxIdentifierLength ? swap : undefined
  }

  private existingColumns(): Promise<Map<string, Set<string>>> {
    return existingColumns(this.client, this.names)
  }
}

const encoder = new TextEncoder()

function utf8Length(name: string): number {
  return encoder.encode(name).length
}
