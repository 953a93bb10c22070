import type { Destination, DestinationCapabilities } from '@sluice/core/destination'
import { sqlDestination } from '@sluice/core/destination'
import { connectMydb } from './mydb-client.ts'
import { openMydbReader } from './mydb-reader.ts'

/**
 * What the engine can do; core adapts to it and the conformance suites skip what is not claimed. Claim only what
 * passes: jsonl job files, every disposition and merge strategy, transactional DDL (so a publish is one
 * transaction), identifiers kept as given.
 */
export const MYDB_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'upsert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging'],
  transactions: true,
  ddlInTransactions: true,
  maxIdentifierLength: 255,
  identifierCase: 'lower',
}

/** Options of {@link mydb}. Replace them with your engine's connection settings. */
export interface MydbOptions {
  /** The database to load into: an in-memory database of this name, kept for the life of the process. */
  database: string
}

/**
 * The Mydb destination: dataset = schema (plus `<dataset>_staging`), job files loaded by the client's bulk path,
 * each package published in one transaction. Core's `sqlDestination()` does the rest; `openReader` is the
 * read-only query path (`openMydbReader`). Validate options here and
 * throw `SluiceError('CONFIG_INVALID')` naming the setting; connect in `connect`, never here.
 *
 * @example mydb({ database: 'analytics' })
 */
export function mydb(options: MydbOptions): Destination {
  const { database } = options
  const destination = sqlDestination({
    name: 'mydb',
    capabilities: MYDB_CAPABILITIES,
    location: `mydb://${database}`,
    // what a pipeline records to find the data again: the config keys of mydb-config.ts, never a secret
    publicConfig: () => ({ database }),
    connect: () => connectMydb({ database }),
  })
  return { ...destination, openReader: (ctx) => openMydbReader({ database }, ctx) }
}
