import type { SqlReader } from '../destination/destination-reader.ts'
import type { Destination } from '../destination/destination-types.ts'
import { SYSTEM_TABLES } from '../destination/sql/sql-system-tables.ts'
import { isSluiceError, SluiceError } from '../errors.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'
import { normalizeIdentifier } from '../schema/naming-convention.ts'
import type { Schema } from '../schema/schema-types.ts'
import { compareLoadIdNumbers } from '../storage/load-id.ts'
import { type DisplayBundle, displayable, displayOn, tableBundle } from './dataset-display.ts'
import { Catalog } from './dataset-names.ts'
import { type DatasetBackend, DatasetRelation } from './dataset-relation.ts'
import { renderRowCounts } from './dataset-sql.ts'
import type {
  Dataset,
  DatasetOptions,
  Relation,
  RowCount,
  RowCountsOptions,
  TablesOptions,
} from './dataset-types.ts'
import { resultValue } from './dataset-values.ts'

/** What a dataset reads: resolved when it first opens (a pipeline resolves its destination then). */
export interface DatasetSource {
  destination: Destination
  /** Already normalized. */
  datasetName: string
  /** The schemas to resolve names with; none: the ones stored in the dataset. */
  schemas?: readonly Schema[]
  /** The pipeline whose data it is, when known (see `ReaderContext.pipelineName`). */
  pipelineName?: string
}

interface Opened {
  reader: SqlReader
  catalog: Catalog
}

/** The newest version of each schema stored in the dataset (`_sluice_version`), through the reader. */
async function storedSchemas(backend: DatasetBackend, datasetName: string): Promise<Schema[]> {
  const versions = new DatasetRelation(backend, {
    from: { table: SYSTEM_TABLES.version },
    select: ['schema_name', 'schema'],
    joins: [],
    where: [],
    orderBy: [
      { column: 'inserted_at', direction: 'desc' },
      { column: 'version', direction: 'desc' },
    ],
  })
  const out = new Map<string, Schema>()
  try {
    for await (const chunk of versions.iterRows()) {
      for (const row of chunk) {
        const name = String(row['schema_name'])
        // text in SQL engines; a reader that types the column as json gives it parsed
        const schema = row['schema']
        if (!out.has(name))
          out.set(name, (typeof schema === 'string' ? JSON.parse(schema) : schema) as Schema)
      }
    }
  } catch (cause) {
    if (!isSluiceError(cause, 'QUERY_FAILED')) throw cause
    throw new SluiceError('TABLE_UNKNOWN', `dataset "${datasetName}" holds no tables loaded by sluice`, {
      cause,
      hint: 'check the destination and the dataset name (a pipeline records both at every run)',
    })
  }
  return [...out.values()]
}

/** Implements {@link Dataset} over a source resolved when it first opens. */
class DatasetImpl implements Dataset {
  private readonly resolve: () => Promise<DatasetSource>
  private opened: Promise<Opened> | undefined

  constructor(resolve: () => Promise<DatasetSource>) {
    this.resolve = resolve
  }

  private readonly backend: DatasetBackend = {
    open: () => {
      this.opened ??= this.open().catch((error: unknown) => {
        this.opened = undefined
        throw error
      })
      return this.opened
    },
  }

  private async open(): Promise<Opened> {
    const source = await this.resolve()
    const { destination, datasetName } = source
    if (!destination.openReader) {
      throw new SluiceError('READER_MISSING', `destination ${destination.name} offers no reader`, {
        hint: 'query its data with the database tools, or use a destination that can be read (duckdb, postgres ...)',
      })
    }
    const reader = await destination.openReader({
      datasetName,
      ...(source.pipelineName ? { pipelineName: source.pipelineName } : {}),
    })
    try {
      const max = destination.capabilities.maxIdentifierLength
      let schemas = source.schemas ?? []
      if (schemas.length === 0) {
        const systemOnly: DatasetBackend = { open: async () => ({ reader, catalog: new Catalog([], max) }) }
        schemas = await storedSchemas(systemOnly, datasetName)
      }
      return { reader, catalog: new Catalog(schemas, max) }
    } catch (error) {
      await reader.close().catch(() => undefined)
      throw error
    }
  }

  private relation(from: { table: string } | { sql: string }): DatasetRelation {
    return new DatasetRelation(this.backend, { from, joins: [], where: [], orderBy: [] })
  }

  async tables(options: TablesOptions = {}): Promise<string[]> {
    return (await this.backend.open()).catalog.tableNames(options)
  }

  table(name: string): Relation {
    return this.relation({ table: name })
  }

  query(sql: string): Relation {
    if (typeof sql !== 'string' || sql.trim() === '')
      throw new SluiceError('QUERY_INVALID', 'query() needs a SQL statement', {
        hint: 'e.g. query("select 1")',
      })
    return this.relation({ sql })
  }

  async rowCounts(options: RowCountsOptions = {}): Promise<RowCount[]> {
    const { reader, catalog } = await this.backend.open()
    const names = options.tables
      ? options.tables.map((t) => catalog.table(t).name)
      : catalog.tableNames({ children: true, system: options.system ?? false })
    const out: RowCount[] = names.map((table) => ({ table, rows: 0 }))
    if (names.length > 0) {
      const filtered = new Set(names.filter((n) => !catalog.isSystem(n)))
      const { sql, params } = renderRowCounts(
        names,
        reader.dialect,
        options.loadId === undefined
          ? undefined
          : { loadId: options.loadId, column: SYSTEM_COLUMNS.loadId, tables: filtered },
      )
      for await (const chunk of reader.query(sql, params)) {
        for (const [i, n] of chunk.rows) out[Number(i)]!.rows = Number(resultValue(n))
      }
    }
    return displayable(out, ['table', 'rows'], (r) => [r.table, r.rows])
  }

  async loadIds(): Promise<string[]> {
    const { catalog } = await this.backend.open()
    let loads: Relation = this.relation({ table: SYSTEM_TABLES.loads })
      .select('load_id')
      .where('status', 'eq', 0)
    const schemaNames = catalog.schemas.map((s) => s.name)
    if (schemaNames.length > 0) loads = loads.where('schema_name', 'in', schemaNames)
    const ids = new Set<string>()
    for await (const chunk of loads.iterRows()) for (const row of chunk) ids.add(String(row['load_id']))
    return [...ids].sort(compareLoadIdNumbers)
  }

  async latestLoadId(): Promise<string | undefined> {
    return (await this.loadIds()).at(-1)
  }

  async schema(name?: string): Promise<Schema> {
    const { catalog } = await this.backend.open()
    const schema = name === undefined ? catalog.schemas[0] : catalog.schemas.find((s) => s.name === name)
    if (!schema) {
      throw new SluiceError(
        'TABLE_UNKNOWN',
        name ? `the dataset has no schema "${name}"` : 'the dataset has no schema',
        {
          hint: catalog.schemas.length
            ? `its schemas: ${catalog.schemas.map((s) => s.name).join(', ')}`
            : 'load it with a pipeline first',
        },
      )
    }
    return schema
  }

  async close(): Promise<void> {
    const opened = this.opened
    this.opened = undefined
    if (!opened) return
    let reader: SqlReader
    try {
      reader = (await opened).reader
    } catch {
      return
    }
    await reader.close()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** The row counts as an HTML and a text table (what a notebook shows). */
  async display(): Promise<DisplayBundle> {
    const counts = await this.rowCounts()
    return tableBundle(
      ['table', 'rows'],
      counts.map((c) => [c.table, c.rows]),
    )
  }
}

displayOn(DatasetImpl, (ds) => ds.display())

/** A dataset whose destination and schemas are resolved when it first opens (see `Pipeline.dataset`). */
export function lazyDataset(resolve: () => Promise<DatasetSource>): Dataset {
  return new DatasetImpl(resolve)
}

/**
 * The tables a destination holds in a dataset, without a pipeline (`dlt.dataset(destination, dataset_name)`):
 * names resolve against the schemas given or, by default, the ones stored in the dataset.
 *
 * @example
 * await using data = dataset({ destination: duckdb({ path: 'clockodo.duckdb' }), datasetName: 'clockodo_data' })
 * const top = await data.query('select users_name, sum(duration) as s from entries group by 1').rows()
 */
export function dataset(options: DatasetOptions): Dataset {
  const source: DatasetSource = {
    destination: options.destination,
    datasetName: normalizeIdentifier(
      options.datasetName,
      options.destination.capabilities.maxIdentifierLength,
    ),
    ...(options.schemas ? { schemas: options.schemas } : {}),
  }
  return new DatasetImpl(async () => source)
}
