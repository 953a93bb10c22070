// The benchmark scenarios, each a short function; the latency-bound ones are in bench-latency.ts.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Destination, LoadInfo, PipelineEvent, Resource, Source } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { createNormalizer, newLoadId } from '@sluice/core/testing'
import { duckdb } from '@sluice/destination-duckdb'
import { filesystem } from '@sluice/destination-filesystem'
import {
  connectPostgres,
  parsePostgresCredentials,
  postgres,
  quotePostgresIdentifier,
} from '@sluice/destination-postgres'
import {
  benchDuckdbOptions,
  benchEntries,
  benchFileMaxBytes,
  benchPageWorkers,
  CLOCKODO_HEADERS,
  CONCURRENCY,
  copyPage,
  fastLimiterClock,
  peakRssMb,
  removeDir,
  secondsSince,
  tempDir,
} from './bench-common.ts'

/** What one measured run reports back. */
export interface RunResult {
  rows: number
  seconds: number
  note?: string
  /** Extra figures (e.g. the extract step's seconds, request count). */
  extra?: Record<string, number>
}

/** Seconds of the run's steps (extract = waiting for pages; normalize = normalizing and writing job files). */
export function steps(info: LoadInfo): Record<string, number> {
  const d = info.durations
  return {
    extractSeconds: d.extract / 1000,
    normalizeSeconds: d.normalize / 1000,
    loadSeconds: d.load / 1000,
  }
}

/**
 * Records the peak RSS reached before the load step starts (sluice's own part, before the database works), and
 * prints the run's warnings.
 */
function rssProbe(): { onEvent: (e: PipelineEvent) => void; beforeLoad: () => number } {
  let before = 0
  const started = performance.now()
  const trace = process.env['BENCH_EVENTS'] !== undefined
  return {
    onEvent: (e) => {
      // a fallback (an early load that failed) changes what a run measures: show it
      if (e.type === 'warning') process.stderr.write(`[bench warning] ${e.message}\n`)
      // BENCH_EVENTS=1: a timeline of steps, job-file loads and every 100th page, in seconds since the probe started,
      // with the process's CPU seconds so far (all threads): CPU between two lines over the time between them is
      // how many cores the run kept busy
      const page = e.type === 'page' && (e.page % 100 === 0 || e.page === e.totalPages)
      if (trace && (e.type === 'step' || e.type === 'load-job' || page)) {
        const cpu = process.cpuUsage()
        const at = `${secondsSince(started).toFixed(2)} cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)}`
        process.stderr.write(`[bench event] ${at} ${JSON.stringify(e)}\n`)
      }
      if (e.type === 'step' && e.step === 'load' && e.phase === 'start' && before === 0) before = peakRssMb()
    },
    beforeLoad: () => before,
  }
}

/** The floor: the same pages fetched and parsed (nothing else) with `concurrency` requests in flight. */
export async function fetchParseFloor(
  urlsFile: string,
  concurrency: number = CONCURRENCY,
): Promise<RunResult> {
  const urls = JSON.parse(await readFile(urlsFile, 'utf8')) as string[]
  let next = 0
  let rows = 0
  const start = performance.now()
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const url = urls[next++]!
      const res = await fetch(url, { headers: CLOCKODO_HEADERS })
      const body = (await res.json()) as { entries: unknown[] }
      rows += body.entries.length
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { rows, seconds: secondsSince(start), extra: { pages: urls.length } }
}

/** A destination for an end-to-end run, with its location under `dir`. */
export function benchDestination(kind: string, dir: string, postgresUrl?: string): Destination {
  switch (kind) {
    case 'duckdb':
      return duckdb({ path: join(dir, 'bench.duckdb'), ...benchDuckdbOptions() })
    case 'postgres':
      if (!postgresUrl) throw new Error('no PostgreSQL URL')
      return postgres({ credentials: postgresUrl })
    case 'filesystem':
      return filesystem({ bucketUrl: join(dir, 'bucket'), format: 'parquet' })
    default:
      throw new Error(`unknown destination ${kind}`)
  }
}

/** End to end: the Clockodo source's entries over HTTP through the pipeline into a destination. */
export async function endToEnd(options: {
  baseUrl: string
  startDate: string
  endDate: string
  destination: string
  postgresUrl?: string
  datasetName?: string
}): Promise<RunResult> {
  const dir = await tempDir('e2e')
  // every run loads into a dataset of its own (a first load, like the DuckDB runs into new files), dropped after
  const datasetName = options.datasetName ?? `bench_${process.pid}`
  try {
    // the same pages as the floor (bench-prepare.ts)
    const source = benchEntries(options, { enhancedList: 'always' }, { clock: fastLimiterClock() })
    // the filesystem destination has no merge: entries are appended there (the same rows, the same files)
    const loaded: Source =
      options.destination === 'filesystem'
        ? {
            ...source,
            resources: source.resources.map((r) => ({ ...r, writeDisposition: 'append' as const })),
          }
        : source
    const probe = rssProbe()
    const p = pipeline({
      pipelineName: 'bench',
      destination: benchDestination(options.destination, dir, options.postgresUrl),
      datasetName,
      pipelinesDir: join(dir, 'pipelines'),
      onEvent: probe.onEvent,
      ...benchPageWorkers(),
      ...benchFileMaxBytes(),
    })
    const start = performance.now()
    const info = await p.run(loaded)
    const seconds = secondsSince(start)
    return {
      rows: info.tables.entries?.rows ?? 0,
      seconds,
      extra: { ...steps(info), peakRssBeforeLoadMb: probe.beforeLoad() },
    }
  } finally {
    await removeDir(dir)
    if (options.destination === 'postgres' && options.postgresUrl)
      await dropPostgresDataset(options.postgresUrl, datasetName)
  }
}

/** Drops a dataset and its staging schema from PostgreSQL (what a bench run loaded there). */
export async function dropPostgresDataset(url: string, dataset: string): Promise<void> {
  const client = await connectPostgres({ params: parsePostgresCredentials(url), poolSize: 1 })
  try {
    for (const schema of [dataset, `${dataset}_staging`])
      await client.execute(`DROP SCHEMA IF EXISTS ${quotePostgresIdentifier(schema)} CASCADE`)
  } finally {
    await client[Symbol.asyncDispose]()
  }
}

/** DuckDB's own read_json of the NDJSON file (explicit columns, as sluice loads), into a new table. */
export async function duckdbReadJson(ndjson: string): Promise<RunResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const dir = await tempDir('readjson')
  const instance = await DuckDBInstance.create(join(dir, 'floor.duckdb'))
  const conn = await instance.connect()
  try {
    const file = `'${ndjson.replaceAll("'", "''")}'`
    const described = await conn.runAndReadAll(
      `DESCRIBE SELECT * FROM read_json(${file}, format = 'newline_delimited')`,
    )
    const columns = described
      .getRowObjects()
      .map((r) => `'${String(r.column_name).replaceAll("'", "''")}': '${String(r.column_type)}'`)
      .join(', ')
    const start = performance.now()
    await conn.run(
      `CREATE TABLE entries AS SELECT * FROM read_json(${file}, format = 'newline_delimited', columns = {${columns}})`,
    )
    const seconds = secondsSince(start)
    const count = await conn.runAndReadAll('SELECT count(*) AS n FROM entries')
    return { rows: Number(count.getRowObjects()[0]?.n ?? 0), seconds }
  } finally {
    conn.closeSync()
    instance.closeSync()
    await removeDir(dir)
  }
}

function templateSource(
  name: string,
  template: Record<string, unknown>[],
  rows: number,
  pageSize: number,
): Source {
  const resource: Resource<object> = {
    name,
    primaryKey: 'id',
    writeDisposition: 'merge',
    async *read() {
      for (let id = 1; id <= rows; id += pageSize) {
        const size = Math.min(pageSize, rows - id + 1)
        const offset = (id - 1) % template.length
        const slice = template.slice(offset, offset + size)
        yield copyPage(slice.length === size ? slice : template.slice(0, size), id)
      }
    },
  }
  return { name: 'clockodo', resources: [resource] }
}

/**
 * Normalize + load without HTTP: `rows` entries (copies of already extracted pages with fresh ids, 1,000 per page)
 * through the pipeline into DuckDB.
 */
export async function normalizeLoad(templateFile: string, rows: number): Promise<RunResult> {
  const template = JSON.parse(await readFile(templateFile, 'utf8')) as Record<string, unknown>[]
  const dir = await tempDir('normload')
  try {
    const probe = rssProbe()
    const p = pipeline({
      pipelineName: 'bench',
      destination: duckdb({ path: join(dir, 'bench.duckdb'), ...benchDuckdbOptions() }),
      datasetName: 'bench_data',
      pipelinesDir: join(dir, 'pipelines'),
      onEvent: probe.onEvent,
    })
    const start = performance.now()
    const info = await p.run(templateSource('entries', template, rows, 1000))
    return {
      rows: info.tables.entries?.rows ?? 0,
      seconds: secondsSince(start),
      extra: { ...steps(info), peakRssBeforeLoadMb: probe.beforeLoad() },
    }
  } finally {
    await removeDir(dir)
  }
}

/** Normalize alone (no files, no destination): `rows` root rows of `table` in pages of `pageSize`. */
export async function normalizeOnly(
  templateFile: string,
  table: string,
  rows: number,
  pageSize: number,
): Promise<RunResult> {
  const template = JSON.parse(await readFile(templateFile, 'utf8')) as Record<string, unknown>[]
  const pages: object[][] = []
  for (let id = 1; id <= rows; id += pageSize) {
    const size = Math.min(pageSize, rows - id + 1)
    const slice: Record<string, unknown>[] = []
    for (let i = 0; i < size; i++) slice.push(template[(id - 1 + i) % template.length]!)
    pages.push(copyPage(slice, id))
  }
  const normalizer = createNormalizer(undefined, { schemaName: 'clockodo' })
  normalizer.registerResource({ resource: table, primaryKey: ['id'], writeDisposition: 'merge' })
  const loadId = newLoadId()
  let childRows = 0
  const start = performance.now()
  for (const page of pages) {
    const out = normalizer.normalizePage(table, page, loadId)
    for (const [name, list] of out.tables) if (name !== table) childRows += list.length
  }
  return {
    rows,
    seconds: secondsSince(start),
    extra: { childRows, tables: normalizer.schema.tables ? Object.keys(normalizer.schema.tables).length : 0 },
  }
}

/** The naive script a user would write: pages one at a time, one INSERT per row into DuckDB. */
export async function naiveScript(urlsFile: string, pages: number): Promise<RunResult> {
  const urls = (JSON.parse(await readFile(urlsFile, 'utf8')) as string[]).slice(0, pages)
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const dir = await tempDir('naive')
  const instance = await DuckDBInstance.create(join(dir, 'naive.duckdb'))
  const conn = await instance.connect()
  let rows = 0
  try {
    const start = performance.now()
    let columns: string[] | undefined
    let insert = ''
    for (const url of urls) {
      const res = await fetch(url, { headers: CLOCKODO_HEADERS })
      const body = (await res.json()) as { entries: Record<string, unknown>[] }
      for (const entry of body.entries) {
        if (!columns) {
          columns = Object.keys(entry)
          const type = (v: unknown): string =>
            typeof v === 'number' ? 'DOUBLE' : typeof v === 'boolean' ? 'BOOLEAN' : 'VARCHAR'
          await conn.run(
            `CREATE TABLE entries (${columns.map((c) => `"${c}" ${type(entry[c])}`).join(', ')})`,
          )
          insert = `INSERT INTO entries VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`
        }
        const values = columns.map((c) => {
          const v = entry[c]
          return v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : v
        })
        await conn.run(insert, values as (string | number | boolean | null)[])
        rows++
      }
    }
    return { rows, seconds: secondsSince(start) }
  } finally {
    conn.closeSync()
    instance.closeSync()
    await removeDir(dir)
  }
}
