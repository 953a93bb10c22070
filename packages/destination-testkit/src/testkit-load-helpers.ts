import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Destination, DestinationClient, PackageLoad, Schema, Table } from '@sluice/core/destination'

/** A root table with system columns. */
export function table(name: string, columns: Table['columns'], extra: Partial<Table> = {}): Table {
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

/** Opens a client on a dataset and initializes it. */
export async function open(destination: Destination, datasetName: string): Promise<DestinationClient> {
  const client = await destination.createClient({ datasetName, pipelineName: 'p', emit: () => {} })
  await client.initialize()
  return client
}

let seq = 0

/** Migrates, loads one jsonl job per table and completes: one whole package. The job files are removed after. */
export async function loadOnce(
  client: DestinationClient,
  tables: { table: Table; rows: Record<string, unknown>[] }[],
): Promise<PackageLoad> {
  seq++
  const schema: Schema = {
    name: 'unit',
    version: seq,
    versionHash: `v${seq}`,
    previousHashes: [],
    tables: Object.fromEntries(tables.map((t) => [t.table.name, t.table])),
  }
  await client.migrate(
    schema,
    tables.map((t) => ({ kind: 'add-table' as const, table: t.table })),
  )
  const loadId = `${1_800_000_000 + seq}.000001`
  const pkg: PackageLoad = {
    loadId,
    schema,
    tables: tables.map((t) => ({
      table: t.table,
      disposition: t.table.writeDisposition,
      ...(t.table.mergeStrategy ? { mergeStrategy: t.table.mergeStrategy } : {}),
      rows: t.rows.length,
    })),
    state: {
      pipelineName: 'p',
      version: seq,
      versionHash: `s${seq}`,
      state: `state-${seq}`,
      loadId,
      createdAt: new Date(Date.UTC(2024, 0, 1)).toISOString(),
    },
  }
  await client.startLoad(pkg)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-unit-'))
  try {
    let i = 0
    for (const t of tables) {
      const file = join(dir, `${loadId}.${t.table.name}.${i++}.jsonl`)
      await writeFile(file, `${t.rows.map((r) => JSON.stringify(r)).join('\n')}\n`)
      await client.load(
        { loadId, jobId: `${t.table.name}.${i}`, table: t.table, file, format: 'jsonl', rows: t.rows.length },
        new AbortController().signal,
      )
    }
    await client.complete(pkg)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return pkg
}
