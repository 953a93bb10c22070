import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline, type Source } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { createNormalizer } from '@sluice/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { type FilesystemFormat, filesystem } from '../src/index.ts'
import { duck, tempDir, visibleSql } from './helpers.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

type Item = { id: number; name: string; at: string; tags: string[] }

function source(items: Item[], seen: number[]): Source {
  return {
    name: 'demo',
    resources: [
      {
        name: 'items',
        primaryKey: 'id',
        writeDisposition: 'append',
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
          yield items.map((i) => ({ id: i.id, tags: i.tags }))
        },
      },
    ],
  }
}

async function run(bucket: string, format: FilesystemFormat, items: Item[], seen: number[]) {
  const dir = await tempDir('sluice-fs-pipe-')
  dirs.push(dir)
  const p = pipeline(
    {
      pipelineName: 'e2e',
      destination: filesystem({ bucketUrl: bucket, format }),
      datasetName: 'e2e',
      pipelinesDir: dir, // a fresh machine every run: state must come from the bucket
      fs: nodeFileSystem(),
    },
    { createNormalizer },
  )
  return p.run(source(items, seen))
}

describe('filesystem with the pipeline runner', () => {
  for (const format of ['jsonl', 'parquet'] as FilesystemFormat[]) {
    it(`${format}: appends, replaces with child tables, restores state from the bucket`, async () => {
      const bucket = await tempDir()
      dirs.push(bucket)
      const seen: number[] = []
      const first = await run(
        bucket,
        format,
        [
          { id: 1, name: 'a', at: '2024-01-01T10:00:00Z', tags: ['x', 'y'] },
          { id: 2, name: 'b', at: '2024-01-02T10:00:00Z', tags: ['z'] },
        ],
        seen,
      )
      expect(first.destinationName).toBe('filesystem')
      await run(bucket, format, [{ id: 3, name: 'c', at: '2024-01-03T10:00:00Z', tags: ['w'] }], seen)
      expect(seen).toEqual([0, 1])
      const reader = format === 'jsonl' ? 'read_json_auto' : 'read_parquet'
      const items = await duck(
        `SELECT id, name FROM (${visibleSql(bucket, 'e2e', 'items', reader)}) ORDER BY id`,
      )
      expect(items.rows).toEqual([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
        { id: 3, name: 'c' },
      ])
      const snapshot = await duck(`SELECT id FROM (${visibleSql(bucket, 'e2e', 'snapshot', reader)})`)
      expect(snapshot.rows).toEqual([{ id: 3 }])
      const tags = await duck(`SELECT value FROM (${visibleSql(bucket, 'e2e', 'snapshot__tags', reader)})`)
      expect(tags.rows).toEqual([{ value: 'w' }])
      expect(await readdir(join(bucket, 'e2e', '_sluice_loads'))).toHaveLength(2)
      if (format === 'parquet') expect(items.types['id']).toBe('BIGINT')
    })
  }
})
