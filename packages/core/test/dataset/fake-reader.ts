// A reader that records the SQL it gets and answers from a function, in a dialect of choice, for the dataset tests.

import type {
  ReaderChunk,
  ReaderColumn,
  ReaderDialect,
  SqlReader,
} from '../../src/destination/destination-reader.ts'
import type { Destination } from '../../src/destination/destination-types.ts'
import type { Schema } from '../../src/schema/schema-types.ts'

/** Dialects like those of the destinations: quoting, case and parameters. */
export const DIALECTS: Record<
  'duckdb' | 'postgres' | 'bigquery' | 'snowflake',
  (dataset: string) => ReaderDialect
> = {
  duckdb: (ds) => ({
    name: 'duckdb',
    quoteIdentifier: (n) => `"${n.replaceAll('"', '""')}"`,
    table: (n) => `"${ds}"."${n.replaceAll('"', '""')}"`,
    param: (i) => `$${i}`,
  }),
  postgres: (ds) => ({
    name: 'postgres',
    quoteIdentifier: (n) => `"${n.replaceAll('"', '""')}"`,
    table: (n) => `"${ds}"."${n.replaceAll('"', '""')}"`,
    param: (i) => `$${i}`,
  }),
  bigquery: (ds) => ({
    name: 'bigquery',
    quoteIdentifier: (n) => `\`${n.replaceAll('`', '\\`')}\``,
    table: (n) => `\`${ds}\`.\`${n}\``,
    param: () => '?',
  }),
  snowflake: (ds) => ({
    name: 'snowflake',
    quoteIdentifier: (n) => `"${n.toUpperCase().replaceAll('"', '""')}"`,
    table: (n) => `"${ds.toUpperCase()}"."${n.toUpperCase()}"`,
    param: () => '?',
  }),
}

/** An answer of the fake reader. */
export interface FakeResult {
  columns: ReaderColumn[]
  rows: unknown[][]
}

/** A column of a fake result. */
export const col = (name: string, dataType: ReaderColumn['dataType'] = 'text'): ReaderColumn => ({
  name,
  dataType,
  nativeType: String(dataType),
})

/** A reader that records queries and answers them with `answer`, in chunks; it counts what it yielded. */
export interface FakeReader extends SqlReader {
  readonly queries: { sql: string; params: readonly unknown[] }[]
  /** Chunks yielded so far (over all queries). */
  yielded: number
  closed: number
}

export function fakeReader(
  dialect: ReaderDialect,
  answer: (sql: string, params: readonly unknown[]) => FakeResult,
): FakeReader {
  const reader: FakeReader = {
    dialect,
    queries: [],
    yielded: 0,
    closed: 0,
    async *query(sql, params = [], options = {}): AsyncGenerator<ReaderChunk> {
      reader.queries.push({ sql, params })
      const { columns, rows } = answer(sql, params)
      const size = options.chunkSize ?? 1000
      if (rows.length === 0) {
        reader.yielded++
        yield { columns, rows: [] }
        return
      }
      for (let i = 0; i < rows.length; i += size) {
        reader.yielded++
        yield { columns, rows: rows.slice(i, i + size) }
      }
    },
    async close() {
      reader.closed++
    },
  }
  return reader
}

/** A destination whose reader is `reader` (opened once per `openReader`). */
export function readerDestination(reader: SqlReader | undefined, maxIdentifierLength = 65536): Destination {
  return {
    name: 'fake',
    capabilities: {
      fileFormats: ['jsonl'],
      writeDispositions: ['append'],
      mergeStrategies: [],
      replaceStrategies: [],
      transactions: false,
      ddlInTransactions: false,
      maxIdentifierLength,
      identifierCase: 'lower',
    },
    createClient: () => Promise.reject(new Error('not used')),
    ...(reader ? { openReader: async () => reader } : {}),
  }
}

const sys = (child: boolean) => [
  ...(child
    ? [
        { name: '_sluice_parent_id', dataType: 'text' as const },
        { name: '_sluice_list_idx', dataType: 'bigint' as const },
      ]
    : []),
  { name: '_sluice_load_id', dataType: 'text' as const },
  { name: '_sluice_id', dataType: 'text' as const },
]

/** A schema like the Clockodo source's: entries with a child table of tags, and users. */
export const SCHEMA: Schema = {
  name: 'clockodo',
  version: 3,
  versionHash: 'h3',
  previousHashes: [],
  tables: {
    entries: {
      name: 'entries',
      resource: 'entries',
      writeDisposition: 'merge',
      columns: [
        { name: 'id', dataType: 'bigint' },
        { name: 'users_id', dataType: 'bigint' },
        { name: 'users_name', dataType: 'text' },
        { name: 'time_since', dataType: 'timestamp' },
        { name: 'billable', dataType: 'bool' },
        { name: 'duration', dataType: 'bigint' },
        { name: 'day', dataType: 'date' },
        ...sys(false),
      ],
    },
    entries__tags: {
      name: 'entries__tags',
      parent: 'entries',
      writeDisposition: 'merge',
      columns: [{ name: 'value', dataType: 'text' }, ...sys(true)],
    },
    users: {
      name: 'users',
      resource: 'users',
      writeDisposition: 'replace',
      columns: [{ name: 'id', dataType: 'bigint' }, { name: 'name', dataType: 'text' }, ...sys(false)],
    },
  },
}
