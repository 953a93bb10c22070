import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  Column,
  DestinationClient,
  DestinationContext,
  LoadJob,
  PackageLoad,
  PipelineEvent,
  Schema,
  Table,
  TableLoad,
} from '@sluice/core/destination'
import { csvField } from '@sluice/core/testing'
import { afterAll } from 'vitest'

/** A root table with `_sluice_id` / `_sluice_load_id` and the given columns. */
export function table(name: string, columns: Column[], extra: Partial<Table> = {}): Table {
  return {
    name,
    writeDisposition: 'append',
    ...extra,
    columns: [
      ...columns,
      { name: '_sluice_load_id', dataType: 'text' },
      { name: '_sluice_id', dataType: 'text' },
    ],
  }
}

export function schemaOf(tables: Table[], version = 1): Schema {
  return {
    name: 'test_source',
    version,
    versionHash: `hash-${version}-${tables.map((t) => t.columns.length).join('-')}`,
    previousHashes: [],
    tables: Object.fromEntries(tables.map((t) => [t.name, t])),
  }
}

let fileCounter = 0
let dirPromise: Promise<string> | undefined
// Registered on the importing test file: its job files go when it ends.
afterAll(async () => {
  if (dirPromise) await rm(await dirPromise, { recursive: true, force: true })
})

/** Writes rows as a job file the way core's job writer does (jsonl, or csv with a header line). */
export async function jobFile(
  loadId: string,
  t: Table,
  rows: Record<string, unknown>[],
  format: 'jsonl' | 'csv' = 'jsonl',
): Promise<LoadJob> {
  dirPromise ??= mkdtemp(join(tmpdir(), 'sluice-pg-jobs-'))
  const dir = await dirPromise
  const jobId = `${t.name}.${++fileCounter}.${format}`
  const file = join(dir, jobId)
  const full: Record<string, unknown>[] = rows.map((r, i) => ({
    _sluice_load_id: loadId,
    _sluice_id: `${loadId}-${t.name}-${i}-${fileCounter}`,
    ...r,
  }))
  const names = t.columns.map((c) => c.name)
  const text =
    format === 'jsonl'
      ? full.map((r) => `${JSON.stringify(r)}\n`).join('')
      : `${names.map(csvField).join(',')}\n${full.map((r) => `${names.map((n) => csvField(r[n])).join(',')}\n`).join('')}`
  await writeFile(file, text)
  return { loadId, jobId, table: t, file, format, rows: rows.length }
}

export function ctxFor(datasetName: string, events: PipelineEvent[] = []): DestinationContext {
  return { datasetName, pipelineName: 'test_pipeline', emit: (e) => events.push(e) }
}

/** Runs one package through a client: migrate, startLoad, load every job, complete. */
export async function loadPackage(
  client: DestinationClient,
  schema: Schema,
  jobs: LoadJob[],
  tables: Omit<TableLoad, 'rows'>[],
  extra: Partial<PackageLoad> = {},
): Promise<PackageLoad> {
  const loadId = jobs[0]?.loadId ?? extra.loadId ?? String(Date.now())
  const load: PackageLoad = {
    loadId,
    schema,
    tables: tables.map((tl) => ({
      ...tl,
      rows: jobs.filter((j) => j.table.name === tl.table.name).reduce((n, j) => n + j.rows, 0),
    })),
    ...extra,
  }
  await client.initialize()
  await client.migrate(
    schema,
    Object.values(schema.tables).map((t) => ({ kind: 'add-table' as const, table: t })),
  )
  await client.startLoad(load)
  for (const job of jobs) await client.load(job, new AbortController().signal)
  await client.complete(load)
  return load
}
