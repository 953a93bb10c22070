// The conformance suites of insert-only merges and of scd2's options: validity column names, the active record
// timestamp, the boundary timestamp, a row version column and retiring by merge key partition.
import type { Column, DestinationCapabilities, Table } from '@sluice/core/destination'
import { expect } from 'vitest'
import { child, makeTable, row } from './testkit-harness.ts'
import type { SuiteFn } from './testkit-integrity.ts'
import type { MergeHelpers } from './testkit-merge-suites.ts'

type Need = (caps: DestinationCapabilities) => string | undefined

const idCol: Column = { name: 'id', dataType: 'bigint', primaryKey: true }
const nameCol: Column = { name: 'name', dataType: 'text' }

/** The table with timestamp columns of these names added (to read validity columns as timestamps). */
function withTimestamps(table: Table, names: string[]): Table {
  return {
    ...table,
    columns: [...table.columns, ...names.map((name) => ({ name, dataType: 'timestamp' as const }))],
  }
}

const JAN = '2024-01-01T00:00:00.000Z'
const FEB = '2024-02-01T00:00:00.000Z'
const HIGH = '9999-12-31T00:00:00.000Z'

/**
 * Registers the suites `merge insert-only`, `merge scd2 options` and `merge scd2 partitions` (in `SUITE_NAMES`
 * order).
 */
export function scd2Suites(
  suite: SuiteFn,
  needMerge: (strategy: 'insert-only' | 'scd2') => Need,
  { read }: MergeHelpers,
): void {
  suite('merge insert-only', needMerge('insert-only'), (t) => {
    t('inserts keys the table lacks and never updates a row that is there', async (h) => {
      const table = makeTable(
        'users',
        [idCol, nameCol, { name: 'v', dataType: 'bigint', dedupSort: 'desc' }],
        {
          disposition: 'merge',
          mergeStrategy: 'insert-only',
        },
      )
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a', v: 1 }), row({ id: 2, name: 'b', v: 1 })] },
      ])
      await h.loadPackage([
        {
          table,
          rows: [
            row({ id: 2, name: 'B', v: 2 }),
            row({ id: 3, name: 'c-old', v: 1 }),
            row({ id: 3, name: 'c', v: 2 }),
          ],
        },
      ])
      expect(await read(h, table, ['id', 'name'])).toEqual([
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
        { id: '3', name: 'c' },
      ])
    })
    t('child rows come with new roots only; hard-delete markers insert and delete nothing', async (h) => {
      const root = makeTable(
        'users',
        [idCol, nameCol, { name: 'gone', dataType: 'bool', hardDelete: true }],
        {
          disposition: 'merge',
          mergeStrategy: 'insert-only',
        },
      )
      const roles = makeTable('users__roles', [{ name: 'value', dataType: 'text' }], {
        disposition: 'merge',
        mergeStrategy: 'insert-only',
        parent: 'users',
      })
      await h.loadPackage([
        { table: root, rows: [row({ id: 1, name: 'a' }, 'k1')] },
        { table: roles, rows: [child({ value: 'admin' }, 'k1', 0)] },
      ])
      await h.loadPackage([
        {
          table: root,
          rows: [
            row({ id: 1, name: 'A' }, 'k1b'),
            row({ id: 2, name: 'b' }, 'k2'),
            row({ id: 3, gone: true }, 'k3'),
          ],
        },
        {
          table: roles,
          rows: [
            child({ value: 'owner' }, 'k1b', 0),
            child({ value: 'dev' }, 'k2', 0),
            child({ value: 'x' }, 'k3', 0),
          ],
        },
      ])
      await h.loadPackage([{ table: root, rows: [row({ id: 1, gone: true }, 'k1c')] }])
      expect(await read(h, root, ['id', 'name'])).toEqual([
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
      ])
      expect(await read(h, roles, ['value', '_sluice_root_id'])).toEqual([
        { value: 'admin', _sluice_root_id: 'k1' },
        { value: 'dev', _sluice_root_id: 'k2' },
      ])
    })
  })

  suite('merge scd2 options', needMerge('scd2'), (t) => {
    t('validity column names, active record timestamp and boundary timestamp', async (h) => {
      const options = {
        validityColumnNames: ['valid_from', 'valid_to'] as const,
        activeRecordTimestamp: HIGH,
      }
      const dim = (boundary: string) =>
        makeTable('dim', [{ name: 'id', dataType: 'bigint' }, nameCol], {
          disposition: 'merge',
          mergeStrategy: 'scd2',
          scd2: { ...options, boundaryTimestamp: boundary },
        })
      const tags = makeTable('dim__tags', [{ name: 'value', dataType: 'text' }], {
        disposition: 'merge',
        mergeStrategy: 'scd2',
        parent: 'dim',
      })
      await h.loadPackage([
        { table: dim(JAN), rows: [row({ id: 1, name: 'a' }, 'h-a'), row({ id: 2, name: 'b' }, 'h-b')] },
        { table: tags, rows: [child({ value: 'x' }, 'h-b', 0)] },
      ])
      // id 2 changes; its new version brings its child row
      await h.loadPackage([
        { table: dim(FEB), rows: [row({ id: 1, name: 'a' }, 'h-a'), row({ id: 2, name: 'b2' }, 'h-b2')] },
        { table: tags, rows: [child({ value: 'y' }, 'h-b2', 0)] },
      ])
      const table = withTimestamps(dim(FEB), ['valid_from', 'valid_to'])
      expect(await read(h, table, ['name', 'valid_from', 'valid_to'])).toEqual([
        { name: 'a', valid_from: JAN, valid_to: HIGH },
        { name: 'b', valid_from: JAN, valid_to: FEB },
        { name: 'b2', valid_from: FEB, valid_to: HIGH },
      ])
      expect(await read(h, tags, ['value', '_sluice_root_id'])).toEqual([
        { value: 'x', _sluice_root_id: 'h-b' },
        { value: 'y', _sluice_root_id: 'h-b2' },
      ])
      const [first] = await h.rows('dim')
      expect(Object.keys(first ?? {}).map((k) => k.toLowerCase())).not.toContain('_sluice_valid_to')
    })
    t('a row version column tells versions apart instead of the row hash', async (h) => {
      const table = makeTable(
        'dim',
        [{ name: 'id', dataType: 'bigint' }, nameCol, { name: 'version', dataType: 'text' }],
        {
          disposition: 'merge',
          mergeStrategy: 'scd2',
          scd2: { rowVersionColumnName: 'version' },
        },
      )
      await h.loadPackage([
        { table, rows: [row({ id: 1, name: 'a', version: 'a1' }), row({ id: 2, name: 'b', version: 'b1' })] },
      ])
      // id 1 has another name but the same version: no new version; id 2 has a new version
      await h.loadPackage([
        {
          table,
          rows: [row({ id: 1, name: 'a!', version: 'a1' }), row({ id: 2, name: 'b2', version: 'b2' })],
        },
      ])
      const rows = await read(h, withTimestamps(table, ['_sluice_valid_to']), ['name', '_sluice_valid_to'])
      expect(rows.map((r) => [r['name'], r['_sluice_valid_to'] === null])).toEqual([
        ['a', true],
        ['b', false],
        ['b2', true],
      ])
    })
  })

  suite('merge scd2 partitions', needMerge('scd2'), (t) => {
    t('with a merge key only rows of partitions in the load are retired', async (h) => {
      const table = makeTable('days', [{ name: 'day', dataType: 'date', mergeKey: true }, nameCol], {
        disposition: 'merge',
        mergeStrategy: 'scd2',
      })
      const r = (day: string, name: string) => row({ day, name }, `${day}-${name}`)
      await h.loadPackage([{ table, rows: [r('2024-01-01', 'a'), r('2024-01-01', 'b')] }])
      await h.loadPackage([{ table, rows: [r('2024-01-02', 'c'), r('2024-01-02', 'd')] }])
      // the 2024-01-01 partition again: b is gone, bb is new; 2024-01-02 is not in the load and stays
      await h.loadPackage([{ table, rows: [r('2024-01-01', 'a'), r('2024-01-01', 'bb')] }])
      const rows = await read(h, withTimestamps(table, ['_sluice_valid_to']), [
        'name',
        'day',
        '_sluice_valid_to',
      ])
      expect(rows.map((x) => [x['name'], x['day'], x['_sluice_valid_to'] === null])).toEqual([
        ['a', '2024-01-01', true],
        ['b', '2024-01-01', false],
        ['bb', '2024-01-01', true],
        ['c', '2024-01-02', true],
        ['d', '2024-01-02', true],
      ])
    })
  })
}
