import type { Column, NormalizedRow, Table } from '@sluice/core/destination'
import { expect } from 'vitest'
import { type Harness, makeTable } from './testkit-harness.ts'

/** What the refresh suite needs from the suites' module (row builders and the canonical reader). */
export interface RefreshHelpers {
  row(values: NormalizedRow, id?: string): NormalizedRow
  child(values: NormalizedRow, parentId: string, idx: number): NormalizedRow
  read(h: Harness, table: Table, names?: string[]): Promise<Record<string, unknown>[]>
}

const id: Column = { name: 'id', dataType: 'bigint', primaryKey: true }

/**
 * The `refresh` suite: a package that drops tables (a full refresh) drops them when `complete()` publishes it, not
 * before. Until then readers see the old rows; after it the table has only the package's columns (a column whose
 * type changed loads with its new type) and rows, and the dropped child table is gone.
 */
export function refreshSuite(
  t: (title: string, fn: (h: Harness) => Promise<void>) => void,
  { row, child, read }: RefreshHelpers,
): void {
  t(
    'a refreshed table keeps its old rows until complete(), then holds only the new columns and rows',
    async (h) => {
      if (!h.client.dropTables) {
        console.info(
          '[testkit] refresh: the client has no dropTables, so a refresh empties tables instead; nothing to check',
        )
        return
      }
      const old = makeTable('snap', [
        id,
        { name: 'code', dataType: 'bigint' },
        { name: 'legacy', dataType: 'text' },
      ])
      const kids = makeTable('snap__kids', [{ name: 'value', dataType: 'text' }], { parent: 'snap' })
      await h.loadPackage([
        {
          table: old,
          rows: [row({ id: 1, code: 10, legacy: 'a' }, 's1'), row({ id: 2, code: 20, legacy: 'b' })],
        },
        { table: kids, rows: [child({ value: 'x' }, 's1', 0)] },
      ])
      const fresh = makeTable('snap', [
        id,
        { name: 'code', dataType: 'text' },
        { name: 'extra', dataType: 'text' },
      ])
      const pkg = await h.startAndLoad(
        h.nextLoadId(),
        [{ table: fresh, rows: [row({ id: 3, code: 'c-3', extra: 'e' })] }],
        undefined,
        {
          recreate: ['snap'],
          dropTables: ['snap__kids'],
        },
      )
      // loaded, not published: readers see the old table
      expect(await read(h, old, ['id', 'code', 'legacy'])).toEqual([
        { id: '1', code: '10', legacy: 'a' },
        { id: '2', code: '20', legacy: 'b' },
      ])
      expect(await h.rows('snap__kids')).toHaveLength(1)
      await h.client.complete(pkg)
      expect(await read(h, fresh, ['id', 'code', 'extra'])).toEqual([{ id: '3', code: 'c-3', extra: 'e' }])
      const rows = await h.rows('snap')
      expect(
        rows.map((r) =>
          Object.keys(r)
            .map((k) => k.toLowerCase())
            .includes('legacy'),
        ),
      ).toEqual([false])
      expect(await h.rows('snap__kids').catch(() => [])).toEqual([])
      // the next, ordinary package loads into the new table (its staging table has the new columns too)
      await h.loadPackage([{ table: fresh, rows: [row({ id: 4, code: 'c-4', extra: null })] }])
      expect((await read(h, fresh, ['id', 'code'])).map((r) => r['code'])).toEqual(['c-3', 'c-4'])
    },
  )
}
