import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { pipeline, type Source } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { createNormalizer } from '@sluice/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { duckdb } from '../src/index.ts'

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

type Item = { id: number; name: string; tags: string[] }

function source(items: Item[], seen: number[]): Source {
  return {
    name: 'demo',
    resources: [
      {
        name: 'items',
        primaryKey: 'id',
        writeDisposition: { disposition: 'merge', strategy: 'delete-insert' },
        async *read(ctx) {
          seen.push(Number(ctx.state['runs'] ?? 0))
          ctx.state['runs'] = Number(ctx.state['runs'] ?? 0) + 1
          yield items
        },
      },
      {
        name: 'snapshot',
        writeDisposition: 'replace',
        async *read() {
          yield items.map((i) => ({ id: i.id }))
        },
      },
    ],
  }
}

async function run(items: Item[], seen: number[]) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-e2e-'))
  dirs.push(dir)
  const p = pipeline(
    {
      pipelineName: 'e2e',
      destination: duckdb({ instance }),
      datasetName: 'e2e',
      pipelinesDir: dir,
      fs: nodeFileSystem(),
    },
    { createNormalizer },
  )
  return p.run(source(items, seen))
}

describe('duckdb with the pipeline runner', () => {
  it('merges roots and child tables, replaces, and restores state on a fresh machine', async () => {
    const seen: number[] = []
    await run(
      [
        { id: 1, name: 'a', tags: ['x', 'y'] },
        { id: 2, name: 'b', tags: ['z'] },
      ],
      seen,
    )
    // a fresh pipelines dir: state must come back from the destination
    await run([{ id: 1, name: 'A', tags: ['w'] }], seen)
    expect(seen).toEqual([0, 1])
    expect(await rows('SELECT id, name FROM e2e.items ORDER BY id')).toEqual([
      { id: '1', name: 'A' },
      { id: '2', name: 'b' },
    ])
    expect(await rows('SELECT value FROM e2e.items__tags ORDER BY value')).toEqual([
      { value: 'w' },
      { value: 'z' },
    ])
    expect(await rows('SELECT id FROM e2e.snapshot')).toEqual([{ id: '1' }])
    expect(await rows('SELECT count(*)::INTEGER AS n FROM e2e._sluice_loads')).toEqual([{ n: 2 }])
  })

  it('names the table and the fix when the schema stored in the dataset is not JSON', async () => {
    const seen: number[] = []
    await run([{ id: 1, name: 'a', tags: [] }], seen)
    await conn.run(`UPDATE e2e._sluice_version SET "schema" = '{ broken'`)
    // a fresh pipelines dir reads the schema from the dataset
    await expect(run([{ id: 2, name: 'b', tags: [] }], seen)).rejects.toThrow(
      /the newest schema demo \(version \d+\) stored in e2e\._sluice_version is not valid JSON: delete that row/,
    )
  })
})
