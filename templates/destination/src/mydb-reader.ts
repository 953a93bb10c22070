import type { DuckDBType, DuckDBValue } from '@duckdb/node-api'
import type {
  DataType,
  ReaderChunk,
  ReaderColumn,
  ReaderContext,
  ReaderDialect,
  ReaderQueryOptions,
  SqlReader,
} from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { type MydbClientOptions, openDatabase } from './mydb-client.ts'
import { quoteMydbIdentifier as q } from './mydb-dialect.ts'

// The read-only query path (`Destination.openReader`) that `pipeline.dataset()` and `sluice pipeline NAME query`
// use. Replace the engine calls with your driver's; keep the rules: the ENGINE refuses writes (a read-only
// connection or transaction, or its own statement type before anything runs), never a check of the SQL text;
// unqualified names resolve to the dataset; rows stream in chunks.

/** The sluice type of the engine's result type, by name; undefined where none fits. */
function dataTypeOf(type: DuckDBType): DataType | undefined {
  const name = String(type)
  if (type.alias === 'JSON') return 'json'
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(name)) return 'bigint'
  if (name.startsWith('DECIMAL')) return 'decimal'
  const types: Record<string, DataType> = {
    VARCHAR: 'text',
    DOUBLE: 'double',
    FLOAT: 'double',
    BOOLEAN: 'bool',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    DATE: 'date',
    TIME: 'time',
    BLOB: 'binary',
  }
  return types[name]
}

/** A value as the JS value of its sluice type (see `ReaderChunk`). */
function jsValue(value: DuckDBValue, dataType: DataType | undefined): unknown {
  if (value === null) return null
  switch (dataType) {
    case 'bigint':
      return BigInt(value as number | bigint)
    case 'decimal':
    case 'date':
      return String(value)
    case 'time':
      return String(value)
        .replace(/(\.\d*?)0+$/, '$1')
        .replace(/\.$/, '')
    case 'timestamp':
      return new Date(Number((value as { micros: bigint }).micros / 1000n))
    case 'json':
      return JSON.parse(value as string)
    case 'binary':
      return (value as { bytes: Uint8Array }).bytes
    default:
      return typeof value === 'object' ? String(value) : value
  }
}

function readOnly(what: string): SluiceError {
  return new SluiceError('READ_ONLY', `[mydb] the reader runs one SELECT at a time, and this is ${what}`, {
    hint: 'nothing was changed; data is changed by loading it with a pipeline',
  })
}

function failed(cause: unknown): SluiceError {
  const line = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0] ?? ''
  if (/read-only/i.test(line)) return readOnly(`a write (${line})`)
  return new SluiceError('QUERY_FAILED', `[mydb] the query failed: ${line}`, {
    cause,
    hint: 'fix the query; unqualified table names resolve to the dataset',
  })
}

/**
 * Opens the reader of a dataset: each query on a connection of its own whose search path is the dataset, one
 * statement (the engine's parser counts them), run only when the engine prepares it as a SELECT, inside a
 * read-only transaction; rows stream from the engine's streaming result.
 */
export async function openMydbReader(options: MydbClientOptions, ctx: ReaderContext): Promise<SqlReader> {
  const { StatementType } = await import('@duckdb/node-api')
  const database = await openDatabase(options.database)
  const dataset = ctx.datasetName
  const dialect: ReaderDialect = {
    name: 'mydb',
    quoteIdentifier: q,
    table: (table) => `${q(dataset)}.${q(table)}`,
    param: (i) => `$${i}`,
  }
  async function* query(
    sql: string,
    params: readonly unknown[] = [],
    queryOptions: ReaderQueryOptions = {},
  ): AsyncGenerator<ReaderChunk> {
    const { signal } = queryOptions
    const chunkSize = queryOptions.chunkSize ?? 1000
    const stopped = () => new SluiceError('RUN_ABORTED', '[mydb] the query was stopped')
    if (signal?.aborted) throw stopped()
    const connection = await database.connect()
    const onAbort = () => connection.interrupt()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await connection.run(`SET search_path = '${q(dataset).replaceAll("'", "''")}'`)
      const statements = await connection.extractStatements(sql).catch((e: unknown) => {
        throw failed(e)
      })
      if (statements.count !== 1) throw readOnly(`${statements.count} statements`)
      await connection.run('BEGIN TRANSACTION READ ONLY')
      const prepared = await statements.prepare(0).catch((e: unknown) => {
        throw failed(e)
      })
      if (prepared.statementType !== StatementType.SELECT) throw readOnly('not a SELECT')
      if (params.length > 0)
        prepared.bind(params.map((p) => (typeof p === 'object' ? String(p) : p)) as DuckDBValue[])
      const result = await prepared.stream().catch((e: unknown) => {
        throw failed(e)
      })
      const types = result.columnTypes()
      const columns: ReaderColumn[] = result.columnNames().map((name, i) => ({
        name,
        dataType: dataTypeOf(types[i]!),
        nativeType: String(types[i]),
      }))
      let rows: unknown[][] = []
      let yielded = false
      for (;;) {
        if (signal?.aborted) throw stopped()
        const chunk = await result.fetchChunk().catch((e: unknown) => {
          throw signal?.aborted ? stopped() : failed(e)
        })
        if (!chunk || chunk.rowCount === 0) break
        for (const row of chunk.getRows()) {
          rows.push(row.map((v, i) => jsValue(v, columns[i]?.dataType)))
          if (rows.length < chunkSize) continue
          yield { columns, rows }
          yielded = true
          rows = []
          if (signal?.aborted) throw stopped()
        }
      }
      if (rows.length > 0 || !yielded) yield { columns, rows }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      await connection.run('ROLLBACK').catch(() => {})
      connection.closeSync()
    }
  }
  return { dialect, query, close: async () => {} }
}
