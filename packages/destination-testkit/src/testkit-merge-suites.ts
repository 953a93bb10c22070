// The merge conformance suites: delete-insert, upsert and scd2 merges (with child tables), replace ranges and
// hard deletes.
import type { Column, DestinationCapabilities, Table } from '@sluice/core/destination'
import { expect } from 'vitest'
import { child, type Harness, makeTable, row } from './testkit-harness.ts'
import type { SuiteFn } from './testkit-integrity.ts'

/** What the merge suites need from the suites' module (the canonical reader). */
export interface MergeHelpers {
  read(h: Harness, table: Table, names?: string[]): Promise<Record<string, unknown>[]>
}

type Need = (caps: DestinationCapabilities) => string | undefined

const idCol: Column = { name: 'id', dataType: 'bigint', primaryKey: true }
const nameCol: Column = { name: 'name', dataType: 'text' }

/**
 * Registers the merge suites, in `SUITE_NAMES` order: `merge delete-insert`, `merge upsert`,
 * `merge upsert children and deletes`, `merge scd2`, `merge scd2 children`, `replace ranges` and `hard delete`.
 */
export function mergeSuites(
  suite: SuiteFn,
  needMerge: (strategy: 'delete-insert' | 'upsert' | 'scd2') => Need,
  { read }: MergeHelpers,
): void {
  suite('merge delete-insert', needMerge('delete-insert'), (t) => {
    t('updates by primary key and de-duplicates with dedupSort', async (h) => {
      const table = makeTable(
        'customers',
        [idCol, nameCol, { name: 'updated', dataType: 'bigint', dedupSort: 'desc' }],
        { disposition: 'merge', mergeStrategy: 'delete-insert' },
      )
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a', updated: 1 }), row({ id: 2, name: 'b', updated: 1 })] },
      ])
      await h.loadPackage([
        {
          table,
          rows: [
            row({ id: 2, name: 'b-new', updated: 3 }),
            row({ id: 2, name: 'b-old', updated: 2 }),
            row({ id: 3, name: 'c', updated: 1 }),
          ],
        },
      ])
      expect(await read(h, table)).toEqual([
        { id: '1', name: 'a', updated: '1' },
        { id: '2', name: 'b-new', updated: '3' },
        { id: '3', name: 'c', updated: '1' },
      ])
    })
    t('dedupSort asc keeps the smallest', async (h) => {
      const table = makeTable('c2', [idCol, nameCol, { name: 'v', dataType: 'bigint', dedupSort: 'asc' }], {
        disposition: 'merge',
      })
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'late', v: 9 }), row({ id: 1, name: 'early', v: 1 })] },
      ])
      expect(await read(h, table)).toEqual([{ id: '1', name: 'early', v: '1' }])
    })
    t('merge key deletes every row of the key', async (h) => {
      const table = makeTable(
        'days',
        [
          { name: 'day', dataType: 'date', mergeKey: true },
          { name: 'n', dataType: 'bigint' },
        ],
        { disposition: 'merge' },
      )
      await h.loadPackage([
        {
          table,
          rows: [
            row({ day: '2024-01-01', n: 1 }),
            row({ day: '2024-01-01', n: 2 }),
            row({ day: '2024-01-02', n: 3 }),
          ],
        },
      ])
      await h.loadPackage([{ table, rows: [row({ day: '2024-01-01', n: 9 })] }])
      expect(await read(h, table, ['n', 'day'])).toEqual([
        { n: '3', day: '2024-01-02' },
        { n: '9', day: '2024-01-01' },
      ])
    })
  })

  suite('merge upsert', needMerge('upsert'), (t) => {
    t('updates existing keys and inserts new ones', async (h) => {
      const table = makeTable('users', [idCol, nameCol], { disposition: 'merge', mergeStrategy: 'upsert' })
      await h.loadPackage([{ table, rows: [row({ id: 1, name: 'a' }), row({ id: 2, name: 'b' })] }])
      await h.loadPackage([{ table, rows: [row({ id: 2, name: 'B' }), row({ id: 3, name: 'c' })] }])
      expect(await read(h, table)).toEqual([
        { id: '1', name: 'a' },
        { id: '2', name: 'B' },
        { id: '3', name: 'c' },
      ])
    })
  })

  suite('merge upsert children and deletes', needMerge('upsert'), (t) => {
    t('upsert replaces child rows of updated roots and honours hard deletes', async (h) => {
      const root = makeTable(
        'users',
        [idCol, nameCol, { name: 'gone', dataType: 'bool', hardDelete: true }],
        {
          disposition: 'merge',
          mergeStrategy: 'upsert',
        },
      )
      const roles = makeTable('users__roles', [{ name: 'value', dataType: 'text' }], {
        disposition: 'merge',
        mergeStrategy: 'upsert',
        parent: 'users',
      })
      await h.loadPackage([
        { table: root, rows: [row({ id: 1, name: 'a' }, 'k1'), row({ id: 2, name: 'b' }, 'k2')] },
        { table: roles, rows: [child({ value: 'admin' }, 'k1', 0), child({ value: 'dev' }, 'k2', 0)] },
      ])
      await h.loadPackage([
        { table: root, rows: [row({ id: 1, name: 'A' }, 'k1'), row({ id: 2, gone: true }, 'k2')] },
        { table: roles, rows: [child({ value: 'owner' }, 'k1', 0)] },
      ])
      expect(await read(h, root, ['id', 'name'])).toEqual([{ id: '1', name: 'A' }])
      expect(await read(h, roles, ['value'])).toEqual([{ value: 'owner' }])
    })
  })

  suite('merge scd2', needMerge('scd2'), (t) => {
    t('retires missing and changed rows and inserts new versions', async (h) => {
      const table = makeTable('dim', [{ name: 'id', dataType: 'bigint' }, nameCol], {
        disposition: 'merge',
        mergeStrategy: 'scd2',
      })
      const cols = ['name', '_sluice_valid_to']
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a' }, 'h-a'), row({ id: 2, name: 'b' }, 'h-b')] },
      ])
      let rows = await read(
        h,
        { ...table, columns: [...table.columns, { name: '_sluice_valid_to', dataType: 'timestamp' }] },
        cols,
      )
      expect(rows).toEqual([
        { name: 'a', _sluice_valid_to: null },
        { name: 'b', _sluice_valid_to: null },
      ])
      // id 1 unchanged, id 2 changed, id 3 new; nothing missing
      await h.loadPackage([
        {
          table,
          rows: [
            row({ id: 1, name: 'a' }, 'h-a'),
            row({ id: 2, name: 'b2' }, 'h-b2'),
            row({ id: 3, name: 'c' }, 'h-c'),
          ],
        },
      ])
      // id 3 disappears from the full extract
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a' }, 'h-a'), row({ id: 2, name: 'b2' }, 'h-b2')] },
      ])
      rows = await read(
        h,
        { ...table, columns: [...table.columns, { name: '_sluice_valid_to', dataType: 'timestamp' }] },
        cols,
      )
      expect(rows.map((r) => [r['name'], r['_sluice_valid_to'] === null])).toEqual([
        ['a', true],
        ['b', false],
        ['b2', true],
        ['c', false],
      ])
    })
  })

  suite('merge scd2 children', needMerge('scd2'), (t) => {
    t('child rows are inserted once per new root version', async (h) => {
      const root = makeTable('dim', [{ name: 'id', dataType: 'bigint' }], {
        disposition: 'merge',
        mergeStrategy: 'scd2',
      })
      const kids = makeTable('dim__tags', [{ name: 'value', dataType: 'text' }], {
        disposition: 'merge',
        mergeStrategy: 'scd2',
        parent: 'dim',
      })
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'v1')] },
        { table: kids, rows: [child({ value: 'a' }, 'v1', 0)] },
      ])
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'v1')] },
        { table: kids, rows: [child({ value: 'a' }, 'v1', 0)] },
      ])
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'v2')] },
        { table: kids, rows: [child({ value: 'b' }, 'v2', 0)] },
      ])
      expect(await read(h, kids, ['value', '_sluice_root_id'])).toEqual([
        { value: 'a', _sluice_root_id: 'v1' },
        { value: 'b', _sluice_root_id: 'v2' },
      ])
      expect((await read(h, root, ['_sluice_id'])).length).toBe(2)
    })
  })

  suite('replace ranges', needMerge('delete-insert'), (t) => {
    t('rows in the range are deleted before insert, others kept', async (h) => {
      const table = makeTable('entries', [idCol, { name: 'at', dataType: 'timestamp' }], {
        disposition: 'merge',
      })
      await h.loadPackage([
        {
          table,
          rows: [
            row({ id: 1, at: '2024-01-01T00:00:00.000Z' }),
            row({ id: 2, at: '2024-01-15T00:00:00.000Z' }),
            row({ id: 3, at: '2024-02-01T00:00:00.000Z' }),
          ],
        },
      ])
      await h.loadPackage([
        {
          table,
          rows: [row({ id: 4, at: '2024-01-20T00:00:00.000Z' })],
          replaceRanges: [{ column: 'at', from: '2024-01-10T00:00:00.000Z', to: '2024-02-01T00:00:00.000Z' }],
        },
      ])
      expect((await read(h, table)).map((r) => r['id'])).toEqual(['1', '3', '4'])
    })
  })

  suite('hard delete', needMerge('delete-insert'), (t) => {
    t('rows flagged deleted remove the target row and are not inserted', async (h) => {
      const table = makeTable(
        'projects',
        [idCol, nameCol, { name: 'deleted', dataType: 'bool', hardDelete: true }],
        {
          disposition: 'merge',
        },
      )
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a', deleted: false }), row({ id: 2, name: 'b' })] },
      ])
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a', deleted: true }), row({ id: 3, name: 'c', deleted: true })] },
      ])
      expect(await read(h, table, ['id', 'name'])).toEqual([{ id: '2', name: 'b' }])
    })
  })
}
