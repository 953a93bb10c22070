// A small read-only reader over a DuckDB file for the dataset tests: a READ_ONLY instance, the dataset as the
// default schema, values converted to the types the reader contract names.
import { DuckDBInstance, type DuckDBType, DuckDBTypeId, JSDuckDBValueConverter } from '@duckdb/node-api'
import type { DataType, Destination, ReaderChunk, ReaderColumn, SqlReader } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

function sluiceType(type: DuckDBType): DataType | undefined {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'bool'
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
      return 'bigint'
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'double'
    case DuckDBTypeId.DECIMAL:
      return 'decimal'
    case DuckDBTypeId.VARCHAR:
      return type.alias?.toUpperCase() === 'JSON' ? 'json' : 'text'
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp'
    case DuckDBTypeId.DATE:
      return 'date'
    case DuckDBTypeId.TIME:
      return 'time'
    case DuckDBTypeId.BLOB:
      return 'binary'
    default:
      return undefined
  }
}

function value(type: DataType | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null
  switch (type) {
    case 'bigint':
      return BigInt(v as number | bigint)
    case 'date':
      return (v as Date).toISOString().slice(0, 10)
    case 'json':
      return JSON.parse(String(v))
    case 'decimal':
    case 'time':
      return String(v)
    default:
      return v
  }
}

/** A DuckDB reader of `path` (read-only), tables resolved in `datasetName`. */
export async function duckdbTestReader(path: string, datasetName: string): Promise<SqlReader> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  const conn = await instance.connect()
  await conn.run(`SET schema = '${datasetName.replaceAll("'", "''")}'`)
  let closed = false
  return {
    dialect: {
      name: 'duckdb',
      quoteIdentifier: quote,
      table: (name) => `${quote(datasetName)}.${quote(name)}`,
      param: (i) => `$${i}`,
    },
    async *query(sql, params = [], options = {}): AsyncGenerator<ReaderChunk> {
      const size = options.chunkSize ?? 1000
      const statements = await conn.extractStatements(sql)
      if (statements.count !== 1)
        throw new SluiceError('READ_ONLY', 'one statement at a time', { hint: 'send one statement' })
      let result: Awaited<ReturnType<typeof conn.stream>>
      try {
        result = await conn.stream(sql, params.map((p) => (p instanceof Date ? p.toISOString() : p)) as never)
      } catch (cause) {
        const message = (cause as Error).message
        if (/read-only/i.test(message))
          throw new SluiceError('READ_ONLY', 'the reader is read-only', { cause, hint: 'run a SELECT' })
        throw new SluiceError('QUERY_FAILED', `[duckdb] ${message}`, { cause, hint: 'fix the query' })
      }
      const columns: ReaderColumn[] = result.columnNames().map((name, i) => {
        const type = result.columnType(i)
        return { name, dataType: sluiceType(type), nativeType: type.toString() }
      })
      let rows: unknown[][] = []
      let sent = false
      for (;;) {
        const chunk = await result.fetchChunk()
        if (!chunk || chunk.rowCount === 0) break
        for (const row of chunk.convertRows(JSDuckDBValueConverter)) {
          rows.push(row.map((v, i) => value(columns[i]!.dataType, v)))
          if (rows.length === size) {
            yield { columns, rows }
            sent = true
            rows = []
          }
        }
      }
      if (rows.length > 0 || !sent) yield { columns, rows }
    },
    async close() {
      if (closed) return
      closed = true
      conn.closeSync()
      instance.closeSync()
    },
  }
}

/** The destination with {@link duckdbTestReader} as its reader. */
export function withTestReader(destination: Destination, path: string): Destination {
  return { ...destination, openReader: (ctx) => duckdbTestReader(path, ctx.datasetName) }
}
