import type { ReaderChunk, SqlReader } from '../destination/destination-reader.ts'
import { SluiceError } from '../errors.ts'
import { arrowTable } from './dataset-arrow.ts'
import { type CompiledRelation, compileRelation, type RelationSpec } from './dataset-compile.ts'
import { DISPLAY_ROWS, type DisplayBundle, displayable, displayOn, tableBundle } from './dataset-display.ts'
import type { Catalog } from './dataset-names.ts'
import { renderSelect } from './dataset-sql.ts'
import type {
  ArrowTable,
  IterRowsOptions,
  JoinOptions,
  Relation,
  RelationColumn,
  RelationSql,
  Row,
  TupleChunk,
  WhereOp,
} from './dataset-types.ts'
import { resultTuple } from './dataset-values.ts'

/** The reader and the schema a dataset's relations run on, opened at the first query. */
export interface DatasetBackend {
  open(): Promise<{ reader: SqlReader; catalog: Catalog }>
}

/** Rows of a chunk of tuples as objects (a name that repeats keeps its last value). */
function toObjects(chunk: TupleChunk): Row[] {
  const names = chunk.columns.map((c) => c.name)
  return chunk.rows.map((row) => {
    const out: Row = {}
    for (let i = 0; i < names.length; i++) out[names[i]!] = row[i]
    return out
  })
}

/** Rows per chunk when none is asked for. */
const DEFAULT_CHUNK = 1000

function positiveInteger(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0)
    throw new SluiceError('QUERY_INVALID', `${what} must be a whole number of 0 or more, got ${n}`, {
      hint: `pass e.g. ${what}(10)`,
    })
  return n
}

/** A compiled relation ready to run: its SQL and the names of its output columns (when known). */
interface Prepared {
  reader: SqlReader
  sql: string
  params: unknown[]
  columns: RelationColumn[] | undefined
}

/** Implements {@link Relation} over a dataset's backend. */
export class DatasetRelation implements Relation {
  private readonly backend: DatasetBackend
  private readonly spec: RelationSpec

  constructor(backend: DatasetBackend, spec: RelationSpec) {
    this.backend = backend
    this.spec = spec
  }

  private with(change: Partial<RelationSpec>): DatasetRelation {
    return new DatasetRelation(this.backend, { ...this.spec, ...change })
  }

  select(...columns: string[]): Relation {
    if (columns.length === 0)
      throw new SluiceError('QUERY_INVALID', 'select() needs at least one column', {
        hint: "e.g. select('id')",
      })
    return this.with({ select: columns })
  }

  where(columnOrSql: string, op?: WhereOp, value?: unknown): Relation {
    const item = op === undefined ? { sql: columnOrSql } : { column: columnOrSql, op, value }
    return this.with({ where: [...this.spec.where, item] })
  }

  orderBy(column: string, direction: 'asc' | 'desc' = 'asc'): Relation {
    if (direction !== 'asc' && direction !== 'desc')
      throw new SluiceError('QUERY_INVALID', `unknown direction "${direction}"`, {
        hint: "use 'asc' or 'desc'",
      })
    return this.with({ orderBy: [...this.spec.orderBy, { column, direction }] })
  }

  limit(n: number): Relation {
    return this.with({ limit: positiveInteger(n, 'limit') })
  }

  head(n = 5): Relation {
    return this.limit(n)
  }

  min(column: string): Relation {
    return this.with({ aggregate: { fn: 'min', column } })
  }

  max(column: string): Relation {
    return this.with({ aggregate: { fn: 'max', column } })
  }

  join(table: string, options: JoinOptions = {}): Relation {
    const kind = options.kind ?? 'inner'
    if (kind !== 'inner' && kind !== 'left')
      throw new SluiceError('QUERY_INVALID', `unknown join kind "${kind}"`, { hint: "use 'inner' or 'left'" })
    return this.with({ joins: [...this.spec.joins, { table, kind }] })
  }

  fromLoads(loadIds: readonly string[]): Relation {
    return this.with({ loads: [...(this.spec.loads ?? []), ...loadIds] })
  }

  private async prepare(spec: RelationSpec = this.spec): Promise<Prepared> {
    const { reader, catalog } = await this.backend.open()
    const compiled: CompiledRelation = compileRelation(spec, catalog)
    if (!compiled.select)
      return { reader, sql: (spec.from as { sql: string }).sql, params: [], columns: undefined }
    const { sql, params } = renderSelect(compiled.select, reader.dialect)
    return { reader, sql, params, columns: compiled.columns }
  }

  async toSql(): Promise<RelationSql> {
    const { sql, params } = await this.prepare()
    return { sql, params }
  }

  /** The reader's chunks of a prepared query. */
  private chunks(prepared: Prepared, options: IterRowsOptions = {}): AsyncIterable<ReaderChunk> {
    return prepared.reader.query(prepared.sql, prepared.params, {
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK,
      ...(options.signal ? { signal: options.signal } : {}),
    })
  }

  async columns(): Promise<RelationColumn[]> {
    const prepared = await this.prepare()
    // a relation of a table knows its columns without running; a query's come with its first chunk
    if (prepared.columns) return prepared.columns
    for await (const chunk of this.tuples(prepared, { chunkSize: 1 })) return [...chunk.columns]
    return []
  }

  /** The prepared query's chunks as tuples with the output columns. */
  private async *tuples(prepared: Prepared, options: IterRowsOptions = {}): AsyncGenerator<TupleChunk> {
    for await (const chunk of this.chunks(prepared, options)) {
      const columns = prepared.columns ?? chunk.columns.map((c) => ({ name: c.name, dataType: c.dataType }))
      yield { columns, rows: chunk.rows.map(resultTuple) }
    }
  }

  async *iterTuples(options: IterRowsOptions = {}): AsyncGenerator<TupleChunk> {
    yield* this.tuples(await this.prepare(), options)
  }

  async *iterRows(options: IterRowsOptions = {}): AsyncGenerator<Row[]> {
    for await (const chunk of this.iterTuples(options)) {
      if (chunk.rows.length > 0) yield toObjects(chunk)
    }
  }

  async rows(): Promise<Row[]> {
    const out: Row[] = []
    let names: string[] = []
    for await (const chunk of this.iterTuples()) {
      names = chunk.columns.map((c) => c.name)
      for (const row of toObjects(chunk)) out.push(row)
    }
    return displayable(out, names, (r) => names.map((n) => r[n]))
  }

  async fetchall(): Promise<unknown[][]> {
    const out: unknown[][] = []
    let names: string[] = []
    for await (const chunk of this.iterTuples()) {
      names = chunk.columns.map((c) => c.name)
      for (const row of chunk.rows) out.push(row)
    }
    return displayable(out, names, (r) => r)
  }

  /** Tuples of the first `max` rows (and whether there were more), stopping the query there. */
  private async firstRows(max: number): Promise<{ names: string[]; rows: unknown[][]; more: boolean }> {
    // a relation of a table gets a LIMIT; a query the user wrote runs as it is and is stopped
    const spec =
      'table' in this.spec.from && (this.spec.limit === undefined || this.spec.limit > max + 1)
        ? { ...this.spec, limit: max + 1 }
        : this.spec
    const prepared = await this.prepare(spec)
    let names = prepared.columns?.map((c) => c.name) ?? []
    const rows: unknown[][] = []
    for await (const chunk of this.tuples(prepared, { chunkSize: Math.min(max + 1, DEFAULT_CHUNK) })) {
      names = chunk.columns.map((c) => c.name)
      for (const row of chunk.rows) {
        if (rows.length === max) return { names, rows, more: true }
        rows.push(row)
      }
    }
    return { names, rows, more: false }
  }

  async fetchone(): Promise<unknown[] | undefined> {
    return (await this.firstRows(1)).rows[0]
  }

  async scalar(): Promise<unknown> {
    const { names, rows, more } = await this.firstRows(1)
    if (names.length !== 1 || more)
      throw new SluiceError(
        'QUERY_INVALID',
        `scalar() needs a result of one column and at most one row, got ${names.length} column(s) and ${more ? 'more than one row' : `${rows.length} row(s)`}`,
        { hint: 'select one column and limit the rows, or use rows()' },
      )
    return rows[0]?.[0]
  }

  async arrow<T = ArrowTable>(): Promise<T> {
    const prepared = await this.prepare()
    // the caller names apache-arrow's Table type when it wants it (see ArrowTable)
    return (await arrowTable(
      this.chunks(prepared),
      prepared.columns?.map((c) => c.name),
    )) as T
  }

  /** The first rows as an HTML and a text table (what a notebook shows). */
  async display(): Promise<DisplayBundle> {
    const { names, rows, more } = await this.firstRows(DISPLAY_ROWS)
    const note = more ? `the first ${rows.length} rows` : `${rows.length} row${rows.length === 1 ? '' : 's'}`
    return tableBundle(names, rows, note)
  }
}

displayOn(DatasetRelation, (relation) => relation.display())
