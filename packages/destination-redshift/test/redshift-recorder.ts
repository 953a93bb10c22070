// A SqlClient that records what core's SQL kit sends to Redshift instead of running it: for golden SQL of the
// statements PostgreSQL cannot show (Redshift types, 127-byte names). Catalog queries see an empty database
// unless `columns` says which tables exist.
import { readFile } from 'node:fs/promises'
import type { Destination, SqlClient, SqlExecutor } from '@sluice/core/destination'
import { sqlDestination } from '@sluice/core/destination'
import { REDSHIFT_CAPABILITIES, redshiftDialect } from '../src/index.ts'

/** A statement as recorded: `BEGIN`/`COMMIT` mark transactions. */
export type Recorded = string

export interface Recorder {
  destination: Destination
  log: Recorded[]
  /** Existing columns, as `information_schema.columns` would list them. */
  columns: { table_schema: string; table_name: string; column_name: string }[]
}

/** A Redshift destination over a recording client. */
export function recorder(): Recorder {
  const log: Recorded[] = []
  const columns: Recorder['columns'] = []
  const exec: SqlExecutor = {
    async execute(sql) {
      log.push(sql)
    },
    async query<T extends Record<string, unknown>>(sql: string) {
      if (sql.includes('information_schema.columns')) return columns as unknown as T[]
      log.push(sql)
      return []
    },
  }
  const client: SqlClient = {
    dialect: redshiftDialect,
    ...exec,
    async transaction(fn) {
      log.push('BEGIN')
      const result = await fn(exec)
      log.push('COMMIT')
      return result
    },
    async bulkLoad(load) {
      log.push(`-- bulk load ${load.qualifiedTable}`)
      return (await readFile(load.file, 'utf8')).split('\n').filter((l) => l.trim() !== '').length
    },
    schemaExists: async () => false,
    [Symbol.asyncDispose]: async () => {},
  }
  const destination = sqlDestination({
    name: 'redshift',
    capabilities: REDSHIFT_CAPABILITIES,
    location: 'redshift://recorder',
    connect: async () => client,
  })
  return { destination, log, columns }
}
