import { describe, expect, it } from 'vitest'
import { csvField } from '../../src/job-files/csv-encoder.ts'
import { nodeFileSystem } from '../../src/node/index.ts'
import { createNormalizer } from '../../src/normalize/normalizer.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { Resource } from '../../src/source/source-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'

// Without page workers, pages of flat rows are written straight from the rows (no normalized row objects) once
// the root table has compiled shapes. Rows that fit none of them, and changes in the middle of a page (a new
// column, a variant, a child table, a dropped row), must end up exactly as the normalizer alone makes them.

let dir: string
useTempDir('sluice-flat-pages-', (d) => {
  dir = d
})

type Row = Record<string, unknown>

/** 12 pages of 30 rows; the middle of page 3 brings a column, page 5 a variant, page 7 a list, page 9 a null. */
function pages(): Row[][] {
  return Array.from({ length: 12 }, (_, p) =>
    Array.from({ length: 30 }, (_, i) => {
      const id = p * 30 + i
      const row: Row = { id, name: `item ${id}, "q"`, price: id / 4, at: '2026-01-02T03:04:05Z' }
      if (p > 3 || (p === 3 && i >= 15)) row.extra = id % 3 === 0
      if (p === 5 && i === 20) row.price = 'unknown'
      if (p === 7 && i === 10) row.tags = ['a', 'b']
      if (p === 9 && i === 5) row.name = null
      if (p === 10 && i === 3) row.blocked = true
      return row
    }),
  )
}

const RUN_IDS = ['_sluice_id', '_sluice_parent_id', '_sluice_root_id', '_sluice_load_id']

/** Rows as a csv job file gives them back (strings; NULL and absent alike), without the ids of a run, sorted. */
function comparable(rows: Row[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        Object.entries(r)
          .filter(([k, v]) => v !== null && v !== undefined && !RUN_IDS.includes(k))
          .map(([k, v]) => [k, typeof v === 'string' ? v : csvField(v)])
          .sort(),
      ),
    )
    .sort()
}

describe('pages of flat rows on the pipeline thread', () => {
  it('load what the normalizer makes of them, page by page', async () => {
    const resource: Resource<Row> = {
      name: 'items',
      primaryKey: 'id',
      writeDisposition: 'merge',
      async *read() {
        for (const page of pages()) yield page
      },
    }
    const destination = new FakeDestination('csv')
    const p = pipeline({ pipelineName: 'flat', destination, pipelinesDir: dir, fs: nodeFileSystem() })
    await p.run({ name: 'shop', resources: [resource] })

    const alone = createNormalizer(undefined, { schemaName: 'shop' })
    alone.registerResource({ resource: 'items', primaryKey: ['id'], writeDisposition: 'merge' })
    const expected = new Map<string, Row[]>()
    for (const page of pages()) {
      for (const [table, rows] of alone.normalizePage('items', page, 'L').tables) {
        expected.set(table, [...(expected.get(table) ?? []), ...rows])
      }
    }
    expect([...destination.tables.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [table, rows] of expected) {
      expect(comparable(destination.rows(table))).toEqual(comparable(rows))
    }
    const schema = await p.schema()
    expect(schema!.tables['items']!.columns.map((c) => c.name)).toEqual(
      alone.schema.tables['items']!.columns.map((c) => c.name),
    )
    expect(destination.rows('items')).toHaveLength(360)
  })

  it('drops a row a discard_row contract drops, and only that row', async () => {
    const [first, second] = pages().map((page) => page.map(({ extra, tags, blocked, ...r }) => r))
    const resource = (yielded: Row[][]): Resource<Row> => ({
      name: 'items',
      writeDisposition: 'append',
      contract: { columns: 'discard_row' },
      async *read() {
        yield* yielded
      },
    })
    const destination = new FakeDestination('csv')
    const p = pipeline({ pipelineName: 'discard', destination, pipelinesDir: dir, fs: nodeFileSystem() })
    // the table exists after the first run, so the contract holds in the second
    await p.run({ name: 'shop', resources: [resource([first!])] })
    // the first page compiles the shape; in the second, a row with a column the contract does not allow
    const odd = second!.map((r, i) => (i === 7 ? { ...r, extra: true } : r))
    const info = await p.run({
      name: 'shop',
      resources: [resource([first!.map((r) => ({ ...r, id: Number(r['id']) + 1000 })), odd])],
    })
    expect(info.tables['items']?.rows).toBe(59)
    const ids = destination.rows('items').map((r) => Number(r['id']))
    expect(ids).toHaveLength(89)
    expect(ids).not.toContain(37)
    expect(ids).toContain(38)
  })
})
