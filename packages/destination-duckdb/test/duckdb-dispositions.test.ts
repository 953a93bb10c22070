import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { pipeline, type Resource } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { createNormalizer } from '@sluice/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { duckdb } from '../src/index.ts'

// Dispositions end to end, from a resource's declaration to the table: insert-only merges, merges without keys
// and scd2's options.

const instance = await DuckDBInstance.create(':memory:')
const conn = await instance.connect()
const dirs: string[] = []
afterAll(async () => {
  conn.closeSync()
  instance.closeSync()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
}

async function run(dataset: string, resource: Resource<object>) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-disp-'))
  dirs.push(dir)
  const p = pipeline(
    {
      pipelineName: dataset,
      destination: duckdb({ instance }),
      datasetName: dataset,
      pipelinesDir: dir,
      fs: nodeFileSystem(),
    },
    { createNormalizer },
  )
  return p.run({ name: 'demo', resources: [resource] })
}

function resource(rowsOf: object[], def: Partial<Resource<object>>): Resource<object> {
  return {
    name: 'items',
    ...def,
    async *read() {
      yield rowsOf
    },
  }
}

describe('dispositions through the pipeline on duckdb', () => {
  it('insert-only inserts new keys and keeps the rows that are there', async () => {
    const def = {
      primaryKey: 'id',
      writeDisposition: { disposition: 'merge', strategy: 'insert-only' },
    } as const
    await run(
      'ins',
      resource(
        [
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
        ],
        def,
      ),
    )
    const info = await run(
      'ins',
      resource(
        [
          { id: 1, name: 'A' },
          { id: 3, name: 'c' },
        ],
        def,
      ),
    )
    expect(info.warnings).toEqual([])
    expect(await rows('SELECT id, name FROM ins.items ORDER BY id')).toEqual([
      { id: '1', name: 'a' },
      { id: '2', name: 'b' },
      { id: '3', name: 'c' },
    ])
  })

  it('a merge without keys appends and says so in the load info', async () => {
    const data = [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]
    await run('nokey', resource(data, { writeDisposition: 'merge' }))
    const info = await run('nokey', resource(data, { writeDisposition: 'merge' }))
    expect(info.warnings).toEqual([
      'items: merge without a primary key or merge key appends its rows (through staging); set primaryKey or mergeKey to update rows',
    ])
    expect(String(info)).toContain(
      'warning: items: merge without a primary key or merge key appends its rows',
    )
    expect(await rows('SELECT count(*)::INT AS n FROM nokey.items')).toEqual([{ n: 4 }])
  })

  it('scd2 with its options: validity names, active record timestamp, row version column, merge key', async () => {
    const def = {
      mergeKey: 'day',
      writeDisposition: {
        disposition: 'merge',
        strategy: 'scd2',
        validity_column_names: ['Valid From', 'Valid To'],
        activeRecordTimestamp: '9999-12-31T00:00:00Z',
        rowVersionColumnName: 'Row Hash',
      },
    } as unknown as Partial<Resource<object>>
    await run(
      'hist',
      resource(
        [
          { day: '2024-01-01', name: 'a', 'Row Hash': 'a1' },
          { day: '2024-01-01', name: 'b', 'Row Hash': 'b1' },
          { day: '2024-01-02', name: 'c', 'Row Hash': 'c1' },
        ],
        def,
      ),
    )
    // the 2024-01-01 partition again: a renamed under the same version (kept), b gone; c's partition is absent
    await run(
      'hist',
      resource(
        [
          { day: '2024-01-01', name: 'a!', 'Row Hash': 'a1' },
          { day: '2024-01-01', name: 'd', 'Row Hash': 'd1' },
        ],
        def,
      ),
    )
    const active = "valid_to = TIMESTAMPTZ '9999-12-31 00:00:00+00'"
    expect(
      await rows(
        `SELECT name, ${active} AS active, valid_from IS NOT NULL AS dated FROM hist.items ORDER BY name`,
      ),
    ).toEqual([
      { name: 'a', active: true, dated: true },
      { name: 'b', active: false, dated: true },
      { name: 'c', active: true, dated: true },
      { name: 'd', active: true, dated: true },
    ])
    const columns = await rows(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'hist' AND table_name = 'items'",
    )
    expect(columns.map((c) => c['column_name'])).not.toContain('_sluice_valid_to')
  })
})
