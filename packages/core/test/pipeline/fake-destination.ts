import { readFile } from 'node:fs/promises'
import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  LoadJob,
  PackageLoad,
  StoredSchema,
  StoredState,
} from '../../src/destination/destination-types.ts'
import { SluiceError } from '../../src/errors.ts'
import type { SchemaChange } from '../../src/schema/schema-types.ts'

type Row = Record<string, unknown>

/** Parses a job file written by core (jsonl or csv; csv values come back as strings, NULL as null). */
export async function readJobFile(file: string, format: string): Promise<Row[]> {
  const text = await readFile(file, 'utf8')
  if (format === 'jsonl') {
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row)
  }
  const records = parseCsv(text)
  const header = records.shift() ?? []
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])))
}

/** A small RFC 4180 parser that keeps PostgreSQL's NULL (unquoted empty) apart from `""`. */
export function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = []
  let row: (string | null)[] = []
  let i = 0
  while (i < text.length) {
    let value: string | null
    if (text[i] === '"') {
      let v = ''
      i++
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          v += '"'
          i += 2
        } else if (text[i] === '"') {
          i++
          break
        } else v += text[i++]
      }
      value = v
    } else {
      let j = i
      while (j < text.length && text[j] !== ',' && text[j] !== '\n') j++
      value = j === i ? null : text.slice(i, j)
      i = j
    }
    row.push(value)
    if (text[i] === ',') i++
    else {
      rows.push(row)
      row = []
      i++
    }
  }
  return rows
}

/** A planned failure of `load()` for jobs of a table. */
export interface PlannedFailure {
  table: string
  /** Transient failures before the job succeeds. */
  transient?: number
  /** Fail terminally (after the transient ones). */
  terminal?: boolean
}

/**
 * An in-memory destination like dlt's dummy: idempotent per package (staging per load id, published by
 * complete, `_sluice_loads` checked first), with planned transient/terminal job failures and crashes in
 * complete(). Records what each call received.
 */
export class FakeDestination implements Destination {
  readonly name = 'fake'
  readonly capabilities: DestinationCapabilities
  readonly tables: Map<string, Row[]> = new Map()
  readonly loads: string[] = []
  readonly completed: PackageLoad[] = []
  readonly migrations: SchemaChange[][] = []
  readonly jobs: LoadJob[] = []
  readonly dropped: string[] = []
  readonly schemas: Map<string, StoredSchema> = new Map()
  storedState: StoredState | undefined
  failures: PlannedFailure[] = []
  /** complete() throws this many times (a crash between load and complete). */
  crashOnComplete = 0
  maxParallelJobs = 2
  canDrop = true
  /** The clients' `location`. */
  location = 'memory://fake'
  /** Offer `prepareTables`, so the runner loads job files while it extracts. */
  earlyLoad = false
  /** What `load()` reports for the rows it took (default: the rows it read), e.g. to drop one silently. */
  reportRows: (rows: number, job: LoadJob) => number = (rows) => rows
  /** Each `load()` waits this long (to see loads overlap). */
  loadDelayMs = 0
  /** The most `load()` calls running at once. */
  maxConcurrentLoads = 0
  /** Runs when a client is disposed (closed). */
  onDispose: () => Promise<void> = async () => {}
  private activeLoads = 0
  /** The order of client calls: `migrate`, `prepare:<tables>`, `startLoad`, `load:<jobId>`, `complete`. */
  readonly calls: string[] = []
  private readonly staging = new Map<string, Map<string, Row[]>>()

  constructor(format: 'jsonl' | 'csv' | 'parquet' = 'jsonl', countsLoadedRows = true) {
    this.capabilities = {
      countsLoadedRows,
      fileFormats: [format],
      writeDispositions: ['append', 'replace', 'merge'],
      mergeStrategies: ['delete-insert'],
      replaceStrategies: ['truncate-and-insert'],
      transactions: true,
      ddlInTransactions: true,
      maxIdentifierLength: 63,
      identifierCase: 'lower',
    }
  }

  rows(table: string): Row[] {
    return this.tables.get(table) ?? []
  }

  async createClient(): Promise<DestinationClient> {
    const d = this
    const loadJob = async (job: LoadJob): Promise<{ rows: number }> => {
      d.calls.push(`load:${job.jobId}`)
      d.jobs.push(job)
      if (d.loadDelayMs > 0) await new Promise((r) => setTimeout(r, d.loadDelayMs))
      const plan = d.failures.find((f) => f.table === job.table.name)
      if (plan?.transient) {
        plan.transient--
        throw new SluiceError('DESTINATION_TRANSIENT', `connection reset loading ${job.jobId}`, {
          transient: true,
        })
      }
      if (plan?.terminal)
        throw new SluiceError('DESTINATION_DATA', `column "x" rejects value in ${job.jobId}`)
      const rows = await readJobFile(job.file, job.format)
      const staged = d.staging.get(job.loadId)
      if (!staged) throw new Error(`load before startLoad/prepareTables: ${job.jobId}`)
      staged.set(`${job.table.name}\u0000${job.jobId}`, rows)
      return { rows: d.reportRows(rows.length, job) }
    }
    const client: DestinationClient = {
      location: d.location,
      maxParallelJobs: d.maxParallelJobs,
      async initialize() {},
      async getStoredSchema(name) {
        return d.schemas.get(name)
      },
      async getStoredState() {
        return d.storedState
      },
      async migrate(_schema, changes) {
        d.calls.push('migrate')
        d.migrations.push([...changes])
      },
      async startLoad(load) {
        d.calls.push('startLoad')
        d.staging.set(load.loadId, new Map())
      },
      async load(job) {
        d.activeLoads++
        d.maxConcurrentLoads = Math.max(d.maxConcurrentLoads, d.activeLoads)
        try {
          return await loadJob(job)
        } finally {
          d.activeLoads--
        }
      },
      async complete(load) {
        d.calls.push('complete')
        if (d.crashOnComplete > 0) {
          d.crashOnComplete--
          throw new Error('process killed before complete')
        }
        if (d.loads.includes(load.loadId)) return
        const staged = d.staging.get(load.loadId) ?? new Map<string, Row[]>()
        for (const t of load.tables) {
          const rows = [...staged.entries()]
            .filter(([k]) => k.startsWith(`${t.table.name}\u0000`))
            .flatMap(([, r]) => r)
          let target = d.tables.get(t.table.name) ?? []
          if (t.disposition === 'replace') target = []
          if (t.recreate) d.dropped.push(t.table.name)
          if (t.disposition === 'merge') {
            const pk = t.table.columns.filter((c) => c.primaryKey).map((c) => c.name)
            const keys = new Set(rows.map((r) => pk.map((k) => String(r[k])).join('|')))
            target = target.filter((r) => !keys.has(pk.map((k) => String(r[k])).join('|')))
            for (const range of t.replaceRanges ?? []) {
              target = target.filter((r) => {
                const v = r[range.column] as string | number
                return !(v >= range.from && v < range.to)
              })
            }
          }
          d.tables.set(t.table.name, [...target, ...rows])
        }
        for (const name of load.dropTables ?? []) {
          d.dropped.push(name)
          d.tables.delete(name)
        }
        if (load.state) d.storedState = load.state
        d.schemas.set(load.schema.name, {
          name: load.schema.name,
          version: load.schema.version,
          versionHash: load.schema.versionHash,
          schema: structuredClone(load.schema),
          insertedAt: new Date().toISOString(),
        })
        d.loads.push(load.loadId)
        d.completed.push(structuredClone(load))
      },
      [Symbol.asyncDispose]: () => d.onDispose(),
    }
    if (this.earlyLoad) {
      client.prepareTables = async (loadId, tables) => {
        d.calls.push(`prepare:${tables.map((t) => t.name).join(',')}`)
        const staged = d.staging.get(loadId) ?? new Map<string, Row[]>()
        d.staging.set(loadId, staged)
        for (const t of tables) {
          for (const k of [...staged.keys()]) if (k.startsWith(`${t.name}\u0000`)) staged.delete(k)
        }
      }
    }
    if (this.canDrop) {
      client.dropTables = async (tables) => {
        d.dropped.push(...tables)
        for (const t of tables) d.tables.delete(t)
      }
    }
    return client
  }
}
