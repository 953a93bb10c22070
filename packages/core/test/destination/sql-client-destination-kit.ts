// What the SqlClientDestination tests share: a fake client that logs every statement, and a merge table whose
// column names need quoting.

import type {
  DestinationCapabilities,
  DestinationContext,
  PackageLoad,
} from '../../src/destination/destination-types.ts'
import {
  SqlClientDestination,
  type SqlClientDestinationOptions,
} from '../../src/destination/sql/sql-client-destination.ts'
import type { SqlClient, SqlDialect, SqlExecutor } from '../../src/destination/sql/sql-types.ts'
import type { PipelineEvent } from '../../src/events.ts'
import type { Schema, Table } from '../../src/schema/schema-types.ts'

export const dialect: SqlDialect = {
  name: 'fake',
  quoteIdentifier: (n) => `"${n.replaceAll('"', '""')}"`,
  columnType: (c) => c.dataType.toUpperCase(),
}

export const caps = (transactions: boolean): DestinationCapabilities => ({
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'scd2'],
  replaceStrategies: ['insert-from-staging'],
  transactions,
  ddlInTransactions: transactions,
  maxIdentifierLength: 63,
  identifierCase: 'lower',
})

export interface Logged {
  sql: string
  params: readonly unknown[] | undefined
  inTx: boolean
}

export function fakeClient(answer: (sql: string) => Record<string, unknown>[] = () => []): {
  client: SqlClient
  log: Logged[]
} {
  const log: Logged[] = []
  const exec = (inTx: boolean): SqlExecutor => ({
    async execute(sql, params) {
      log.push({ sql, params, inTx })
    },
    async query<T extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      log.push({ sql, params, inTx })
      return answer(sql) as T[]
    },
  })
  const client: SqlClient = {
    dialect,
    ...exec(false),
    transaction: (fn) => fn(exec(true)),
    bulkLoad: async () => 0,
    schemaExists: async () => true,
    [Symbol.asyncDispose]: async () => {},
  }
  return { client, log }
}

export const context = (events: PipelineEvent[] = []): DestinationContext => ({
  datasetName: 'ds',
  pipelineName: 'p',
  emit: (e) => events.push(e),
})

/** A destination over a fake client, dataset `ds`. */
export function over(
  client: SqlClient,
  capabilities: DestinationCapabilities,
  extra: Partial<SqlClientDestinationOptions> = {},
): SqlClientDestination {
  return new SqlClientDestination({ client, ctx: context(), capabilities, location: 'x', ...extra })
}

export const odd = 'x"; DROP TABLE t; --'
export const table: Table = {
  name: 'items',
  writeDisposition: 'merge',
  columns: [
    { name: 'id', dataType: 'bigint', primaryKey: true },
    { name: odd, dataType: 'text' },
    { name: '_sluice_load_id', dataType: 'text' },
    { name: '_sluice_id', dataType: 'text' },
  ],
}
export const schema: Schema = {
  name: 's',
  version: 1,
  versionHash: 'h1',
  previousHashes: [],
  tables: { items: table },
}
export const load: PackageLoad = {
  loadId: '1700000000.1',
  schema,
  tables: [{ table, disposition: 'merge', mergeStrategy: 'delete-insert', rows: 1 }],
  state: {
    pipelineName: 'p',
    version: 1,
    versionHash: 'sh',
    state: 'abc',
    loadId: '1700000000.1',
    createdAt: '2024-01-01T00:00:00.000Z',
  },
}

/** `items__kids`, a child table of {@link table}: a text column `v` and the given system columns (text). */
export function kidsOf(writeDisposition: Table['writeDisposition'], system: readonly string[]): Table {
  return {
    name: 'items__kids',
    parent: 'items',
    writeDisposition,
    columns: [
      { name: 'v', dataType: 'text' },
      ...system.map((name) => ({ name, dataType: 'text' as const })),
    ],
  }
}
